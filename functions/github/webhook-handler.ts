/**
 * The webhook Lambda behind API Gateway (REST API, proxy integration):
 * `POST /github/webhook`. It turns the proxy event into the raw request the
 * core checks (a base64 body decoded to its exact bytes, every header value
 * kept), and the core's answer into a JSON response.
 */
import { z } from 'zod';
import { readEnv } from '../runtime/aws-deps.ts';
import { lambdaEntry } from '../runtime/observability.ts';
import { awsStarter } from '../runtime/starter/aws-starter.ts';
import { awsWebhookDeps, GithubLambdaEnv } from './aws.ts';
import type { WebhookRequest } from './request.ts';
import { handleDelivery, type WebhookAnswer, type WebhookDeps } from './webhook.ts';

/** The fields of an API Gateway REST proxy event the webhook reads. */
const ProxyEvent = z.object({
  body: z.string().nullish(),
  isBase64Encoded: z.boolean().nullish(),
  headers: z.record(z.string(), z.string().nullish()).nullish(),
  multiValueHeaders: z.record(z.string(), z.array(z.string()).nullish()).nullish(),
});

export interface ProxyResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** The proxy event as the core's request; undefined when it is not one. */
export function requestOfProxyEvent(event: unknown): WebhookRequest | undefined {
  const parsed = ProxyEvent.safeParse(event);
  if (!parsed.success) return undefined;
  const { body, isBase64Encoded, headers, multiValueHeaders } = parsed.data;
  // multiValueHeaders holds every value of a repeated header; headers only the last.
  const raw: WebhookRequest['headers'] = {};
  for (const [name, value] of Object.entries(multiValueHeaders ?? headers ?? {})) if (value != null) raw[name] = value;
  return { headers: raw, body: isBase64Encoded ? Buffer.from(body ?? '', 'base64') : (body ?? '') };
}

export function proxyResult(answer: WebhookAnswer): ProxyResult {
  return { statusCode: answer.status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(answer.body) };
}

export function createWebhookHandler(deps: WebhookDeps) {
  return async (event: unknown): Promise<ProxyResult> => {
    const request = requestOfProxyEvent(event);
    if (!request) return proxyResult({ status: 400, body: { error: 'bad_request', message: 'the webhook Lambda got an event that is not an API Gateway proxy request' } });
    return proxyResult(await handleDelivery(request, deps));
  };
}

/**
 * The Lambda entry: environment and clients read once, at cold start. Runs
 * start through the API's run starter, on the manifest bundled next to it.
 */
export const handler = lambdaEntry('baton-webhook', (observability) => {
  const { starter, workflows } = awsStarter(observability, import.meta.url);
  return createWebhookHandler(awsWebhookDeps(readEnv(GithubLambdaEnv), { starter, workflows }));
});
