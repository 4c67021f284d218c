/**
 * Every event a compiled Task state sends to a Baton Lambda, and what it answers,
 * as zod schemas. The emitter builds these shapes (typed by the inferred types);
 * each handler parses its event with the same schema before it does anything.
 * A Task's `Parameters` are the event: field names ending in `.$` are resolved by
 * Step Functions first, so the schemas describe the resolved event.
 */
import { z } from 'zod';

/** `$.run` in the state data: who this run is. */
export const RunContext = z.object({
  id: z.string().min(1),
  workflow: z.string().min(1),
  started_at: z.string(),
  /** 1 for the first execution of a run, +1 for each resume or retry. */
  attempt: z.number().int().min(1),
  /** A child run's parent run id (a `workflow:` step). */
  parent: z.string().optional(),
  /** The execution's redrive count when its flow last started over (`run.fail`, docs/deploy.md, "Redriving a failed run"). */
  redriven: z.number().int().min(0).optional(),
});
export type RunContext = z.infer<typeof RunContext>;

/** What a step left in the state data (`$.steps.<id>`). `error` is Step Functions' caught error. */
export const StepRecord = z.object({
  status: z.enum(['succeeded', 'failed', 'skipped', 'running']),
  outputs: z.unknown().optional(),
  error: z.object({ Error: z.string(), Cause: z.string().optional() }).optional(),
});
export type StepRecord = z.infer<typeof StepRecord>;

const Steps = z.record(z.string(), StepRecord);

/** The state data every state sees: `{ inputs, run, trigger, steps }`, plus `item`/`index` inside a for_each. */
export const RunState = z.looseObject({
  inputs: z.record(z.string(), z.unknown()),
  run: RunContext,
  trigger: z.unknown().optional(),
  steps: Steps,
});
export type RunState = z.infer<typeof RunState>;

/** The first state's input: what a starter (the API, `baton run`, a parent run) passes to StartExecution. */
export const ExecutionInput = z.looseObject({
  inputs: z.record(z.string(), z.unknown()).default({}),
  run: RunContext,
  trigger: z.unknown().optional(),
  steps: Steps.default({}),
});
export type ExecutionInput = z.infer<typeof ExecutionInput>;

/** Step Functions' largest execution input, and state: 256 KB of JSON in UTF-8. */
export const MAX_EXECUTION_INPUT_BYTES = 256 * 1024;

/**
 * Why Step Functions would refuse `input` as an execution's input, or undefined.
 * Checked before a run is recorded, by every starter, so a run too large to
 * start is refused with the other problems of its start instead of being left
 * `running` with no execution; locally too, where the interpreter has no limit.
 */
export function executionInputProblem(input: ExecutionInput): string | undefined {
  const bytes = new TextEncoder().encode(JSON.stringify(input)).length;
  if (bytes <= MAX_EXECUTION_INPUT_BYTES) return undefined;
  const kb = (n: number) => `${Math.ceil(n / 1024)} KB`;
  return `the run's input (its inputs and trigger) is ${kb(bytes)} of JSON, and Step Functions starts an execution with at most ${kb(MAX_EXECUTION_INPUT_BYTES)}: pass large data by reference (a URL, an S3 key) instead`;
}

export const TEMPLATE_KEY = 'baton:template';

/**
 * A string the runtime assembles, inside the Lambda that uses it: text, positional
 * arguments (their values resolved by Step Functions into `args`), and secret
 * names (resolved at the moment of use, never in the state data). Strings that
 * Step Functions' `States.Format` would change (a backslash, parentheses, a value
 * of unknown content) and strings that mention a secret travel in this form.
 * `as: 'url'` percent-encodes each argument for its place in the URL.
 */
export const TemplateValue = z.object({
  // Text parts are objects too: a list element that is a string with a line break trips asl-validator.
  [TEMPLATE_KEY]: z.array(z.union([z.object({ text: z.string() }), z.object({ arg: z.number().int().min(0) }), z.object({ secret: z.string().min(1) })])),
  args: z.record(z.string(), z.unknown()).optional(),
  as: z.literal('url').optional(),
});
export type TemplateValue = z.infer<typeof TemplateValue>;
export type TemplatePart = TemplateValue[typeof TEMPLATE_KEY][number];

/** Where in an event a template sits, from the event's root (`["input", "headers", "Authorization"]`). */
export const PayloadPath = z.array(z.union([z.string(), z.number().int()]));
export type PayloadPath = z.infer<typeof PayloadPath>;

export const REF_KEY = 'baton:ref';

