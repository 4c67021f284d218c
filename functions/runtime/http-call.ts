/**
 * One outgoing HTTP request, with failures turned into the runtime's error names.
 *
 * http steps and the agent providers share this, so that a 429 is `Throttled`, a 5xx
 * is `ServerError` and a refused connection is `NetworkError` everywhere, which is
 * what the default retry policy and `retry.on` count on.
 */

import { NetworkError, ServerError, ThrottledError } from './errors.ts';

export interface HttpCallOptions {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  fetch: typeof fetch;
  timeoutMs: number;
}

export interface HttpCallResult {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  /** The body as text; `parseBody` turns JSON into values. */
  text: string;
}

/**
 * A URL for messages: scheme, host and path, with the query left out, since query
 * strings are where tokens hide (`?access_token=`). The redactor still masks any
 * secret that sits in the path.
 */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const hidden = parsed.search ? '?…' : '';
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}${hidden}`;
  } catch {
    return '(invalid URL)';
  }
}

/** Sends the request; network failures and timeouts become `NetworkError`. Any status is returned. */
export async function httpCall(options: HttpCallOptions): Promise<HttpCallResult> {
  const what = `${options.method.toUpperCase()} ${describeUrl(options.url)}`;
  let response: Response;
  let text: string;
  try {
    response = await options.fetch(options.url, {
      method: options.method.toUpperCase(),
      headers: options.headers,
      body: options.body,
      signal: AbortSignal.timeout(options.timeoutMs),
      redirect: 'follow',
    });
    text = await response.text();
  } catch (error) {
    throw new NetworkError(`${what}: ${networkReason(error, options.timeoutMs)}`, { cause: error });
  }
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return { status: response.status, statusText: response.statusText, headers, text };
}

/** `Throttled` for 429 and `ServerError` for 5xx (any answer a retry may fix); undefined otherwise. */
export function transientStatusError(status: number, message: string): Error | undefined {
  if (status === 429) return new ThrottledError(message);
  if (status >= 500 && status <= 599) return new ServerError(message);
  return undefined;
}

/**
 * How long a 429 (or 503) asks the caller to wait, in ms: `retry-after-ms` (which
 * Anthropic's and OpenAI's SDKs read first), else `retry-after` as delta-seconds or an
 * HTTP date (RFC 9110 §10.2.3). Undefined when the answer does not say.
 */
export function retryAfterMs(headers: Record<string, string>, now: number = Date.now()): number | undefined {
  const ms = Number(headers['retry-after-ms']);
  if (headers['retry-after-ms'] !== undefined && Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers['retry-after']?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** A `NetworkError` that is a request timing out (the peer took the request and went quiet), not a refused connection. */
export function isTimeout(error: unknown): boolean {
  if (!(error instanceof NetworkError)) return false;
  const cause = (error as { cause?: { name?: string } }).cause;
  return cause?.name === 'TimeoutError' || cause?.name === 'AbortError';
}

/** JSON bodies parsed, others as text; a body that claims JSON but is not stays text. */
export function parseBody(result: HttpCallResult): unknown {
  const type = result.headers['content-type'] ?? '';
  if (/\bjson\b/i.test(type) && result.text.length > 0) {
    try {
      return JSON.parse(result.text);
    } catch {
      return result.text;
    }
  }
  return result.text;
}

/** A short piece of a body for an error message. */
export function snippet(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

function networkReason(error: unknown, timeoutMs: number): string {
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return `no answer within ${Math.round(timeoutMs / 1000)} s`;
  const code = err?.cause?.code;
  const detail = err?.cause?.message ?? err?.message ?? String(error);
  return code ? `${detail} (${code})` : detail;
}
