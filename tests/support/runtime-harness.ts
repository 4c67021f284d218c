import { fileURLToPath } from 'node:url';
import type { RunContext, StepAnswer } from '../../compiler/contract/index.ts';
import type { StepRole } from '../../functions/runtime/invoke-step.ts';
import { createStepHandler } from '../../functions/step/handler.ts';
import { LocalFunctionLoader, type FunctionLoader } from '../../functions/runtime/function-loader.ts';
import type { RuntimeDeps } from '../../functions/runtime/runtime-deps.ts';
import { EnvSecrets } from '../../functions/runtime/secrets.ts';
import { CheckpointStore } from '../../functions/runtime/store/index.ts';
import { StoreTaskTokens } from '../../functions/runtime/task-tokens.ts';
import { startDynalite, type LocalDynamo } from './start-dynalite.ts';

/** tests/fixtures/functions: the user step handlers the runtime tests load. */
export const FUNCTION_FIXTURES = fileURLToPath(new URL('../fixtures/functions/', import.meta.url));

/** A dynalite with the Baton table, and runtime deps wired to it the way `baton run` wires them. */
export interface RuntimeHarness {
  dynamo: LocalDynamo;
  store: CheckpointStore;
  /** Everything the runtime logged, in order. */
  logs: object[];
  deps(overrides?: Partial<RuntimeDeps>): RuntimeDeps;
  stop(): Promise<void>;
}

let tableCount = 0;

export async function startRuntimeHarness(options: { env?: Record<string, string>; functions?: FunctionLoader } = {}): Promise<RuntimeHarness> {
  const dynamo = await startDynalite();
  const store = new CheckpointStore({ client: dynamo.doc, tableName: `baton-test-${++tableCount}` });
  await store.createTableIfMissing();
  const logs: object[] = [];
  return {
    dynamo,
    store,
    logs,
    deps: (overrides = {}) => ({
      store,
      secrets: new EnvSecrets(options.env ?? {}),
      tokens: new StoreTaskTokens(store),
      functions: options.functions ?? new LocalFunctionLoader(FUNCTION_FIXTURES),
      agentPollIntervalMs: 10,
      log: (event) => logs.push(event),
      ...overrides,
    }),
    stop: () => dynamo.stop(),
  };
}

let runCount = 0;

/** A fresh run id, so tests sharing one table never see each other's checkpoints. */
export function newRunId(): string {
  return `run-${process.pid}-${++runCount}`;
}

/** The `run` block of an event. */
export function runContext(id: string): RunContext {
  return { id, workflow: 'wf', started_at: '2026-11-01T00:00:00.000Z', attempt: 1 };
}

/** A step event for the Lambda of `role`, as a compiled Task state sends it. */
export interface StepCall {
  role: StepRole;
  event: Record<string, unknown>;
}

/** A step event for one of the built-in kinds' Lambdas. */
export function builtIn(kind: 'http' | 'agent' | 'approval', event: Record<string, unknown>): StepCall {
  return { role: { kind }, event };
}

/** Calls the step Lambda's handler, the one way in, with `call.event`. */
export function callStep(call: StepCall, deps: RuntimeDeps): Promise<StepAnswer> {
  return createStepHandler(call.role, deps)(call.event);
}
