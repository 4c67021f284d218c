import { compile } from '../../compiler/compile.ts';
import { checkInputs } from '../../compiler/inputs.ts';
import { workflowManifest, type WorkflowManifest } from '../../compiler/manifest.ts';
import type { RunStarterPort, StartRequest, Started, Workflows } from '../../functions/github/ports.ts';
import type { CheckpointStore } from '../../functions/runtime/store/index.ts';

/** The real starter's refusal of inputs: every problem. */
export class StartInvalidError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`the inputs do not validate: ${problems.join('; ')}`);
    this.name = 'StartInvalidError';
    this.problems = problems;
  }
}

export class WorkflowNotFoundError extends Error {
  constructor(name: string) {
    super(`no workflow ${name} is deployed`);
    this.name = 'WorkflowNotFoundError';
  }
}

/**
 * The run starter's contract, in memory: checks inputs as the real one does
 * (the compiler's `checkInputs`), records every request, and treats `run_id`
 * as an idempotency key (the same request again answers the first run; a
 * different one under the same id is refused). With `store`, it records the
 * run there too, as the real starter would.
 */
export class FakeStarter implements RunStarterPort {
  readonly requests: StartRequest[] = [];
  readonly runs = new Map<string, { request: StartRequest; started: Started }>();
  /** Throws this instead of starting, for the requests it matches. */
  failWith?: (request: StartRequest) => Error | undefined;
  private readonly workflows: WorkflowManifest[];
  private readonly store?: CheckpointStore;

  constructor(workflows: WorkflowManifest[], options: { store?: CheckpointStore } = {}) {
    this.workflows = workflows;
    this.store = options.store;
  }

  async start(request: StartRequest): Promise<Started> {
    this.requests.push(structuredClone(request));
    const failure = this.failWith?.(request);
    if (failure) throw failure;
    const manifest = this.workflows.find((w) => w.name === request.workflow);
    if (!manifest) throw new WorkflowNotFoundError(request.workflow);
    const checked = checkInputs(manifest.inputs, request.inputs as Record<string, unknown>);
    if (checked.problems.length > 0) throw new StartInvalidError(checked.problems);
    const runId = request.run_id ?? `run-${this.runs.size + 1}`;
    const existing = this.runs.get(runId);
    if (existing) {
      if (JSON.stringify(existing.request) !== JSON.stringify(request)) throw new Error(`run ${runId} exists with another request`);
      return existing.started;
    }
    const started: Started = { run_id: runId, execution_arn: `arn:aws:states:eu-west-1:123456789012:execution:${request.workflow}:${runId}`, status: 'running' };
    this.runs.set(runId, { request: structuredClone(request), started });
    if (this.store) await this.store.runs.create({ run_id: runId, workflow: request.workflow, inputs: checked.inputs, trigger: request.trigger, execution_arn: started.execution_arn });
    return started;
  }

  /** How many different runs were started. */
  get started(): number {
    return this.runs.size;
  }
}

/** The manifest of a workflow written in YAML; a definition that does not compile fails the test loudly. */
export function manifestOf(yaml: string): WorkflowManifest {
  const result = compile(yaml);
  const manifest = workflowManifest(result);
  if (!manifest) throw new Error(`test workflow does not compile: ${result.diagnostics.map((d) => d.message).join('; ')}`);
  return manifest;
}

export function workflowsOf(manifests: WorkflowManifest[]): Workflows {
  return { list: () => manifests };
}
