/**
 * The `agentapi` provider: a coder/agentapi server in front of a coding agent (Claude
 * Code, Codex, Aider, Goose, Gemini …).
 *
 * The protocol (agentapi's openapi.json and lib/httpapi): `GET /status` →
 * `{ status: 'stable' | 'running', agent_type, transport: 'pty' | 'acp' }`;
 * `POST /message {content, type: 'user'}` is taken only while the agent is stable
 * and answers 500 ("message can only be sent when the agent is waiting for user
 * input") while it is not; `GET /messages` → `{ messages: [{ id, role, content, time }] }`.
 * One server holds one conversation for every client, so other runs' prompts and
 * answers come before, between and after ours (agentapi-conversation.ts finds ours).
 *
 * A coding agent may work for an hour, longer than one Lambda may run. So a call
 * waits at most its budget and answers `done: false` while the agent works; the state
 * machine waits and calls again with `phase: 'poll'`. Progress lives in the
 * checkpoint (`saveState`):
 *
 *   queued     → nothing posted yet: wait for a free agent
 *   posting    → saved BEFORE the POST, with the message count seen just before it: the
 *                POST may have reached the server even if its answer never came back
 *                (a timeout; with the `acp` transport the POST only returns when the
 *                agent has finished), or this Lambda may die right after posting.
 *                Whoever continues from here looks for our message first and posts
 *                only if it is not there and the agent is free.
 *   submitted  → our message is in the conversation: wait for our turn to end
 *   answered   → the answer was taken; a new attempt asks again
 *
 * A new attempt (a Step Functions retry of the submit) continues a `posting` or
 * `submitted` prompt instead of posting it twice.
 *
 * Settings: `url` (required, often a secret), `headers` (optional, e.g. a proxy's auth).
 */

import { AgentError, InputInvalidError, NetworkError, ServerError, ThrottledError } from '../errors.ts';
import { httpCall, isTimeout, snippet, type HttpCallResult } from '../http-call.ts';
import { agentapiContent, awaitsUser, findOurMessage, turnAfter, type AgentapiMessage } from './agentapi-conversation.ts';
import { agentStatusError, retryAfterNote, sendWaitingOutThrottles } from './http-status.ts';
import type { AgentAnswer, AgentCall, AgentProvider } from './provider.ts';

type Progress =
  | { stage: 'queued' }
  | { stage: 'posting'; message_count: number }
  | { stage: 'submitted'; message_count: number }
  | { stage: 'answered'; message_count: number };

interface Status {
  status: string;
  transport: string;
}

/** What agentapi says (in a 500's problem details) when a prompt arrives while the agent works. */
const BUSY = /can only be sent when the agent is waiting for user input/i;

/** The shortest time limit of one request, whatever is left of the budget. */
const MIN_REQUEST_MS = 5_000;

/** The request could not be answered in time: agentapi holds its lock while it hands a prompt to the agent (and, with `acp`, until the agent is done). */
class Busy extends Error {}

