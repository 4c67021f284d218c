import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '../../cli/bin.ts');

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** Sends SIGINT (Ctrl-C) and resolves with the exit code. */
  interrupt(): Promise<number | null>;
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

const running = new Set<ChildProcess>();

/** `baton serve --port 0` as a user starts it, with its own BATON_HOME (and `env`: secrets); resolves once it listens. */
export async function startServe(home: string, args: string[] = [], env: Record<string, string> = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { env: { ...process.env, ...env, BATON_HOME: home, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => {
    running.delete(child);
    resolve(code);
  }));
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`baton serve did not start:\n${out}`)), 20_000);
    const look = () => {
      const match = /listening on (http:\/\/\S+)/.exec(out);
      // The banner ends with how to stop it.
      if (match && out.includes('Ctrl-C stops it')) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', look);
    void exited.then(() => reject(new Error(`baton serve exited:\n${out}`)));
  });
  return {
    url,
    child,
    output: () => out,
    interrupt() {
      child.kill('SIGINT');
      return exited;
    },
    async call(method, path, body) {
      const response = await fetch(url + path, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
  };
}

/** Polls `GET /runs/{id}` until `done` says so; the last run result. */
export async function waitForRun(serve: ServeProcess, runId: string, done: (run: any) => boolean, timeoutMs = 20_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last: any;
  while (Date.now() < deadline) {
    const { status, body } = await serve.call('GET', `/runs/${runId}`);
    if (status === 200) {
      last = body;
      if (done(body)) return body;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`run ${runId} did not get there in ${timeoutMs} ms; last seen: ${JSON.stringify(last)}\n${serve.output()}`);
}

export function stopServes() {
  for (const child of running) child.kill('SIGKILL');
}
