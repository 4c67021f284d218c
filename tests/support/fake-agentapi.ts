import type { ServerResponse } from 'node:http';
import { sendJson, startHttpServer, type RecordedRequest, type TestServer } from './http-server.ts';

/**
 * A stand-in for a coder/agentapi server (v0.12, openapi.json and lib/httpapi), built
 * from what the real one does rather than from what the provider expects:
 *
 * - One agent, one conversation for every client; message ids are positions.
 * - `GET /status` → `{ agent_type, status, transport }`. With `transport: 'pty'` the
 *   agent is `running` while it works and until its screen has not changed for
 *   `stabilityMs` (agentapi's ScreenStabilityLength, 2 s); with `acp` it is stable as
 *   soon as the prompt completes.
 * - `POST /message {content, type}`: `type` other than user/raw is a 422 (huma's
 *   validation); a user message while the agent is not stable, or an empty one, is a
 *   500 problem+json (agentapi returns the conversation's validation error as an
 *   unexpected error). The content is stored trimmed, as FormatMessage trims it. With
 *   `acp` the POST returns only when the agent has finished, and holds the server's
 *   lock meanwhile, so GETs wait too. A `raw` message is keystrokes: it answers a
 *   question on screen and is not stored.
 * - A reply may end with a question on screen (a permission prompt): the screen is
 *   then stable, but only a `raw` message moves the agent on.
 * - Unknown paths: chi's plain-text 404.
 */

export interface FakeReply {
  /** The agent's final answer. */
  text: string;
  /** How long the agent works (screen changing) before it answers. Default 50 ms. */
  workMs?: number;
  /** pty: the work ends with this question on screen; a `raw` message answers it, then `text` follows. */
  asks?: string;
}

type Reply = (prompt: string) => FakeReply | string;

export interface FakeAgentMessage {
  id: number;
  role: 'user' | 'agent';
  content: string;
  time: string;
}

/** What the fake agent does now; tests change it between calls. */
export interface FakeAgentState {
  transport: 'pty' | 'acp';
  stabilityMs: number;
  messages: FakeAgentMessage[];
  /** Keeps the agent working (its screen changing) until set back to false. */
  hold: boolean;
  /** User messages accepted, from any client. */
  posts: number;
  /** User messages refused because the agent was busy. */
  busyRefusals: number;
  reply: Reply;
  /** Answers every request with this status (a failing proxy or load balancer in front of agentapi). */
  failWith?: { status: number; body?: unknown; headers?: Record<string, string>; times?: number };
  /** Like a proxy in front: requests without this header and value get a 401. */
  requireHeader?: [string, string];
  /** Called once, the next time the agent is seen stable: where another client posts the moment it can. */
  onStable?: () => void;
  /** Called before each request is handled: where a test makes something happen between two of the provider's requests. */
  onRequest?: (req: RecordedRequest) => void;
  /**
   * pty: how long POST /message takes to hand the prompt over (agentapi types it, waits
   * for the echo, presses Enter and waits for the screen to react: up to ~17 s). The
   * user message is stored only at its end, and the server lock is held meanwhile.
   */
  postDelayMs: number;
  /** Another client's POST /message, under the same rules; returns the HTTP status it would get. */
  submit(content: string, type?: 'user' | 'raw'): number;
  /** A finished turn of another run, added to the history (as if it happened earlier). */
  pastTurn(prompt: string, answer: string): void;
  /** The status GET /status would show now. */
  status(): 'stable' | 'running';
}

export interface FakeAgentApi extends TestServer {
  agent: FakeAgentState;
  /** Back to a fresh, stable agent with only its welcome message; options override the start ones. */
  reset(options?: Partial<FakeAgentOptions>): void;
}

export interface FakeAgentOptions {
  welcome: string;
  reply: Reply;
  transport?: 'pty' | 'acp';
  /** Default 2000, as agentapi. */
  stabilityMs?: number;
}

interface Turn {
  /** Index of the agent message this turn writes. */
  at: number;
  reply: FakeReply;
  phase: 'working' | 'asking' | 'done';
  workEndsAt: number;
}

const BUSY = 'failed to send message: message can only be sent when the agent is waiting for user input';

