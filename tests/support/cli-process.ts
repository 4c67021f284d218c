import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '../../cli/bin.ts');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const running = new Set<ChildProcess>();

/**
 * `node cli/bin.ts ARGS` with its own BATON_HOME, as a user would run it, plus `env`
 * (secrets, say); `done` resolves when it exits.
 */
export function startBaton(home: string, args: string[], env: Record<string, string> = {}): { done: Promise<Exit>; stderr: () => string; kill(signal: NodeJS.Signals): void } {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env, BATON_HOME: home, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.on('close', () => running.delete(child));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const done = new Promise<Exit>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { done, stderr: () => stderr, kill: (signal) => child.kill(signal) };
}

/** Stops the processes still running when the tests end (a failed test leaves a run waiting). */
export function stopBatons() {
  for (const child of running) child.kill('SIGKILL');
}
