/**
 * `POST /github/webhook`: one GitHub delivery in, one answer out. The order is
 * the order of what can be wrong: too large (413), not JSON by its content type
 * (415), not signed by GitHub (401), not a delivery at all (400); then `ping`
 * is answered, and any other event is handled (delivery.ts). GitHub shows the
 * answer in the webhook's delivery log, so every answer says what happened.
 */
import type { CheckpointStore } from '../runtime/store/index.ts';
import { handleVerifiedDelivery } from './delivery.ts';
import { GithubSetupError } from './errors.ts';
import type { GithubEvent } from './event.ts';
import type { GithubClients } from './github-client.ts';
import type { ApprovalsPort, RunStarterPort, Workflows } from './ports.ts';
import { bodyText, byteLength, HeaderMap, mediaType, type WebhookRequest } from './request.ts';
import { checkSignature, type WebhookSecretSource } from './signature.ts';

export type { DeliveryOutcome, RefusedRun, StartedRun } from './delivery.ts';
export { CLAIM_STALE_SECONDS } from './delivery.ts';

/** API Gateway's limit on a request; GitHub sends up to 25 MB. */
export const MAX_DELIVERY_BYTES = 10 * 1024 * 1024;

export interface WebhookDeps {
  secrets: WebhookSecretSource;
  store: CheckpointStore;
  starter: RunStarterPort;
  workflows: Workflows;
  /** GitHub's API: check runs, and who may decide an approval. Without it, neither happens. */
  github?: GithubClients;
  /** Decides approvals for `/approve` and `/reject` comments. */
  approvals?: ApprovalsPort;
  /** Structured events, one JSON line each on AWS; never a secret or a signature. */
  log?: (event: object) => void;
  now?: () => Date;
  claimStaleSeconds?: number;
  maxBodyBytes?: number;
}

export interface WebhookAnswer {
  status: number;
  body: Record<string, unknown>;
}

export async function handleDelivery(request: WebhookRequest, deps: WebhookDeps): Promise<WebhookAnswer> {
  try {
    return await handle(request, deps);
  } catch (error) {
    const message = error instanceof GithubSetupError ? error.message : `Baton could not handle the delivery: ${(error as Error).message ?? String(error)}`;
    deps.log?.({ event: 'github.delivery_error', message });
    return { status: 500, body: { error: error instanceof GithubSetupError ? 'setup' : 'internal', message } };
  }
}

async function handle(request: WebhookRequest, deps: WebhookDeps): Promise<WebhookAnswer> {
  const headers = new HeaderMap(request.headers);
  const refuse = (status: number, error: string, message: string): WebhookAnswer => {
    deps.log?.({ event: 'github.delivery_refused', status, error, message });
    return { status, body: { error, message } };
  };

  const limit = deps.maxBodyBytes ?? MAX_DELIVERY_BYTES;
  const size = byteLength(request.body);
  if (size > limit) return refuse(413, 'too_large', `the delivery is ${size} bytes; Baton takes at most ${limit} (API Gateway's limit), GitHub sends up to 25 MB`);

  const contentType = headers.one('content-type');
  if (typeof contentType === 'object') return refuse(400, 'bad_request', 'Content-Type is sent more than once');
  if (contentType !== undefined && mediaType(contentType) === 'application/x-www-form-urlencoded') {
    return refuse(415, 'unsupported_media_type', "the webhook sends application/x-www-form-urlencoded: choose Content type application/json in the webhook's settings on GitHub");
  }
  if (contentType !== undefined && !/^application\/([a-z0-9.+-]+\+)?json$/.test(mediaType(contentType))) {
    return refuse(415, 'unsupported_media_type', `Baton takes application/json, not ${mediaType(contentType)}: choose Content type application/json in the webhook's settings on GitHub`);
  }

  const signature = headers.one('x-hub-signature-256');
  if (typeof signature === 'object') return refuse(401, 'signature', 'X-Hub-Signature-256 is sent more than once');
  const legacy = headers.one('x-hub-signature');
  const text = bodyText(request.body);
  if (text === undefined) return refuse(400, 'bad_request', 'the body is not UTF-8 text, so it cannot be a GitHub delivery');
  const checked = await checkSignature(text, signature, deps.secrets, typeof legacy === 'string' ? legacy : undefined);
  if (!checked.ok) return refuse(401, 'signature', checked.message);

  const name = headers.one('x-github-event');
  const delivery = headers.one('x-github-delivery');
  if (typeof name !== 'string' || !/^[a-z_]{1,100}$/.test(name)) return refuse(400, 'bad_request', 'X-GitHub-Event is missing, repeated, or not an event name');
  if (typeof delivery !== 'string' || !/^[A-Za-z0-9._-]{1,100}$/.test(delivery)) return refuse(400, 'bad_request', 'X-GitHub-Delivery is missing, repeated, or not a delivery id');

  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch (error) {
    return refuse(400, 'bad_json', `the body is not JSON: ${(error as Error).message}`);
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return refuse(400, 'bad_json', 'the body is JSON but not an object');
  const record = payload as Record<string, unknown>;
  const event: GithubEvent = { name, delivery, payload: record, ...(typeof record.action === 'string' ? { action: record.action } : {}) };

  if (name === 'ping') {
    deps.log?.({ event: 'github.ping', delivery, secret: checked.secret });
    return { status: 200, body: { delivery, event: name, message: 'pong: Baton checked the signature and is listening' } };
  }
  return handleVerifiedDelivery(event, deps);
}
