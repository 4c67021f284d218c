/**
 * The states of each step kind: a Lambda Task (function, http, agent), the poll
 * loop of a long agent run, an approval's callback task, a for_each Map, a wait,
 * a child workflow. Each ends at `next` on success; errors go to `catchers`.
 */
import { Codes } from '../diagnostics.ts';
import { LAMBDA_INVOKE_WAIT_FOR_TOKEN, START_EXECUTION_SYNC, childRunIdIntrinsic, isWaitTimestamp, type ControlEventOf, type Dependents, type LambdaRole, type PayloadPath } from '../contract/index.ts';
import type { Step } from '../model.ts';
import { BASE_SELECTOR, type EmitContext, type Instance } from './context.ts';
import { stepEvent, type Parameters } from './payloads.ts';
import { retriers, transientRetrier } from './retry.ts';
import { choice, endPass, map, pass, task, wait, type Catcher, type Fragment, type State, type States } from './states.ts';
import { parameterEntry, parameterObject, type YamlPath } from './values.ts';

/** How long the state machine waits between polls of a long agent run. */
export const AGENT_POLL_SECONDS = 10;

/** Whether a step's success path is one Lambda call that can count down its dependents' barriers itself. */
export function signalsItself(ctx: EmitContext, step: Step): boolean {
  if (step.forEach !== undefined) return false;
  return step.kind === 'function' || step.kind === 'http' || (step.kind === 'agent' && !agentPolls(ctx, step));
}

export function emitKind(ctx: EmitContext, instance: Instance, catchers: Catcher[], next: string | undefined, signal?: Dependents): Fragment {
  const { step } = instance;
  if (step.forEach !== undefined) return emitForEach(ctx, instance, catchers, next);
  switch (step.kind) {
    case 'wait':
      return emitWait(ctx, instance, catchers, next);
    case 'workflow':
      return emitChildWorkflow(ctx, instance, { name: instance.name, resultPath: instance.resultPath, catchers, next });
    case 'run': {
      // Not supported yet (BTN207 says so); a Pass keeps the rest of the definition checkable.
      const name = ctx.claim(instance.name);
      return { startAt: name, states: { [name]: pass({ comment: 'run steps are not supported yet', next }) } };
    }
    default:
      return emitInvocation(ctx, instance, { name: instance.name, resultPath: instance.resultPath, catchers, next, signal });
  }
}

interface InvocationOptions {
  name: string;
  /** Where the step's record goes; the whole state inside a for_each element. */
  resultPath: string | undefined;
  catchers: Catcher[];
  next: string | undefined;
  signal?: Dependents;
  /** Inside a for_each element: what the element returns. */
  outputPath?: string;
}

/** The Lambda call(s) of one function, http, agent or approval step (or one element of it). */
function emitInvocation(ctx: EmitContext, instance: Instance, options: InvocationOptions): Fragment {
  const { step } = instance;
  if (step.kind === 'workflow') return emitChildWorkflow(ctx, instance, options);
  const states: States = {};
  const event = stepEvent(ctx, instance, { signal: options.signal });
  const polls = step.kind === 'agent' && agentPolls(ctx, step);
  const mainName = ctx.claim(options.name);
  const check = polls ? ctx.claim(`${options.name}.check`) : undefined;
  const lambda = ctx.lambda(lambdaRole(step));
  const common = {
    resultPath: options.resultPath,
    retry: retriers(step),
    catch: options.catchers,
  };
  if (step.kind === 'approval') {
    const action = step.action as Extract<Step['action'], { kind: 'approval' }>;
    states[mainName] = task({
      comment: step.description,
      resource: LAMBDA_INVOKE_WAIT_FOR_TOKEN,
      parameters: { FunctionName: lambda, Payload: event },
      ...common,
      timeoutSeconds: action.timeoutSeconds,
      outputPath: options.outputPath,
      next: options.next,
    });
    return { startAt: mainName, states };
  }
  states[mainName] = task({
    comment: step.description,
    resource: lambda,
    parameters: event,
    ...common,
    timeoutSeconds: step.timeoutSeconds,
    outputPath: polls ? undefined : options.outputPath,
    next: check ?? options.next,
  });
  if (!check) return { startAt: mainName, states };

  // Submit, then wait and poll while the agent reports that it is still working.
  const waitName = ctx.claim(`${options.name}.wait`);
  const pollName = ctx.claim(`${options.name}.poll`);
  let done = options.next;
  if (done === undefined) {
    done = ctx.claim(`${options.name}.done`);
    states[done] = endPass({ outputPath: options.outputPath });
  }
  const record = options.resultPath ?? '$';
  states[check] = choice({
    comment: `Is the agent still working on ${step.id}?`,
    choices: [{ Variable: `${record}.status`, StringEquals: 'running', Next: waitName }],
    default: done,
  });
  states[waitName] = wait({ seconds: AGENT_POLL_SECONDS, next: pollName });
  states[pollName] = task({
    resource: lambda,
    parameters: stepEvent(ctx, instance, { phase: 'poll' }),
    ...common,
    timeoutSeconds: step.timeoutSeconds,
    next: check,
  });
  return { startAt: mainName, states };
}