/**
 * Outputs too large to travel between states (256 KB) are stored whole and travel
 * as this reference, with their small top-level fields beside it.
 */
export const ResultRef = z.looseObject({
  [REF_KEY]: z.object({ run: z.string(), step: z.string(), bytes: z.number() }),
});
export type ResultRef = { [REF_KEY]: { run: string; step: string; bytes: number } };

/** Declared `outputs`: field names to keep, or name → expression over `result`. Absent: the whole result. */
export const OutputsSpec = z.union([z.array(z.string()), z.record(z.string(), z.string())]);
export type OutputsSpec = z.infer<typeof OutputsSpec>;

/** Step Functions' caught error (`Catch` with a ResultPath): what a handler sees as `error`. */
export const CaughtError = z.object({ Error: z.string(), Cause: z.string().optional() });

/** The steps waiting behind a dependency barrier for this one to end. */
export const Dependents = z.array(z.string().min(1)).min(1);
export type Dependents = z.infer<typeof Dependents>;

const StringOrTemplate = z.union([z.string(), TemplateValue]);

const StepFields = {
  /** The checkpoint id: the step id, or a handler's `handlerCheckpoint`. */
  step: z.string().min(1),
  run: RunContext,
  /** Present only under `for_each`. */
  index: z.number().int().min(0).optional(),
  item: z.unknown().optional(),
  outputs: OutputsSpec.optional(),
  /** Where templates sit; nothing else is treated as one. */
  templates: z.array(PayloadPath).optional(),
  /** The step's `timeout`: the runtime gives up on an attempt at the same deadline as the Task. */
  timeout_seconds: z.number().int().positive().optional(),
  /** The failed step's error, for `on_failure`/`on_timeout` handlers. */
  error: CaughtError.optional(),
  /**
   * On success, count down these dependents' barriers (a step behind a barrier
   * whose success path is this Lambda call): `steps` is the step's view of the run.
   */
  signal: Dependents.optional(),
  steps: Steps.optional(),
};

export const FunctionEvent = z.object({
  ...StepFields,
  /** The export to call; the file is the Lambda's own (one per file). */
  config: z.object({ export: z.string().min(1).default('handler') }).default({ export: 'handler' }),
  input: z.record(z.string(), z.unknown()).default({}),
});
export type FunctionEvent = z.infer<typeof FunctionEvent>;

export const HttpEvent = z.object({
  ...StepFields,
  /** `expect`: accepted status codes; ranges as `[low, high]`. Absent: 200-299. */
  config: z.object({ expect: z.array(z.union([z.number().int(), z.tuple([z.number().int(), z.number().int()])])).optional() }).default({}),
  input: z.object({
    method: z.string().default('GET'),
    url: StringOrTemplate,
    headers: z.record(z.string(), z.unknown()).optional(),
    body: z.unknown().optional(),
  }),
});
export type HttpEvent = z.infer<typeof HttpEvent>;

/** An agent's settings as the workflow declares them (`provider` plus its own keys). */
export const AgentSettings = z.looseObject({ provider: z.enum(['echo', 'anthropic', 'agentapi']) });
export type AgentSettings = z.infer<typeof AgentSettings>;

export const AgentEvent = z.object({
  ...StepFields,
  config: z.object({
    agent: z.string(),
    provider: AgentSettings,
    format: z.enum(['text', 'json']).optional(),
    output_schema: z.record(z.string(), z.unknown()).optional(),
  }),
  input: z.object({ prompt: StringOrTemplate }),
  /**
   * `start` submits the prompt; `poll` asks again about a submitted one. A call
   * answers `status: running` when the agent is still working after its time
   * budget, and the state machine waits and polls again.
   */
  phase: z.enum(['start', 'poll']).default('start'),
});
export type AgentEvent = z.infer<typeof AgentEvent>;

export const ApprovalEvent = z.object({
  ...StepFields,
  config: z.object({ timeout_seconds: z.number().int().positive() }),
  input: z.object({ message: StringOrTemplate }),
  /** `$$.Task.Token`: released by approve/reject through SendTaskSuccess/SendTaskFailure. */
  token: z.string().min(1),
});
export type ApprovalEvent = z.infer<typeof ApprovalEvent>;

/** What a step Lambda answers: the step's record in the state data. `running`: an agent still working. */
export const StepAnswer = z.object({ status: z.enum(['succeeded', 'running']), outputs: z.unknown() });
export type StepAnswer = z.infer<typeof StepAnswer>;