export const agentapiProvider: AgentProvider = {
  async run(call: AgentCall): Promise<AgentAnswer> {
    const { url } = call.config;
    if (typeof url !== 'string' || url.length === 0) throw new InputInvalidError(`agent ${call.agent}: url is required`);
    const content = agentapiContent(call.prompt);
    if (content.length === 0) throw new InputInvalidError(`agent ${call.agent}: the prompt is empty`);
    const base = url.replace(/\/+$/, '');
    const extraHeaders = stringHeaders(call.config.headers);
    const deadline = Date.now() + call.budgetMs;
    const who = `agent ${call.agent} (agentapi)`;

    const send = (method: string, path: string, body?: unknown): Promise<HttpCallResult> =>
      sendWaitingOutThrottles(
        () =>
          httpCall({
            method,
            url: `${base}${path}`,
            headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...extraHeaders },
            body: body === undefined ? undefined : JSON.stringify(body),
            fetch: call.fetch,
            // Bounded by the budget too: a request agentapi holds (its lock is taken
            // while a prompt is handed over) must not outlast the call.
            timeoutMs: Math.min(call.timeoutMs, Math.max(deadline - Date.now(), MIN_REQUEST_MS)),
          }),
        deadline,
      );
    const failure = (method: string, path: string, response: HttpCallResult): Error =>
      agentStatusError(response.status, `${who}: ${method} ${path} answered ${response.status}: ${problem(response)}${response.status === 429 ? retryAfterNote(response) : ''}`);
    const get = async (path: string): Promise<unknown> => {
      let response: HttpCallResult;
      try {
        response = await send('GET', path);
      } catch (error) {
        if (isTimeout(error)) throw new Busy();
        throw error;
      }
      if (response.status < 200 || response.status > 299) throw failure('GET', path, response);
      try {
        return JSON.parse(response.text);
      } catch {
        throw new AgentError(`${who}: GET ${path} did not answer JSON: ${snippet(response.text)}`);
      }
    };
    const status = async (): Promise<Status> => {
      const body = (await get('/status')) as { status?: unknown; transport?: unknown };
      // Servers before agentapi 0.12 (which brought the experimental acp transport) send no `transport`: they are pty.
      return { status: String(body.status), transport: typeof body.transport === 'string' ? body.transport : 'pty' };
    };
    const messages = async (): Promise<AgentapiMessage[]> => {
      const list = ((await get('/messages')) as { messages?: unknown }).messages;
      if (!Array.isArray(list)) throw new AgentError(`${who}: GET /messages has no messages list`);
      return list as AgentapiMessage[];
    };
    let progress = initialProgress(call);
    let saved = false;
    const save = async (next: Progress): Promise<void> => {
      progress = next;
      saved = true;
      await call.saveState(next);
    };
    let noted: string | undefined;

    /** One look at the agent; the answer's text once our turn is over. */
    const step = async (): Promise<string | undefined> => {
      if (progress.stage === 'queued') {
        const now = await status();
        if (now.status !== 'stable') return undefined;
        const list = await messages();
        // A pending question on screen is someone's: posting would answer it (agentapi
        // pastes the prompt, and the paste's ESC cancels a selection prompt).
        const last = list.filter((message) => message.role === 'agent').at(-1);
        if (now.transport === 'pty' && last && awaitsUser(String(last.content)) !== undefined) return undefined;
        await save({ stage: 'posting', message_count: list.length });
        await post();
        return undefined;
      }
      const list = await messages();
      const ours = findOurMessage(list, progress.message_count, content);
      if (progress.stage === 'posting') {
        if (ours >= 0) {
          await save({ stage: 'submitted', message_count: progress.message_count });
        } else if ((await status()).status === 'stable') {
          // Not there, and nothing is being handed to the agent: the POST never landed.
          // This call's own failed POST is a failure; a previous attempt's is posted again.
          if (postError) throw postError;
          await save({ stage: 'queued' });
        }
        return undefined;
      }
      if (ours < 0) {
        throw new AgentError(`${who}: our prompt is no longer in the conversation (${list.length} messages, ${progress.message_count} before it): was the agentapi server restarted?`);
      }
      const turn = turnAfter(list, ours);
      // Someone else's prompt follows ours: agentapi took it only once our turn had ended.
      if (turn.closed) return turn.text;
      const now = await status();
      if (now.status !== 'stable') return undefined;
      const question = now.transport === 'pty' ? awaitsUser(turn.text) : undefined;
      if (question !== undefined) {
        if (noted !== question) call.note('agent.waiting_for_user', { agent: call.agent, question });
        noted = question;
        return undefined;
      }
      if (!turn.answered) throw new AgentError(`${who}: the agent became stable without answering`);
      return turn.text;
    };

    /** Why this call's POST failed, if it did: the error stands only once a look shows the prompt did not land. */
    let postError: Error | undefined;
    const post = async (): Promise<void> => {
      let response: HttpCallResult;
      try {
        response = await send('POST', '/message', { content, type: 'user' });
      } catch (error) {
        // No answer is not "not delivered": stay at `posting`, and look before anything else.
        if (error instanceof NetworkError) {
          postError = error;
          return;
        }
        throw error;
      }
      if (response.status >= 200 && response.status <= 299) {
        await save({ stage: 'submitted', message_count: countBefore(progress) });
        return;
      }
      // Busy: someone else's prompt got there first. Queue again.
      if (response.status === 500 && BUSY.test(response.text)) {
        await save({ stage: 'queued' });
        return;
      }
      const error = failure('POST', '/message', response);
      // A 5xx (a proxy's 502, agentapi failing after it stored the prompt) may have landed too.
      if (response.status < 500) throw error;
      postError = error;
    };

    if (call.phase === 'poll' && !isProgress(call.state)) {
      throw new AgentError(`${who}: nothing to poll: no prompt was submitted in this attempt`);
    }

    /** A transient failure of the last look, while our prompt is with the agent. */
    let blip: Error | undefined;
    for (;;) {
      let text: string | undefined;
      blip = undefined;
      try {
        text = await step();
      } catch (error) {
        if (error instanceof Busy) {
          // agentapi holds its lock while it hands a prompt over: a slow answer is a busy agent.
        } else if (progress.stage !== 'queued' && error !== postError && isTransient(error)) {
          // Our prompt may be with the agent: failing now would lose that progress (a
          // failed attempt's checkpoint keeps none), so a blip is looked past until the
          // budget ends; one that lasts the whole call fails it.
          blip = error as Error;
        } else {
          throw error;
        }
      }
      if (text !== undefined) {
        // Taken: a later attempt (this one failing on format: json, say) asks again.
        await save({ stage: 'answered', message_count: countBefore(progress) });
        return { done: true, text };
      }
      if (Date.now() + call.pollIntervalMs > deadline) {
        if (blip) throw blip;
        // A start that changed nothing still leaves its progress for the polls.
        if (!saved && call.phase === 'start') await save(progress);
        return { done: false };
      }
      await new Promise((resolve) => setTimeout(resolve, call.pollIntervalMs));
    }
  },
};

