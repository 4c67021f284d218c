/**
 * The `http` step kind: one request, result `{ status, headers, body }`.
 *
 * A status outside `expect` fails the step with a name that says whether a retry
 * could help: `Throttled` (429) and `ServerError` (5xx) are transient, `HttpError`
 * (anything else) is not, so authors can leave it out of `retry.on`.
 */

import type { HttpEvent } from '../../../compiler/contract/index.ts';
import { HttpError, InputInvalidError } from '../errors.ts';
import { describeUrl, httpCall, parseBody, snippet, transientStatusError } from '../http-call.ts';
import type { KindContext, KindOutcome } from '../runtime-deps.ts';

const DEFAULT_TIMEOUT_MS = 5 * 60 * 1000;

export async function runHttp(inv: HttpEvent, ctx: KindContext): Promise<KindOutcome> {
  const { method, url, headers, body } = inv.input;
  if (typeof url !== 'string' || url.length === 0) throw new InputInvalidError('http: url must be a string');
  if (typeof method !== 'string' || method.length === 0) throw new InputInvalidError('http: method must be a string');

  const sendHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined || value === null) continue;
    sendHeaders[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  let sendBody: string | undefined;
  if (body !== undefined && body !== null) {
    if (typeof body === 'string') {
      sendBody = body;
    } else {
      sendBody = JSON.stringify(body);
      if (!Object.keys(sendHeaders).some((name) => name.toLowerCase() === 'content-type')) {
        sendHeaders['content-type'] = 'application/json';
      }
    }
  }

  const response = await httpCall({
    method,
    url,
    headers: sendHeaders,
    body: sendBody,
    fetch: ctx.fetch,
    timeoutMs: ctx.deps.httpTimeoutMs ?? DEFAULT_TIMEOUT_MS,
  });

  if (!isExpected(response.status, inv.config.expect)) {
    const message = `${method.toUpperCase()} ${describeUrl(url)} answered ${response.status} ${response.statusText}`.trim();
    const detail = response.text ? `: ${snippet(ctx.redactor.redactText(response.text))}` : '';
    throw transientStatusError(response.status, message + detail) ?? new HttpError(message + detail);
  }
  return { done: true, result: { status: response.status, headers: response.headers, body: parseBody(response) } };
}

/** `expect` lists codes and `[low, high]` ranges; absent, 200-299. */
function isExpected(status: number, expect: HttpEvent['config']['expect']): boolean {
  if (!expect || expect.length === 0) return status >= 200 && status <= 299;
  return expect.some((entry) => (Array.isArray(entry) ? status >= entry[0] && status <= entry[1] : status === entry));
}