/** An input as a workflow declares it (docs/language.md, "Inputs"). */
export const InputSpec = z.object({
  type: z.enum(['string', 'number', 'integer', 'boolean', 'object', 'array']),
  required: z.boolean().optional(),
  default: z.unknown().optional(),
  enum: z.array(z.unknown()).optional(),
  description: z.string().optional(),
});
export type InputSpec = z.infer<typeof InputSpec>;

/** The control Lambda's events: the run's own Task states (`run.*`, `<id>.needs`, `<id>.signal`). */
export const ControlEvent = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('run.start'),
    state: ExecutionInput,
    /** For runs nobody checked the inputs of before (a child run, a start from the console). */
    inputs: z.record(z.string(), InputSpec).default({}),
    /** `$$.Execution.Id`. */
    execution: z.string(),
  }),
  z.object({
    kind: z.literal('run.succeeded'),
    run: RunContext,
    steps: Steps,
    outputs: z.unknown().optional(),
    templates: z.array(PayloadPath).optional(),
    /** `wait` steps: no Lambda records them, so the run's end records those that succeeded. */
    waits: z.array(z.string()).optional(),
  }),
  z.object({
    kind: z.literal('run.failed'),
    run: RunContext,
    steps: Steps,
    /** Steps whose failure fails the run (no `continue_on_error`). */
    failing: z.array(z.string()),
    /** Step id → the step that compensates it. */
    compensations: z.record(z.string(), z.string()).default({}),
    /** As in `run.succeeded`. */
    waits: z.array(z.string()).optional(),
  }),
  z.object({
    /**
     * The failed run's last state. Fails the execution with the run's error; the
     * same state re-entered by a redrive answers the state the flow starts over with.
     */
    kind: z.literal('run.fail'),
    inputs: z.record(z.string(), z.unknown()),
    run: RunContext,
    trigger: z.unknown().optional(),
    error: z.object({ Error: z.string(), Cause: z.string() }),
    /** `$$.Execution.RedriveCount`. */
    redrive_count: z.number().int().min(0),
  }),
  z.object({
    kind: z.literal('barrier.wait'),
    step: z.string(),
    /** The needs this step waits for behind the barrier. */
    needs: z.array(z.string()).min(1),
    /**
     * Release with `Baton.NeedsNotMet` unless every need ended as the step's
     * condition wants (`succeeded`, or `failed` for those in `tolerate`). Absent:
     * always release; the state machine decides.
     */
    require: z.object({ tolerate: z.array(z.string()).default([]) }).optional(),
    token: z.string(),
    /** What the step sees; its `run` says which execution waits. */
    state: RunState,
  }),
  z.object({
    kind: z.literal('barrier.signal'),
    run: RunContext,
    /** The steps whose ends this tells, each with the dependents waiting on it. */
    signals: z.array(z.object({ step: z.string(), dependents: Dependents })).min(1),
    steps: Steps,
  }),
  z.object({
    kind: z.literal('steps.skip'),
    run: RunContext,
    steps: Steps,
    /** These steps, those without a record in `steps`, are skipped: answered is `steps` with their records added. */
    skip: z.array(z.string()).min(1),
    /** Declared outputs of the skipped steps that have some: their records hold them as nulls. */
    outputs: z.record(z.string(), z.array(z.string())).optional(),
    /** Then tell the steps waiting on these that they have ended (as `barrier.signal`). */
    signals: z.array(z.object({ step: z.string(), dependents: Dependents })).optional(),
  }),
  z.object({
    kind: z.literal('values.render'),
    /** A value whose templates (at `templates`) only the runtime assembles exactly; answered rendered. */
    value: z.unknown(),
    templates: z.array(PayloadPath),
    /** Paths in `value` that must be wait timestamps once rendered (a `wait` step's `until`): `Baton.TimestampInvalid` otherwise. */
    timestamps: z.array(PayloadPath).optional(),
    /** Where the value comes from, for the error: `step 'later', wait.until`. */
    what: z.string().optional(),
  }),
]);
export type ControlEvent = z.infer<typeof ControlEvent>;
export type ControlEventOf<K extends ControlEvent['kind']> = Extract<ControlEvent, { kind: K }>;

/** The step events by Lambda role. */
export const StepEvents = { function: FunctionEvent, http: HttpEvent, agent: AgentEvent, approval: ApprovalEvent } as const;
export type StepKindName = keyof typeof StepEvents;
export type StepEvent = FunctionEvent | HttpEvent | AgentEvent | ApprovalEvent;

/** The problems of an event that does not parse, one line each, for an InputInvalid error. */
export function eventProblems(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'event'}: ${issue.message}`).join('; ');
}
