/**
 * How an agent server's HTTP answer becomes one of the runtime's error names, shared
 * by the providers so that a status means the same for every agent.
 *
 * The split follows what a retry can change. 429 and 5xx pass (`Throttled`,
 * `ServerError`, retried by default). A spend or billing limit, a request the server
 * calls malformed, and missing or insufficient credentials do not pass by waiting:
 * their names are in NEVER_RETRIED_BY_DEFAULT, so a workflow fails at once instead of
 * spending its retries (and, for Anthropic, money) on the same refusal.
 */

import {
  AgentError,
  AgentForbiddenError,
  AgentRequestInvalidError,
  AgentUnauthorizedError,
  AgentUsageLimitError,
  ServerError,
  ThrottledError,
} from '../errors.ts';
import { retryAfterMs, type HttpCallResult } from '../http-call.ts';

/** Statuses whose request is wrong as sent: 400, 404 (no such model or path), 413 (too large), 422 (fails validation). */
const REQUEST_INVALID = new Set([400, 404, 413, 422]);

/** The error for a non-2xx answer; `usageLimit` when the body says a spend or usage limit was reached. */
export function agentStatusError(status: number, message: string, options: { usageLimit?: boolean } = {}): Error {
  if (options.usageLimit || status === 402) return new AgentUsageLimitError(message);
  if (status === 401) return new AgentUnauthorizedError(message);
  if (status === 403) return new AgentForbiddenError(message);
  if (status === 429) return new ThrottledError(message);
  if (status >= 500 && status <= 599) return new ServerError(message);
  if (REQUEST_INVALID.has(status)) return new AgentRequestInvalidError(message);
  return new AgentError(message);
}

/** At most this many waits on 429s in one call, whatever the budget: a server that keeps saying "0 s" must not spin. */
const MAX_THROTTLE_WAITS = 5;

/**
 * Sends a request; a 429 whose `retry-after` ends before `deadline` is waited out and
 * the request sent again, so a short throttle costs one call a few seconds instead of
 * failing the step. Any other answer (a longer 429 included) is returned to the caller.
 * `isUsageLimit` picks out 429s that waiting cannot fix (a spend cap).
 */
export async function sendWaitingOutThrottles(
  send: () => Promise<HttpCallResult>,
  deadline: number,
  isUsageLimit: (response: HttpCallResult) => boolean = () => false,
): Promise<HttpCallResult> {
  for (let waits = 0; ; waits++) {
    const response = await send();
    if (response.status !== 429 || waits >= MAX_THROTTLE_WAITS || isUsageLimit(response)) return response;
    const wait = retryAfterMs(response.headers);
    if (wait === undefined || Date.now() + wait > deadline) return response;
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/** ` (retry after 30 s)` for a message, when the answer said so. */
export function retryAfterNote(response: HttpCallResult): string {
  const wait = retryAfterMs(response.headers);
  return wait === undefined ? '' : ` (retry after ${Math.ceil(wait / 1000)} s)`;
}
