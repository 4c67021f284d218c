/**
 * The `anthropic` provider: one call to the Messages API (`POST /v1/messages`).
 *
 * Settings: `model` (required), `api_key` (required, normally a secret),
 * `max_tokens` (default 4096), `base_url` (default https://api.anthropic.com),
 * `system` (optional system prompt). The answer is the concatenation of the reply's
 * text blocks.
 *
 * A 200 is not always an answer: `stop_reason` says why the model stopped.
 * `end_turn` and `stop_sequence` are a finished answer; `max_tokens` and
 * `model_context_window_exceeded` are a cut-off one (`AgentOutputTruncated`, never
 * passed on as if whole, and never left to fail later as unparsable JSON);
 * `refusal` is `AgentRefused`. Errors carry the `request-id` Anthropic asks for in
 * support requests. A 429 that asks for a short wait (`retry-after`) is waited out
 * within the call's budget; a 429 or 400 for a spend limit is `AgentUsageLimit`.
 */

import { AgentError, AgentOutputTruncatedError, AgentRefusedError, InputInvalidError } from '../errors.ts';
import { httpCall, snippet, type HttpCallResult } from '../http-call.ts';
import { agentStatusError, retryAfterNote, sendWaitingOutThrottles } from './http-status.ts';
import type { AgentAnswer, AgentCall, AgentProvider } from './provider.ts';

export const ANTHROPIC_VERSION = '2023-06-01';
const DEFAULT_BASE_URL = 'https://api.anthropic.com';
const DEFAULT_MAX_TOKENS = 4096;

/** Stop reasons of a finished answer; anything else is not one. */
const FINISHED = new Set(['end_turn', 'stop_sequence']);
const TRUNCATED = new Set(['max_tokens', 'model_context_window_exceeded']);

interface MessagesReply {
  content?: Array<{ type: string; text?: string }>;
  stop_reason?: string | null;
  stop_details?: unknown;
  usage?: { input_tokens?: number; output_tokens?: number };
  error?: { type?: string; message?: string; details?: { error_code?: string } };
  request_id?: string;
}

export const anthropicProvider: AgentProvider = {
  async run(call: AgentCall): Promise<AgentAnswer> {
    if (call.phase === 'poll') throw new AgentError(`agent ${call.agent}: the anthropic provider answers in one call and has nothing to poll`);
    const { model, api_key: apiKey, max_tokens: maxTokens, base_url: baseUrl, system } = call.config;
    if (typeof model !== 'string' || model.length === 0) throw new InputInvalidError(`agent ${call.agent}: model is required`);
    if (typeof apiKey !== 'string' || apiKey.length === 0) throw new InputInvalidError(`agent ${call.agent}: api_key is required`);
    if (system !== undefined && typeof system !== 'string') throw new InputInvalidError(`agent ${call.agent}: system must be a string`);

    const url = `${typeof baseUrl === 'string' && baseUrl ? baseUrl.replace(/\/+$/, '') : DEFAULT_BASE_URL}/v1/messages`;
    const body = {
      model,
      max_tokens: typeof maxTokens === 'number' ? maxTokens : DEFAULT_MAX_TOKENS,
      ...(system ? { system } : {}),
      messages: [{ role: 'user', content: call.prompt }],
    };
    const who = `agent ${call.agent} (anthropic ${model})`;
    const response = await sendWaitingOutThrottles(
      () =>
        httpCall({
          method: 'POST',
          url,
          headers: { 'x-api-key': apiKey, 'anthropic-version': ANTHROPIC_VERSION, 'content-type': 'application/json' },
          body: JSON.stringify(body),
          fetch: call.fetch,
          timeoutMs: call.timeoutMs,
        }),
      Date.now() + call.budgetMs,
      (answer) => isUsageLimit(answer.status, parse(answer.text)),
    );

    const reply = parse(response.text);
    const requestId = requestIdNote(response, reply);
    if (response.status < 200 || response.status > 299) {
      const reason = reply?.error ? `${reply.error.type ?? 'error'}: ${reply.error.message ?? ''}` : snippet(response.text);
      const message = `${who} answered ${response.status} ${reason}${response.status === 429 ? retryAfterNote(response) : ''}${requestId}`;
      throw agentStatusError(response.status, message, { usageLimit: isUsageLimit(response.status, reply) });
    }
    if (!reply || !Array.isArray(reply.content)) {
      throw new AgentError(`${who}: the reply is not a Messages API response: ${snippet(response.text)}${requestId}`);
    }

    const text = reply.content
      .filter((block) => block.type === 'text' && typeof block.text === 'string')
      .map((block) => block.text)
      .join('');
    const stop = reply.stop_reason;
    if (typeof stop === 'string' && TRUNCATED.has(stop)) {
      throw new AgentOutputTruncatedError(`${who}: the answer was cut off (stop_reason ${stop} after ${reply.usage?.output_tokens ?? '?'} output tokens; raise max_tokens or ask for less)${requestId}`);
    }
    if (stop === 'refusal') {
      const details = reply.stop_details ? `: ${snippet(JSON.stringify(reply.stop_details), 200)}` : '';
      throw new AgentRefusedError(`${who}: the model declined to answer (stop_reason refusal${details})${requestId}`);
    }
    // A compatible server that leaves stop_reason out is taken at its word; a reason
    // Baton does not continue (tool_use, pause_turn: it sends no tools) is not an answer.
    if (typeof stop === 'string' && !FINISHED.has(stop)) {
      throw new AgentError(`${who}: the reply stopped with stop_reason ${stop}, which is not a finished answer${requestId}`);
    }
    return {
      done: true,
      text,
      usage: { input_tokens: Number(reply.usage?.input_tokens ?? 0), output_tokens: Number(reply.usage?.output_tokens ?? 0) },
    };
  },
};

function parse(text: string): MessagesReply | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as MessagesReply) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A spend or usage limit, which waiting a minute does not lift: the usage tier's
 * monthly cap is a 429 with `error.details.error_code: enforced_spend_limit_reached`
 * and no `retry-after`; a limit the organization set is a 400 "You have reached your
 * specified (workspace) API usage limits"; the Claude Code workspace's limit is a 429
 * that names its spend limit.
 */
function isUsageLimit(status: number, reply: MessagesReply | undefined): boolean {
  if (status !== 400 && status !== 429) return false;
  if (reply?.error?.details?.error_code === 'enforced_spend_limit_reached') return true;
  return /\b(spend|usage) limits?\b/i.test(reply?.error?.message ?? '');
}

/** ` (request_id req_…)`: the `request-id` header, else the error body's `request_id`. */
function requestIdNote(response: HttpCallResult, reply: MessagesReply | undefined): string {
  const id = response.headers['request-id'] ?? (typeof reply?.request_id === 'string' ? reply.request_id : undefined);
  return id ? ` (request_id ${id})` : '';
}
