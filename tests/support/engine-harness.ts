import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalEngine, type EngineOptions } from '../../cli/engine/engine.ts';
import { openMemoryDynamo, type LocalDynamo } from '../../cli/engine/local-dynamo.ts';
import type { ProgressEvent } from '../../cli/engine/progress.ts';
import { buildRunResult, type RunResult } from '../../functions/runtime/run-result.ts';
import { CheckpointStore } from '../../functions/runtime/store/index.ts';
import { probeLog, type ProbeCall } from '../fixtures/workflows/steps/probe.ts';

/** Workflows written by tests go here, next to the fixture steps they call (`../steps/probe.ts`). */
const TMP = join(import.meta.dirname, '../fixtures/workflows/.tmp');

export interface Harness {
  dynamo: LocalDynamo;
  store: CheckpointStore;
  engine: LocalEngine;
  events: ProgressEvent[];
  /** Writes `yaml` as a workflow file and returns its path. */
  write(name: string, yaml: string): string;
  /** Runs a workflow file to its end; returns the run result (docs/runtime.md, "The run result"). */
  run(file: string, inputs?: Record<string, unknown>, runId?: string): Promise<RunResult>;
  result(runId: string): Promise<RunResult>;
  /** Calls the probe step recorded since the harness started (or since `clearCalls`). */
  calls(step?: string): ProbeCall[];
  clearCalls(): void;
  close(): Promise<void>;
}

/** A local engine on an in-memory dynalite: the same engine `baton run` uses. */
export async function startHarness(options: Partial<EngineOptions> = {}): Promise<Harness> {
  mkdirSync(TMP, { recursive: true });
  const dynamo = await openMemoryDynamo();
  const store = new CheckpointStore({ client: dynamo.client, tableName: 'baton-runs', retentionDays: null });
  await store.createTableIfMissing();
  const events: ProgressEvent[] = [];
  const engine = new LocalEngine({ store, controlPollMs: 50, agentPollWaitMs: 50, onProgress: (e) => events.push(e), ...options });
  probeLog().length = 0;
  const result = async (runId: string) => (await buildRunResult(store, runId))!;
  return {
    dynamo,
    store,
    engine,
    events,
    write(name, yaml) {
      const file = join(TMP, `${name}.yaml`);
      writeFileSync(file, yaml);
      return file;
    },
    async run(file, inputs, runId) {
      const outcome = await engine.run({ file, inputs, runId });
      return result(outcome.runId);
    },
    result,
    calls: (step) => probeLog().filter((c) => step === undefined || c.step === step),
    clearCalls: () => {
      probeLog().length = 0;
    },
    close: () => dynamo.close(),
  };
}