export async function startFakeAgentApi(options: FakeAgentOptions): Promise<FakeAgentApi> {
  const agent = {} as FakeAgentState;
  let turn: Turn | undefined;
  /** Screen last changed (pty). */
  let changedAt = -Infinity;
  /** acp: the lock a running POST holds; GETs wait for it. */
  let lock: Promise<void> | undefined;

  const say = (role: 'user' | 'agent', content: string): number => {
    agent.messages.push({ id: agent.messages.length, role, content, time: new Date().toISOString() });
    return agent.messages.length - 1;
  };
  const normalize = (reply: FakeReply | string): FakeReply => (typeof reply === 'string' ? { text: reply } : reply);

  /** Moves the agent's work on to now: the lazy clock of the fake. */
  const tick = (): void => {
    const now = Date.now();
    if (!turn || turn.phase !== 'working') return;
    if (agent.hold || now < turn.workEndsAt) {
      agent.messages[turn.at].content = `Working${'.'.repeat(1 + (Math.floor(now / 100) % 3))}`;
      changedAt = now;
      return;
    }
    if (turn.reply.asks !== undefined) {
      turn.phase = 'asking';
      agent.messages[turn.at].content = `I need to run a command first.\n\n${turn.reply.asks}`;
    } else {
      turn.phase = 'done';
      agent.messages[turn.at].content = turn.reply.text;
    }
    changedAt = now;
  };

  const status = (): 'stable' | 'running' => {
    tick();
    const busy = agent.transport === 'acp' ? turn?.phase === 'working' : turn?.phase === 'working' || Date.now() - changedAt < agent.stabilityMs;
    if (!busy && agent.onStable) {
      const hook = agent.onStable;
      agent.onStable = undefined;
      hook();
      return status();
    }
    return busy ? 'running' : 'stable';
  };

  /** POST /message's rules; for acp, `done` resolves when the prompt completes. */
  const accept = (content: unknown, type: unknown): { status: number; body: unknown; done?: Promise<void> } => {
    if (type !== 'user' && type !== 'raw') {
      return { status: 422, body: problem(422, 'Unprocessable Entity', 'validation failed', [{ location: 'body.type', message: 'expected value to be one of "user, raw"', value: type }]) };
    }
    if (typeof content !== 'string') return { status: 422, body: problem(422, 'Unprocessable Entity', 'validation failed', [{ location: 'body.content', message: 'expected string' }]) };
    if (type === 'raw') {
      tick();
      if (turn?.phase === 'asking') {
        turn.phase = 'working';
        turn.reply = { ...turn.reply, asks: undefined };
        turn.workEndsAt = Date.now() + (turn.reply.workMs ?? 50);
        tick();
      }
      return { status: 200, body: { ok: true } };
    }
    const message = content.replace(/^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/g, '');
    if (message === '') return { status: 500, body: problem(500, 'Internal Server Error', 'unexpected error occurred', [{ message: 'failed to send message: message must not be empty' }]) };
    if (status() !== 'stable') {
      agent.busyRefusals++;
      return { status: 500, body: problem(500, 'Internal Server Error', 'unexpected error occurred', [{ message: BUSY }]) };
    }
    agent.posts++;
    const reply = normalize(agent.reply(message));
    const start = (): void => {
      say('user', message);
      const at = say('agent', agent.transport === 'acp' ? '' : 'Working.');
      turn = { at, reply: { ...reply, asks: agent.transport === 'acp' ? undefined : reply.asks }, phase: 'working', workEndsAt: Date.now() + (reply.workMs ?? 50) };
      changedAt = Date.now();
    };
    if (agent.transport === 'acp') {
      start();
      const done = (async () => {
        while (turn?.phase === 'working') {
          await new Promise((resolve) => setTimeout(resolve, 10));
          tick();
        }
      })();
      return { status: 200, body: { ok: true }, done };
    }
    if (agent.postDelayMs > 0) {
      const done = new Promise<void>((resolve) => setTimeout(resolve, agent.postDelayMs)).then(start);
      return { status: 200, body: { ok: true }, done };
    }
    start();
    return { status: 200, body: { ok: true } };
  };

  const reset = (overrides: Partial<FakeAgentOptions> = {}): void => {
    const o = { ...options, ...overrides };
    turn = undefined;
    changedAt = -Infinity;
    lock = undefined;
    Object.assign(agent, {
      transport: o.transport ?? 'pty',
      stabilityMs: o.stabilityMs ?? 2000,
      messages: [],
      hold: false,
      posts: 0,
      busyRefusals: 0,
      reply: o.reply,
      failWith: undefined,
      requireHeader: undefined,
      onStable: undefined,
      onRequest: undefined,
      postDelayMs: 0,
    });
    say('agent', o.welcome);
  };
  agent.submit = (content, type = 'user') => {
    const result = accept(content, type);
    if (result.done) lock = result.done.finally(() => (lock = undefined));
    return result.status;
  };
  agent.pastTurn = (prompt, answer) => {
    say('user', prompt);
    say('agent', answer);
  };
  agent.status = status;
  reset();

  const server = await startHttpServer(async (req: RecordedRequest, res: ServerResponse) => {
    agent.onRequest?.(req);
    const fail = agent.failWith;
    if (fail && (fail.times === undefined || fail.times > 0)) {
      if (fail.times !== undefined) fail.times--;
      return sendJson(res, fail.status, fail.body ?? { message: `failing with ${fail.status}` }, fail.headers);
    }
    if (agent.requireHeader && req.headers[agent.requireHeader[0].toLowerCase()] !== agent.requireHeader[1]) {
      return sendJson(res, 401, { message: 'unauthorized' });
    }
    // agentapi serves these under a read lock; a running acp prompt holds the write lock.
    if (req.method === 'GET' && (req.url === '/status' || req.url === '/messages')) {
      while (lock) await lock;
      if (req.url === '/status') return sendJson(res, 200, { agent_type: 'claude', status: status(), transport: agent.transport });
      tick();
      return sendJson(res, 200, { messages: agent.messages });
    }
    if (req.method === 'POST' && req.url === '/message') {
      while (lock) await lock;
      let body: { content?: unknown; type?: unknown };
      try {
        body = JSON.parse(req.body) as typeof body;
      } catch {
        return sendProblem(res, problem(400, 'Bad Request', 'validation failed', [{ location: 'body', message: 'invalid JSON' }]));
      }
      const result = accept(body.content, body.type);
      if (result.done) {
        lock = result.done.finally(() => (lock = undefined));
        await lock;
      }
      return result.status === 200 ? sendJson(res, 200, result.body) : sendProblem(res, result.body as Problem);
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('404 page not found\n');
  });
  return Object.assign(server, { agent, reset });
}

interface Problem {
  title: string;
  status: number;
  detail: string;
  errors?: Array<Record<string, unknown>>;
}

/** huma's error model (RFC 9457 problem details). */
function problem(status: number, title: string, detail: string, errors?: Array<Record<string, unknown>>): Problem {
  return { title, status, detail, ...(errors ? { errors } : {}) };
}

function sendProblem(res: ServerResponse, body: Problem): void {
  res.writeHead(body.status, { 'content-type': 'application/problem+json' });
  res.end(JSON.stringify(body));
}
