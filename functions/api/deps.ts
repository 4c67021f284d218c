import type { BatonLogger } from '../runtime/observability.ts';
import type { RunStarter } from '../runtime/starter/starter.ts';
import type { CheckpointStore } from '../runtime/store/index.ts';
import type { TaskTokens } from '../runtime/task-tokens.ts';

/** What the API's routes work with; the Lambda entry and `baton serve` each build one. */
export interface ApiDeps {
  store: CheckpointStore;
  /** Starts, resumes and retries runs; its deps hold the workflows and the executions port. */
  starter: RunStarter;
  /** Releases an approval's waiting task. */
  tokens: TaskTokens;
  logger?: BatonLogger;
  now?: () => Date;
}

/** Who made a request: the IAM caller API Gateway authenticated, else `api`. */
export function callerOf(event: unknown): string {
  const identity = (event as { requestContext?: { identity?: Record<string, unknown> } })?.requestContext?.identity ?? {};
  for (const key of ['userArn', 'caller', 'user']) {
    const value = identity[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return 'api';
}
