/**
 * The webhook's authentication: GitHub signs the raw body with the webhook's
 * secret (HMAC-SHA256, `X-Hub-Signature-256: sha256=<hex>`). The check is
 * @octokit/webhooks-methods' `verify` (constant-time); this module only decides
 * which header and which secrets it gets, and says what is wrong in words a
 * person setting up a webhook can act on. During a rotation the previous
 * secret is accepted too. Neither the secret nor the signature is ever
 * repeated in a message.
 */
import { verify } from '@octokit/webhooks-methods';

/** Where the webhook's secrets come from: the current one, and the one being rotated out. */
export interface WebhookSecretSource {
  current(): Promise<string>;
  /** Accepted until it is removed; undefined when no rotation is under way. */
  previous(): Promise<string | undefined>;
}

export type SignatureCheck = { ok: true; secret: 'current' | 'previous' } | { ok: false; message: string };

const SIGNATURE = /^sha256=[0-9a-f]{64}$/;

/**
 * Checks `header` (the value of `X-Hub-Signature-256`) over `body`, the raw body
 * as text. `legacyHeader` (`X-Hub-Signature`, SHA-1) only makes the message
 * clearer: it is never accepted.
 */
export async function checkSignature(body: string, header: string | undefined, secrets: WebhookSecretSource, legacyHeader?: string): Promise<SignatureCheck> {
  if (header === undefined || header.trim() === '') {
    return {
      ok: false,
      message: legacyHeader
        ? 'the delivery is signed with SHA-1 only (X-Hub-Signature); Baton checks X-Hub-Signature-256, which GitHub sends whenever the webhook has a secret'
        : 'the delivery has no X-Hub-Signature-256 header: give the webhook a secret (the one Baton has as GITHUB_WEBHOOK_SECRET)',
    };
  }
  if (header.startsWith('sha1=')) return { ok: false, message: 'X-Hub-Signature-256 holds a SHA-1 signature (sha1=…); Baton takes only sha256=<64 hex digits>' };
  if (!SIGNATURE.test(header)) return { ok: false, message: 'X-Hub-Signature-256 is not of the form sha256=<64 lowercase hex digits>' };
  if (body === '') return { ok: false, message: 'the delivery has an empty body: there is nothing the signature could cover' };
  if (await verify(await secrets.current(), body, header)) return { ok: true, secret: 'current' };
  const previous = await secrets.previous();
  if (previous && (await verify(previous, body, header))) return { ok: true, secret: 'previous' };
  return { ok: false, message: "the signature does not match the body: the webhook's secret differs from Baton's GITHUB_WEBHOOK_SECRET, or the body was changed on the way" };
}
