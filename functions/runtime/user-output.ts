/**
 * Where a user's step function output goes: what it prints with `console.*` or
 * `process.stdout.write` (or `process.stderr.write`) is masked with that step's
 * secrets, each line prefixed with the step's id, and written to stderr, never to
 * stdout.
 *
 * Stdout belongs to Baton: `baton run --json` prints one JSON document there, and a
 * stray `console.log` in a step would break every script that parses it. And a
 * secret must never enter a log line: locally stderr is the terminal, on AWS it is
 * CloudWatch (Lambda sends a function's stdout and stderr there), and either way the
 * step's redactor has to see the line first.
 *
 * Several steps run at once in one process (the local engine runs parallel branches
 * and map items concurrently), so a global "current step" would be wrong: each step
 * function runs inside an AsyncLocalStorage context naming its step and redactor, and
 * every write is attributed to the context it is made from, timers and promises the
 * function started included. What bypasses JavaScript's streams cannot be seen here:
 * `fs.writeSync(1, …)` and child processes spawned with `stdio: 'inherit'` write to the
 * file descriptor directly.
 */

import { AsyncLocalStorage } from 'node:async_hooks';
import { format, inspect } from 'node:util';
import type { Redactor } from './redact.ts';
import { stepIdOf } from './store/index.ts';

/** How many finished steps' secrets mask output that no step can be named for. */
const REMEMBERED_REDACTORS = 100;

const CONSOLE_METHODS = ['log', 'info', 'debug', 'warn', 'error', 'trace', 'dir'] as const;
type ConsoleMethod = (typeof CONSOLE_METHODS)[number];

interface StepOwner {
  kind: 'step';
  prefix: string;
  redactor: Redactor;
  /** A line begun but not yet ended: it is masked whole, once its newline comes. */
  pending: string;
  ended: boolean;
}

type Owner = StepOwner | { kind: 'baton' };

type Write = NodeJS.WritableStream['write'];

interface Stream {
  write: Write;
}

/** The streams and console one router takes over (the process's own, or fakes in tests). */
export interface OutputTargets {
  stdout: Stream;
  stderr: Stream;
  console: Pick<Console, ConsoleMethod>;
}

/**
 * Routes output by who makes it. Three owners:
 * - a step (inside `runStep`): masked with its redactor, prefixed `[step] `, to stderr;
 * - Baton itself (inside `runBaton`, the CLI): untouched, where it was written;
 * - nobody (a callback no context reaches): masked with the secrets of the steps run
 *   lately, and, once stdout is claimed, sent to stderr as well.
 */
export class UserOutput {
  private readonly targets: OutputTargets;
  private readonly owners = new AsyncLocalStorage<Owner>();
  private readonly remembered: Redactor[] = [];
  private restore: Array<() => void> | undefined;
  private claimed = false;
  private writeStderr: (text: string) => void = () => {};

  constructor(targets: OutputTargets = { stdout: process.stdout, stderr: process.stderr, console }) {
    this.targets = targets;
  }

  /** Takes over the streams' `write` and the console's methods; once, however often it is called. */
  install(): void {
    if (this.restore) return;
    const { stdout, stderr, console: target } = this.targets;
    const stdoutWrite = stdout.write;
    const stderrWrite = stderr.write;
    this.writeStderr = (text) => void stderrWrite.call(stderr, text);
    stdout.write = this.routeStream(stdout, stdoutWrite);
    stderr.write = this.routeStream(stderr, stderrWrite);
    const consoleMethods = CONSOLE_METHODS.map((name) => [name, target[name]] as const);
    for (const [name, original] of consoleMethods) target[name] = this.routeConsole(name, original as (...args: unknown[]) => void);
    this.restore = [
      () => (stdout.write = stdoutWrite),
      () => (stderr.write = stderrWrite),
      ...consoleMethods.map(([name, original]) => () => ((target as Record<string, unknown>)[name] = original)),
    ];
  }

  /** Gives the streams and the console back (tests). */
  uninstall(): void {
    for (const undo of this.restore ?? []) undo();
    this.restore = undefined;
    this.claimed = false;
  }

  /** From now on, stdout carries only what Baton writes inside `runBaton`. */
  claimStdout(): void {
    this.claimed = true;
  }

  /** Runs `fn` as Baton's own code: what it writes goes where it is written. */
  runBaton<T>(fn: () => T): T {
    return this.owners.run({ kind: 'baton' }, fn);
  }