/** Agents behind agentapi run for as long as a coding session takes: submit, then poll. */
function agentPolls(ctx: EmitContext, step: Step): boolean {
  const action = step.action;
  return action.kind === 'agent' && ctx.workflow.agents[action.agent]?.provider === 'agentapi';
}

function lambdaRole(step: Step): LambdaRole {
  const action = step.action;
  switch (action.kind) {
    case 'function':
      return { kind: 'function', file: action.file };
    case 'http':
      return { kind: 'http' };
    case 'agent':
      return { kind: 'agent' };
    default:
      return { kind: 'approval' };
  }
}

/** `for_each` → a Map of the step's element task; its outputs are the elements' outputs, in order. */
function emitForEach(ctx: EmitContext, instance: Instance, catchers: Catcher[], next: string | undefined): Fragment {
  const { step, name } = instance;
  const forEach = step.forEach!;
  const states: States = {};
  const itemsAt: YamlPath = [...instance.yaml, 'for_each'];
  const sink = ctx.sink(instance.scope, itemsAt, 'for_each cannot iterate over a secret: a secret never enters the state data');
  const [key, items] = parameterEntry('items', forEach.items, itemsAt, ['items'], sink);
  const source = key.endsWith('.$') && typeof items === 'string' ? items : undefined;
  const steps: Array<{ name: string; state: (next: string) => State }> = [];
  let itemsPath = source?.startsWith('$') ? source : undefined;
  if (sink.templates.length > 0) {
    // Elements only the runtime assembles exactly: the control Lambda renders the list.
    steps.push({
      name: `${name}.items`,
      state: (to) =>
        task({
          comment: `The items of ${name}.`,
          resource: ctx.lambda({ kind: 'control' }),
          parameters: renderEvent({ items }, sink.templates),
          resultPath: instance.resultPath,
          retry: [transientRetrier()],
          catch: catchers,
          next: to,
        }),
    });
    itemsPath = `${instance.resultPath}.items`;
  } else if (itemsPath === undefined) {
    // Map reads its items from a path: compute them first (a literal list or an intrinsic).
    steps.push({ name: `${name}.items`, state: (to) => pass({ comment: `The items of ${name}.`, parameters: { [key]: items }, resultPath: instance.resultPath, next: to }) });
    itemsPath = `${instance.resultPath}.items`;
  }
  if (forEach.batchSize !== undefined) {
    const from = itemsPath;
    steps.push({ name: `${name}.batches`, state: (to) => pass({ comment: `The items of ${name} in batches of ${forEach.batchSize}.`, parameters: { 'items.$': `States.ArrayPartition(${from}, ${forEach.batchSize})` }, resultPath: instance.resultPath, next: to }) });
    itemsPath = `${instance.resultPath}.items`;
  }
  const names = steps.map((s) => ctx.claim(s.name));
  const mapName = ctx.claim(name);
  steps.forEach((s, i) => (states[names[i]] = s.state(names[i + 1] ?? mapName)));
  const item = emitInvocation(ctx, instance, { name: `${name}.item`, resultPath: undefined, catchers: [], next: undefined, outputPath: '$.outputs' });
  states[mapName] = map({
    comment: step.description,
    itemsPath: itemsPath!,
    itemSelector: { ...BASE_SELECTOR, 'item.$': '$$.Map.Item.Value', 'index.$': '$$.Map.Item.Index' },
    maxConcurrency: forEach.maxParallel,
    processor: item,
    resultSelector: { status: 'succeeded', 'outputs.$': '$' },
    resultPath: instance.resultPath,
    catch: catchers,
    next,
  });
  return { startAt: names[0] ?? mapName, states };
}

