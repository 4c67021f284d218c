/**
 * `baton serve` in a child process for the benchmarks that measure it over HTTP
 * (bench:lambda, bench:webhook): on a free port, with `definitions` and a
 * `$BATON_HOME` of `home`, answering once it says where it listens.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');

export interface ServeProcess {
  url: string;
  /** What serve printed so far (stdout and stderr), for a benchmark's error message. */
  output(): string;
  /** Ctrl-C, and waits until the process has exited. */
  stop(): Promise<void>;
}

export async function startServe(definitions: string, home: string, env: Record<string, string> = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'cli/bin.ts'), 'serve', '--port', '0', '--definitions', definitions], {
    env: { ...process.env, BATON_HOME: home, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d));
  child.stderr.on('data', (d: Buffer) => (output += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`baton serve did not start:\n${output}`)), 30_000);
    child.stdout.on('data', () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match && output.includes('Ctrl-C stops it')) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return {
    url,
    output: () => output,
    stop: () => {
      child.kill('SIGINT');
      return closed;
    },
  };
}