  /** Runs a step's code: whatever it (and what it starts) prints is that step's output. */
  async runStep<T>(label: string, redactor: Redactor, fn: () => Promise<T>): Promise<T> {
    const owner: StepOwner = { kind: 'step', prefix: `[${label}] `, redactor, pending: '', ended: false };
    if (redactor.size > 0) {
      this.remembered.push(redactor);
      if (this.remembered.length > REMEMBERED_REDACTORS) this.remembered.shift();
    }
    try {
      return await this.owners.run(owner, fn);
    } finally {
      // A last line without its newline; and anything printed later (a timer the step
      // left behind) is forwarded at once, since no end will come to flush it.
      owner.ended = true;
      if (owner.pending) this.forward(owner, '');
    }
  }

  private routeStream(stream: Stream, original: Write): Write {
    // Node's overloads: write(chunk, callback?) and write(chunk, encoding?, callback?).
    const routed = (...args: unknown[]): boolean => {
      const owner = this.owners.getStore();
      if (owner?.kind === 'baton' || (!owner && !this.claimed && this.remembered.length === 0)) return Reflect.apply(original, stream, args);
      const [chunk] = args;
      const done = args.find((arg, i) => i > 0 && typeof arg === 'function') as (() => void) | undefined;
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
      if (owner) this.forward(owner, text);
      else if (this.claimed) this.writeStderr(this.maskUnattributed(text));
      else return Reflect.apply(original, stream, done ? [this.maskUnattributed(text), done] : [this.maskUnattributed(text)]);
      if (done) process.nextTick(done);
      return true;
    };
    return routed as Write;
  }

  private routeConsole(name: ConsoleMethod, original: (...args: unknown[]) => void): (...args: unknown[]) => void {
    const routed = (...args: unknown[]): void => {
      const owner = this.owners.getStore();
      if (owner?.kind === 'baton' || (!owner && !this.claimed && this.remembered.length === 0)) {
        original.apply(this.targets.console, args);
        return;
      }
      const text = consoleText(name, args, routed);
      if (owner) this.forward(owner, `${text}\n`);
      else if (this.claimed) this.writeStderr(`${this.maskUnattributed(text)}\n`);
      // Not claimed (a Lambda): the host's console keeps its request id and level.
      else original.call(this.targets.console, this.maskUnattributed(text));
    };
    return routed;
  }

  /** Masks and prefixes the step's complete lines and writes them to stderr; keeps a partial line. */
  private forward(owner: StepOwner, text: string): void {
    const all = owner.pending + text;
    const cut = owner.ended ? all.length : all.lastIndexOf('\n') + 1;
    owner.pending = all.slice(cut);
    if (cut === 0) return;
    const complete = all.slice(0, cut);
    const body = complete.endsWith('\n') ? complete.slice(0, -1) : complete;
    const lines = owner.redactor.redactText(body).split('\n');
    this.writeStderr(lines.map((line) => `${owner.prefix}${line}\n`).join(''));
  }

  private maskUnattributed(text: string): string {
    return this.remembered.reduce((masked, redactor) => redactor.redactText(masked), text);
  }
}

function consoleText(name: ConsoleMethod, args: unknown[], caller: (...args: unknown[]) => void): string {
  if (name === 'dir') return inspect(args[0], args[1] as Parameters<typeof inspect>[1]);
  if (name === 'trace') {
    const trace = { name: 'Trace', message: format(...args), stack: '' };
    Error.captureStackTrace(trace, caller);
    return trace.stack;
  }
  return format(...args);
}

/** The process's router: installed by the first step function that runs, or by the CLI. */
export const userOutput = new UserOutput();

/**
 * Runs a step function's code (loading its module included, so what the module prints
 * at import counts too) with its output routed: the hookup of the function step kind.
 */
export function withStepOutput<T>(step: { step: string; index?: number }, redactor: Redactor, fn: () => Promise<T>): Promise<T> {
  userOutput.install();
  const label = step.index === undefined ? stepIdOf(step.step) : `${stepIdOf(step.step)}#${step.index}`;
  return userOutput.runStep(label, redactor, fn);
}

/** Runs the CLI as Baton's own code and claims stdout for it: the hookup of the CLI entry. */
export function withBatonStdout<T>(fn: () => T): T {
  userOutput.install();
  userOutput.claimStdout();
  return userOutput.runBaton(fn);
}
