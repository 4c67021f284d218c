/**
 * What Step Functions' service integrations do around a Lambda, for the local
 * interpreter: each compiled Task state is bound, by its contract role, to the
 * same handler a deployed Lambda runs, called with the same event. The
 * integration's part is all that happens here:
 * - a Task whose Resource is the function: the event is the state's Parameters,
 *   the result what the handler returns, an error Lambda's `{ errorType,
 *   errorMessage }` named by its type;
 * - `lambda:invoke.waitForTaskToken`: a fresh task token in the event, then the
 *   task waits until the token is released (the interpreter lacks callbacks);
 * - `startExecution.sync:2`: the child workflow runs in this engine.
 */
import { randomBytes } from 'node:crypto';
import { ErrorNames, taskTarget, type LambdaRole } from '../../compiler/contract/index.ts';
import type { Handler } from '../../functions/handlers.ts';
import type { LocalTaskTokens } from './local-tokens.ts';

export type TaskHandler = (input: any) => Promise<unknown>;

export interface BindingHost {
  /** The handler of a role's Lambda. */
  handler(role: LambdaRole): Handler;
  tokens: LocalTaskTokens;
  /** Set once the execution stops (paused, cancelled, interrupted): nothing more starts. */
  stopping(): boolean;
  /** A step's own check found the run paused or cancelled. */
  stop(how: 'paused' | 'cancelled'): void;
  /** Counts handler calls in flight: a pause waits for them (the step boundary). */
  inFlight: { count: number };
  signal: AbortSignal;
  runChild(input: unknown): Promise<unknown>;
}

/**
 * What a Task of a stopped execution answers: nothing until the execution has
 * ended, then an error nobody reads. Settling matters: the interpreter keeps a
 * timer for the Task's TimeoutSeconds until its Task settles, which would keep
 * the process alive after Ctrl-C.
 */
function stopped(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_, reject) => {
    const fail = () => reject(Object.assign(new Error('the execution was stopped'), { name: 'Baton.ExecutionStopped' }));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}

export function bindTask(state: Record<string, unknown>, roles: Record<string, LambdaRole>, host: BindingHost): TaskHandler {
  const target = taskTarget(state);
  if (!target) throw new Error(`a Task state calls ${String(state.Resource)}, which is not a Baton role`);
  if (target.integration === 'startExecution.sync') {
    return async (input: { Input: unknown }) => (host.stopping() ? stopped(host.signal) : host.runChild(input.Input));
  }
  const role = roles[target.key];
  if (!role) throw new Error(`the definition calls \${${target.key}}, which its compile result does not list`);
  const handler = host.handler(role);

  const invoke = async (event: unknown): Promise<unknown> => {
    host.inFlight.count++;
    try {
      return await handler(event);
    } catch (error) {
      const name = (error as Error).name;
      if (name === ErrorNames.RunPaused || name === ErrorNames.RunCancelled) {
        host.stop(name === ErrorNames.RunPaused ? 'paused' : 'cancelled');
        return stopped(host.signal);
      }
      throw lambdaError(error as Error);
    } finally {
      host.inFlight.count--;
    }
  };

  if (target.integration === 'lambda') {
    return async (input: unknown) => (host.stopping() ? stopped(host.signal) : invoke(input));
  }
  return async (input: { Payload: Record<string, unknown> }) => {
    if (host.stopping()) return stopped(host.signal);
    const token = `local-${randomBytes(12).toString('hex')}`;
    // Listening before the handler sees the token: a release during the call (a
    // barrier whose needs have all ended, an approval decided before) is not missed.
    const listening = new AbortController();
    const stop = () => listening.abort();
    host.signal.addEventListener('abort', stop, { once: true });
    // Only an approval (the approval role) can be decided by another process; the
    // control role's token is a dependency barrier, released by this execution.
    const released = host.tokens.wait(token, listening.signal, { elsewhere: role.kind !== 'control' }).catch(() => undefined);
    try {
      await invoke({ ...input.Payload, token });
    } catch (error) {
      listening.abort();
      throw error;
    }
    const outcome = await released.finally(() => host.signal.removeEventListener('abort', stop));
    if (!outcome) return stopped(host.signal);
    if (outcome.status === 'success') return outcome.output;
    throw Object.assign(new Error(outcome.cause), { name: outcome.error });
  };
}

/** The error Step Functions sees from a failed Lambda: named by its type, with Lambda's JSON as the cause. */
function lambdaError(error: Error): Error {
  const cause = JSON.stringify({ errorType: error.name, errorMessage: error.message, trace: [] });
  return Object.assign(new Error(cause), { name: error.name || 'Error' });
}