/** The control Lambda's `values.render`: assembles templates that Step Functions cannot, for a Pass-like state. */
function renderEvent(value: Record<string, unknown>, templates: PayloadPath[]): Parameters<ControlEventOf<'values.render'>> {
  return { kind: 'values.render', value, templates: templates.map((p) => ['value', ...p]) };
}

/**
 * `wait`: the record first (nothing reads it during the wait), then the Wait
 * itself. A fixed `until` is checked here and written into the Wait. A computed
 * one is assembled and checked by the control Lambda (`values.render`), kept
 * beside the record, where the Wait reads it: a value that is not a timestamp
 * fails the step (`Baton.TimestampInvalid`), which Step Functions' Wait could
 * only fail the whole execution for.
 */
function emitWait(ctx: EmitContext, instance: Instance, catchers: Catcher[], next: string | undefined): Fragment {
  const { step, name } = instance;
  const action = step.action as Extract<Step['action'], { kind: 'wait' }>;
  const states: States = {};
  const recordName = ctx.claim(`${name}.ok`);
  const waitName = ctx.claim(name);
  const record = { status: 'succeeded', outputs: null };
  const at: YamlPath = [...instance.yaml, 'wait', 'until'];
  const sink = ctx.sink(instance.scope, at, 'wait.until cannot read a secret: a secret never enters the state data');
  const [key, value] = action.until === undefined ? ['', undefined] : parameterEntry('until', action.until, at, ['until'], sink);
  if (action.until === undefined || (!key.endsWith('.$') && sink.templates.length === 0)) {
    if (typeof value === 'string' && !isWaitTimestamp(value)) {
      ctx.report.at(at, Codes.InvalidValue, `wait.until '${value}' is not a timestamp to wait for: write it as RFC 3339, such as 2026-12-02T10:00:00Z`);
    }
    states[recordName] = pass({ result: record, resultPath: instance.resultPath, next: waitName });
    states[waitName] = wait({ comment: step.description, ...(value === undefined ? { seconds: action.seconds ?? 1 } : { timestamp: String(value) }), next });
    return { startAt: recordName, states };
  }
  states[recordName] = task({
    comment: `Computes when ${name} ends.`,
    resource: ctx.lambda({ kind: 'control' }),
    parameters: { ...renderEvent({ ...record, [key]: value }, sink.templates), timestamps: [['value', 'until']], what: `step '${step.id}', wait.until` },
    resultPath: instance.resultPath,
    retry: [transientRetrier()],
    catch: catchers,
    next: waitName,
  });
  states[waitName] = wait({ comment: step.description, timestampPath: `${instance.resultPath}.until`, next });
  return { startAt: recordName, states };
}

/** `workflow:` → `startExecution.sync:2`; the child's run id is `<run>.<step>[.<index>]` (contract/keys.ts). */
function emitChildWorkflow(ctx: EmitContext, instance: Instance, options: InvocationOptions): Fragment {
  const { step } = instance;
  const action = step.action as Extract<Step['action'], { kind: 'workflow' }>;
  const withAt: YamlPath = [...instance.yaml, 'with'];
  const sink = ctx.sink(instance.scope, withAt, 'a child workflow cannot receive a secret as an input; it can read secrets.<NAME> itself');
  const inputs = parameterObject(action.with, withAt, ['inputs'], sink);
  const mainName = ctx.claim(options.name);
  const resultPath = options.resultPath ?? '$.result';
  return {
    startAt: mainName,
    states: {
      [mainName]: task({
        comment: step.description,
        resource: START_EXECUTION_SYNC,
        parameters: {
          StateMachineArn: ctx.childWorkflow(action.workflow),
          Input: {
            inputs,
            ...(sink.templates.length > 0 ? { templates: sink.templates } : {}),
            run: {
              'id.$': childRunIdIntrinsic(step.id, instance.scope.forEach),
              workflow: action.workflow,
              'started_at.$': '$$.Execution.StartTime',
              'attempt.$': '$.run.attempt',
              'parent.$': '$.run.id',
            },
            'trigger.$': '$.trigger',
            steps: {},
            'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id',
          },
        },
        resultSelector: { status: 'succeeded', 'outputs.$': '$.Output.outputs' },
        resultPath,
        ...(options.outputPath ? { outputPath: `${resultPath}.outputs` } : {}),
        timeoutSeconds: step.timeoutSeconds,
        retry: retriers(step, false),
        catch: options.catchers,
        next: options.next,
      }),
    },
  };
}
