import { sendJson, startHttpServer, type TestServer } from './http-server.ts';

/**
 * A stand-in for Anthropic's Messages API (`POST /v1/messages`), after its reference
 * (platform.claude.com/docs/en/api/errors, .../handling-stop-reasons, .../rate-limits):
 *
 * - Every answer has a `request-id` header; error bodies are
 *   `{ type: 'error', error: { type, message, details? }, request_id }`.
 * - A wrong or missing `x-api-key` is a 401 `authentication_error`; a missing
 *   `anthropic-version`, or a body without `model`, `max_tokens` or `messages`, is a
 *   400 `invalid_request_error`; any other path is a 404 `not_found_error`.
 * - A 200 is a message with `content` blocks, `stop_reason`, `stop_sequence`,
 *   `stop_details` and `usage`.
 *
 * `script` sets what the next requests get, one entry each; past its end, a normal answer.
 */

export type ScriptEntry =
  | { stop_reason: string; text?: string; stop_details?: unknown }
  | { status: number; type: string; message?: string; headers?: Record<string, string>; error_code?: string };

export interface FakeAnthropic extends TestServer {
  script: ScriptEntry[];
  /** How a normal answer reads, from the request's first user message. */
  answer: (prompt: string) => string;
}

export async function startFakeAnthropic(options: { apiKey: string; answer?: (prompt: string) => string }): Promise<FakeAnthropic> {
  let requestCount = 0;
  // Tests set `script` and `answer` on the returned server; the handler reads them there.
  let fake: FakeAnthropic | undefined;
  const server = await startHttpServer((req, res) => {
    const requestId = `req_011Fake${String(++requestCount).padStart(6, '0')}`;
    const error = (status: number, type: string, message: string, headers: Record<string, string> = {}, errorCode?: string) =>
      sendJson(
        res,
        status,
        { type: 'error', error: { type, message, ...(errorCode ? { details: { error_code: errorCode } } : {}) }, request_id: requestId },
        { 'request-id': requestId, ...headers },
      );
    if (req.method !== 'POST' || req.url !== '/v1/messages') return error(404, 'not_found_error', `Not found: ${req.url}`);
    if (req.headers['x-api-key'] !== options.apiKey) return error(401, 'authentication_error', 'invalid x-api-key');
    if (!req.headers['anthropic-version']) return error(400, 'invalid_request_error', 'anthropic-version: header is required');
    let body: { model?: unknown; max_tokens?: unknown; messages?: Array<{ content?: unknown }>; system?: unknown };
    try {
      body = JSON.parse(req.body) as typeof body;
    } catch {
      return error(400, 'invalid_request_error', 'There was an issue with the format of your request: invalid JSON');
    }
    if (typeof body.model !== 'string') return error(400, 'invalid_request_error', 'model: Field required');
    if (!Number.isInteger(body.max_tokens) || (body.max_tokens as number) < 1) return error(400, 'invalid_request_error', 'max_tokens: Field required');
    if (!Array.isArray(body.messages) || body.messages.length === 0) return error(400, 'invalid_request_error', 'messages: Field required');

    const next = fake!.script.shift();
    if (next && 'status' in next) return error(next.status, next.type, next.message ?? `failing with ${next.status}`, next.headers, next.error_code);
    const prompt = String(body.messages[0].content);
    const text = next?.text ?? fake!.answer(prompt);
    sendJson(
      res,
      200,
      {
        id: `msg_01Fake${requestCount}`,
        type: 'message',
        role: 'assistant',
        model: body.model,
        // As with extended thinking: a thinking block first, the answer in text blocks.
        content: [
          { type: 'thinking', thinking: 'Let me think about this.', signature: 'sig' },
          { type: 'text', text: text.slice(0, Math.ceil(text.length / 2)) },
          { type: 'text', text: text.slice(Math.ceil(text.length / 2)) },
        ],
        stop_reason: next?.stop_reason ?? 'end_turn',
        stop_sequence: null,
        stop_details: next?.stop_details ?? null,
        usage: { input_tokens: 12, output_tokens: 7 },
      },
      { 'request-id': requestId, 'anthropic-ratelimit-requests-remaining': '49' },
    );
  });
  fake = Object.assign(server, { script: [] as ScriptEntry[], answer: options.answer ?? ((prompt: string) => `You said: ${prompt}`) });
  return fake;
}
