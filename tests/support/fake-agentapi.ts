import { sendJson, startHttpServer, type TestServer } from './http-server.ts';

/** What the fake agent does now; tests change it between calls. */
export interface FakeAgentState {
  status: 'stable' | 'running';
  /** Keeps the agent `running` until set back to false. */
  hold: boolean;
  /** How many more /status calls the agent stays `running` for. */
  busyPolls: number;
  /** Accepted POST /message calls. */
  posts: number;
  /** Answers /status with this HTTP status instead. */
  failStatusWith?: number;
  messages: Array<{ id: number; role: 'user' | 'agent'; content: string; time: string }>;
  answer: (question: string) => string;
}

export interface FakeAgentApi extends TestServer {
  agent: FakeAgentState;
  /** Back to a fresh, stable agent with only its welcome message. */
  reset(): void;
}

/**
 * A stand-in for a coder/agentapi server: after a POST it stays `running` (for
 * `busyAfterPost` /status calls, or while `hold`), then becomes `stable` with its
 * answer appended; POST /message is refused unless stable, as agentapi does.
 */
export async function startFakeAgentApi(options: { welcome: string; busyAfterPost: number; answer: (question: string) => string }): Promise<FakeAgentApi> {
  const agent = {} as FakeAgentState;
  const say = (role: 'user' | 'agent', content: string) => agent.messages.push({ id: agent.messages.length, role, content, time: new Date().toISOString() });
  const reset = () => {
    Object.assign(agent, { status: 'stable', hold: false, busyPolls: 0, posts: 0, failStatusWith: undefined, messages: [], answer: options.answer });
    say('agent', options.welcome);
  };
  reset();
  const server = await startHttpServer((req, res) => {
    if (req.method === 'GET' && req.url === '/status') {
      if (agent.failStatusWith) return sendJson(res, agent.failStatusWith, { title: 'boom' });
      if (agent.status === 'running' && !agent.hold) {
        if (agent.busyPolls > 0) agent.busyPolls--;
        else {
          agent.status = 'stable';
          say('agent', agent.answer(agent.messages.filter((m) => m.role === 'user').at(-1)?.content ?? ''));
        }
      }
      return sendJson(res, 200, { agent_type: 'claude', status: agent.status });
    }
    if (req.method === 'GET' && req.url === '/messages') return sendJson(res, 200, { messages: agent.messages });
    if (req.method === 'POST' && req.url === '/message') {
      if (agent.status !== 'stable') return sendJson(res, 409, { title: 'Conflict', detail: 'agent is running' });
      const body = JSON.parse(req.body) as { content: string; type: string };
      if (body.type !== 'user') return sendJson(res, 422, { title: 'bad type' });
      agent.posts++;
      say('user', body.content);
      agent.status = 'running';
      agent.busyPolls = options.busyAfterPost;
      return sendJson(res, 200, { ok: true });
    }
    sendJson(res, 404, { title: 'Not Found' });
  });
  return Object.assign(server, { agent, reset });
}
