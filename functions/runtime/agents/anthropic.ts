/**
 * The `anthropic` provider: one call to the Messages API.
 *
 * Settings: `model` (required), `api_key` (required, normally a secret),
 * `max_tokens` (default 4096), `base_url` (default https://api.anthropic.com),
 * `system` (optional system prompt). The answer is the concatenation of the reply's
 * text blocks.
 */

import { AgentError, InputInvalidError } from '../errors.ts';
import { httpCall, snippet, transientStatusError } from '../http-call.ts';
import type { AgentAnswer, AgentCall, AgentProvider } from './provider.ts';

export const ANTHROPIC_VERSION = '2023-06-01';
const DEFAULT_BASE_URL = 'https://api.anthropic.com';
const DEFAULT_MAX_TOKENS = 4096;

interface MessagesReply {
  content?: Array<{ type: string; text?: string }>;
  usage?: { input_tokens?: number; output_tokens?: number };
  error?: { type?: string; message?: string };
}

export const anthropicProvider: AgentProvider = {
  async run(call: AgentCall): Promise<AgentAnswer> {
    if (call.phase === 'poll') throw new AgentError(`agent ${call.agent}: the anthropic provider answers in one call and has nothing to poll`);
    const { model, api_key: apiKey, max_tokens: maxTokens, base_url: baseUrl, system } = call.config;
    if (typeof model !== 'string' || model.length === 0) throw new InputInvalidError(`agent ${call.agent}: model is required`);
    if (typeof apiKey !== 'string' || apiKey.length === 0) throw new InputInvalidError(`agent ${call.agent}: api_key is required`);

    const url = `${typeof baseUrl === 'string' && baseUrl ? baseUrl.replace(/\/+$/, '') : DEFAULT_BASE_URL}/v1/messages`;
    const body = {
      model,
      max_tokens: typeof maxTokens === 'number' ? maxTokens : DEFAULT_MAX_TOKENS,
      ...(typeof system === 'string' ? { system } : {}),
      messages: [{ role: 'user', content: call.prompt }],
    };
    const response = await httpCall({
      method: 'POST',
      url,
      headers: { 'x-api-key': apiKey, 'anthropic-version': ANTHROPIC_VERSION, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      fetch: call.fetch,
      timeoutMs: call.timeoutMs,
    });

    let reply: MessagesReply | undefined;
    try {
      reply = JSON.parse(response.text) as MessagesReply;
    } catch {
      reply = undefined;
    }
    if (response.status < 200 || response.status > 299) {
      const reason = reply?.error ? `${reply.error.type ?? 'error'}: ${reply.error.message ?? ''}` : snippet(response.text);
      const message = `agent ${call.agent} (anthropic ${model}) answered ${response.status}: ${reason}`;
      // 529 is Anthropic's "overloaded"; it is in the 5xx range, so it is a ServerError.
      throw transientStatusError(response.status, message) ?? new AgentError(message);
    }
    if (!reply || !Array.isArray(reply.content)) {
      throw new AgentError(`agent ${call.agent} (anthropic ${model}): the reply is not a Messages API response: ${snippet(response.text)}`);
    }
    const text = reply.content
      .filter((block) => block.type === 'text' && typeof block.text === 'string')
      .map((block) => block.text)
      .join('');
    return {
      done: true,
      text,
      usage: { input_tokens: Number(reply.usage?.input_tokens ?? 0), output_tokens: Number(reply.usage?.output_tokens ?? 0) },
    };
  },
};