/**
 * Where this call starts. A poll continues its attempt's progress. A start begins
 * afresh, unless the previous attempt's prompt may be in the conversation (`posting`,
 * `submitted`): then it looks for it as `posting` does, and posts only if it is gone
 * (the server restarted) and the agent is free.
 */
function initialProgress(call: AgentCall): Progress {
  const state = call.state;
  if (call.phase === 'poll' && isProgress(state)) return state;
  if (isProgress(state) && (state.stage === 'posting' || state.stage === 'submitted')) return { stage: 'posting', message_count: state.message_count };
  return { stage: 'queued' };
}

/** The message count noted before our prompt was posted. */
function countBefore(progress: Progress): number {
  return progress.stage === 'queued' ? 0 : progress.message_count;
}

function isProgress(state: Record<string, unknown> | undefined): state is Progress {
  if (state?.stage === 'queued') return true;
  return (state?.stage === 'posting' || state?.stage === 'submitted' || state?.stage === 'answered') && typeof state.message_count === 'number';
}

/** What a retry may fix: the names the default retry policy retries. */
function isTransient(error: unknown): boolean {
  return error instanceof NetworkError || error instanceof ServerError || error instanceof ThrottledError;
}

/** agentapi's errors are RFC 9457 problem details (huma): `detail` and the `errors[].message` under it. */
function problem(response: HttpCallResult): string {
  try {
    const body = JSON.parse(response.text) as { title?: string; detail?: string; errors?: Array<{ message?: string }> };
    const parts = [body.detail ?? body.title, ...(body.errors ?? []).map((e) => e.message)].filter(Boolean);
    if (parts.length > 0) return snippet(parts.join(': '));
  } catch {
    // not JSON: show the text
  }
  return snippet(response.text);
}

function stringHeaders(headers: unknown): Record<string, string> {
  if (typeof headers !== 'object' || headers === null) return {};
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, String(value)]));
}
