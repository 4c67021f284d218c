/**
 * The `agentapi` provider: a coder/agentapi-compatible server in front of a coding
 * agent (Claude Code, Codex, Aider, Goose, Gemini …).
 *
 * The protocol (agentapi's openapi.json): `GET /status` → `{ status: 'stable' |
 * 'running' }`; `POST /message` `{ content, type: 'user' }` is only accepted while
 * stable and returns once the agent has started; `GET /messages` → `{ messages:
 * [{ id, role: 'user' | 'agent', content, time }] }` in conversation order.
 *
 * A coding agent may work for an hour, longer than one Lambda may run. So a call
 * waits at most its budget: it submits the prompt once (noting how many messages
 * the conversation had), saves that in the checkpoint, and answers `done: false` if
 * the agent is still running; the state machine waits and calls again with
 * `phase: 'poll'`, which picks up from the saved state and never posts again.
 *
 * Settings: `url` (required, often a secret), `headers` (optional, e.g. a proxy's auth).
 */

import { AgentError, InputInvalidError } from '../errors.ts';
import { httpCall, snippet, transientStatusError } from '../http-call.ts';
import type { AgentAnswer, AgentCall, AgentProvider } from './provider.ts';

type Progress = { stage: 'queued' } | { stage: 'submitted'; message_count: number };

interface AgentapiMessage {
  id: number;
  role: string;
  content: string;
  time?: string;
}

export const agentapiProvider: AgentProvider = {
  async run(call: AgentCall): Promise<AgentAnswer> {
    const { url } = call.config;
    if (typeof url !== 'string' || url.length === 0) throw new InputInvalidError(`agent ${call.agent}: url is required`);
    const base = url.replace(/\/+$/, '');
    const extraHeaders = stringHeaders(call.config.headers);

    const request = async (method: string, path: string, body?: unknown): Promise<unknown> => {
      const response = await httpCall({
        method,
        url: `${base}${path}`,
        headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...extraHeaders },
        body: body === undefined ? undefined : JSON.stringify(body),
        fetch: call.fetch,
        timeoutMs: call.timeoutMs,
      });
      if (response.status < 200 || response.status > 299) {
        const message = `agent ${call.agent} (agentapi): ${method} ${path} answered ${response.status}: ${snippet(response.text)}`;
        throw transientStatusError(response.status, message) ?? new AgentError(message);
      }
      try {
        return JSON.parse(response.text);
      } catch {
        throw new AgentError(`agent ${call.agent} (agentapi): ${method} ${path} did not answer JSON: ${snippet(response.text)}`);
      }
    };
    const status = async (): Promise<string> => String(((await request('GET', '/status')) as { status?: unknown }).status);
    const messages = async (): Promise<AgentapiMessage[]> => {
      const list = ((await request('GET', '/messages')) as { messages?: unknown }).messages;
      if (!Array.isArray(list)) throw new AgentError(`agent ${call.agent} (agentapi): GET /messages has no messages list`);
      return list as AgentapiMessage[];
    };

    let progress: Progress;
    if (call.phase === 'start') {
      progress = { stage: 'queued' };
    } else if (isProgress(call.state)) {
      progress = call.state;
    } else {
      throw new AgentError(`agent ${call.agent} (agentapi): nothing to poll: no prompt was submitted in this attempt`);
    }

    const deadline = Date.now() + call.budgetMs;
    for (;;) {
      const current = await status();
      if (progress.stage === 'queued') {
        // The agent takes a message only while stable (it may still be busy with
        // someone else's); wait for that, then submit exactly once.
        if (current === 'stable') {
          const before = (await messages()).length;
          await request('POST', '/message', { content: call.prompt, type: 'user' });
          progress = { stage: 'submitted', message_count: before };
          await call.saveState(progress);
        }
      } else if (current === 'stable') {
        const answer = (await messages())
          .slice(progress.message_count)
          .filter((message) => message.role === 'agent')
          .at(-1);
        if (!answer) throw new AgentError(`agent ${call.agent} (agentapi): the agent became stable without answering`);
        return { done: true, text: String(answer.content).trim() };
      }
      if (Date.now() + call.pollIntervalMs > deadline) {
        if (progress.stage === 'queued') await call.saveState(progress);
        return { done: false };
      }
      await new Promise((resolve) => setTimeout(resolve, call.pollIntervalMs));
    }
  },
};

function isProgress(state: Record<string, unknown> | undefined): state is Progress {
  return state?.stage === 'queued' || (state?.stage === 'submitted' && typeof state.message_count === 'number');
}

function stringHeaders(headers: unknown): Record<string, string> {
  if (typeof headers !== 'object' || headers === null) return {};
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, String(value)]));
}
