import { compileCondition, type ChoiceRule, type ExprDiagnostic, toJsonPath } from '../expr/index.ts';
import { Codes } from '../diagnostics.ts';
import type { Step, Workflow } from '../model.ts';
import type { Block, Plan } from '../plan.ts';
import {
  AGENT_POLL_SECONDS,
  DEFAULT_APPROVAL_TIMEOUT_SECONDS,
  LAMBDA_INVOKE,
  LAMBDA_INVOKE_WAIT_FOR_TOKEN,
  LAMBDA_TRANSIENT_ERRORS,
  lambdaKey,
  NEVER_RETRIED_BY_DEFAULT,
  placeholder,
  START_EXECUTION_SYNC,
  stateMachineKey,
  type LambdaRole,
} from './resources.ts';
import { resolverFor, stepSet, type Scope, type StepSet } from './scope.ts';
import { choice, fail, map, parallel, pass, renderNext, task, wait, type Catcher, type Fragment, type Retrier, type State, type States } from './states.ts';
import { parameterEntry, parameterObject, type PayloadPath, type ValueSink, type YamlPath } from './values.ts';
import { parseDuration } from '../model.ts';

export interface EmitResult {
  asl: Record<string, unknown>;
  /** Placeholder key → the Lambda it stands for. */
  lambdas: Record<string, LambdaRole>;
  /** Child workflows this one starts (placeholder key → workflow name). */
  workflows: Record<string, string>;
}

export interface EmitReporter {
  /** A problem at a path of the workflow document. */
  at(path: YamlPath, code: string, message: string): void;
  /** An expression problem inside the string at `path`. */
  expression(path: YamlPath, diagnostic: ExprDiagnostic): void;
}

/** The state data every state sees: `{ inputs, run, trigger, steps }` (plus `item`, `index` inside a for_each). */
const BASE_SELECTOR = { 'inputs.$': '$.inputs', 'run.$': '$.run', 'trigger.$': '$.trigger', 'steps.$': '$.steps' };

/** A step's states, and how it is called: the step itself, a handler for one caller, or a compensation. */
interface Instance {
  step: Step;
  /** The state name of its main state and its checkpoint id; a JSONPath when chosen at run time (compensations). */
  name: string;
  checkpoint: string | { path: string };
  scope: Scope;
  /** Where its `{ status, outputs }` go in the state data. */
  resultPath: string;
  yaml: YamlPath;
}

/**
 * Emits the ASL of a checked, planned workflow. Each step becomes a small chain of
 * states named after it (`deploy`, `deploy.when`, `deploy.failed`, …); every
 * step error is caught and recorded as `status: failed`, so one failing branch
 * never stops its siblings; the run's end (`run.check`) decides whether the run
 * failed, runs compensations, and fails with the first error.
 */
export class MachineEmitter {
  private readonly names = new Set<string>();
  private readonly lambdas: Record<string, LambdaRole> = {};
  private readonly workflows: Record<string, string> = {};
  private readonly workflow: Workflow;
  private readonly plan: Plan;
  private readonly report: EmitReporter;
  private readonly handlerUses = new Map<string, number>();
  private readonly whenPath = '$.when';

  constructor(workflow: Workflow, plan: Plan, report: EmitReporter) {
    this.workflow = workflow;
    this.plan = plan;
    this.report = report;
    for (const step of workflow.steps.values()) {
      for (const key of ['on_failure', 'on_timeout', 'compensate'] as const) {
        const target = step.doc[key];
        if (target !== undefined) this.handlerUses.set(target, (this.handlerUses.get(target) ?? 0) + 1);
      }
    }
  }

  emit(): EmitResult {
    const wf = this.workflow;
    const states: States = {};
    const finish = this.emitFinish();
    const body = this.plan.root ? this.emitBlock(this.plan.root, finish.startAt) : undefined;
    const start = this.claim('run.start');
    states[start] = this.controlTask({
      payload: { kind: 'run.start', 'state.$': '$', inputs: wf.inputs },
      next: body?.startAt ?? finish.startAt,
      resultPath: '$',
      outputPath: '$.Payload',
      comment: 'Validates the inputs, applies their defaults and records the run as running.',
    });
    Object.assign(states, body?.states, finish.states);
    const asl: Record<string, unknown> = {
      Comment: wf.description?.trim() ?? `Baton workflow ${wf.name}`,
      StartAt: start,
      States: inFlowOrder(start, states),
    };
    return { asl, lambdas: this.lambdas, workflows: this.workflows };
  }

  // ---- blocks ---------------------------------------------------------------

  private emitBlock(block: Block, next: string | undefined): Fragment {
    switch (block.kind) {
      case 'step':
        return this.emitStepFlow(block.id, next);
      case 'series': {
        let fragment: Fragment | undefined;
        const states: States = {};
        for (let i = block.blocks.length - 1; i >= 0; i--) {
          fragment = this.emitBlock(block.blocks[i], fragment?.startAt ?? next);
          Object.assign(states, fragment.states);
        }
        return { startAt: fragment!.startAt, states };
      }
      case 'parallel':
        return this.emitParallel(block.blocks.map((b) => (n: string | undefined) => this.emitBlock(b, n)), firstSteps(block.blocks), next);
      case 'barrier':
      {
        const region = new Set(block.steps);
        return this.emitParallel(block.steps.map((id) => () => this.emitBarrierBranch(id, region)), block.steps, next);
      }
    }
  }

  /** A Parallel whose branches each end with the whole state data; the results merge back into one `steps` map. */
  private emitParallel(branches: Array<(next: string | undefined) => Fragment>, firstIds: string[], next: string | undefined): Fragment {
    const name = this.claim(parallelName(firstIds));
    const rendered = branches.map((emit) => emit(undefined));
    const merge = mergeSteps(rendered.length);
    return {
      startAt: name,
      states: {
        [name]: parallel({
          comment: `Runs ${firstIds.join(', ')} side by side.`,
          branches: rendered,
          resultSelector: { 'inputs.$': '$[0].inputs', 'run.$': '$[0].run', 'trigger.$': '$[0].trigger', 'steps.$': merge },
          next,
        }),
      },
    };
  }

  /**
   * A step inside a part of the graph that is not series-parallel: it waits on a
   * task token until its own needs inside the part have finished (`<id>.needs`),
   * runs, then tells the dependents waiting on it (`<id>.signal`).
   */
  private emitBarrierBranch(id: string, region: Set<string>): Fragment {
    const step = this.workflow.steps.get(id)!;
    const needs = step.needs.filter((n) => region.has(n));
    const dependents = this.plan.dependents.get(id)!.filter((d) => region.has(d));
    const states: States = {};
    let after: string | undefined;
    if (dependents.length > 0) {
      after = this.claim(`${id}.signal`);
      states[after] = this.controlTask({
        payload: {
          kind: 'barrier.done',
          'run.$': '$.run',
          step: id,
          'steps.$': '$.steps',
          dependents: dependents.map((d) => ({ step: d, needs: this.workflow.steps.get(d)!.needs.filter((n) => region.has(n)).length })),
        },
        resultPath: null,
        next: undefined,
        comment: `Tells the steps that need ${id} that it has finished.`,
      });
    }
    const flow = this.emitStepFlow(id, after);
    Object.assign(states, flow.states);
    if (needs.length === 0) return { startAt: flow.startAt, states };
    const waitName = this.claim(`${id}.needs`);
    states[waitName] = {
      ...task({
        comment: `Waits until ${needs.join(', ')} ${needs.length === 1 ? 'has' : 'have'} finished.`,
        resource: LAMBDA_INVOKE_WAIT_FOR_TOKEN,
        parameters: {
          FunctionName: this.lambda({ kind: 'control' }),
          Payload: { kind: 'barrier.wait', 'run.$': '$.run', step: id, needs, 'token.$': '$$.Task.Token', 'state.$': '$' },
        },
        resultPath: '$',
        retry: [transientRetrier()],
        next: flow.startAt,
      }),
    };
    return { startAt: waitName, states };
  }

  // ---- one step -------------------------------------------------------------

  private emitStepFlow(id: string, next: string | undefined): Fragment {
    const step = this.workflow.steps.get(id)!;
    const plan = this.plan;
    const visible: StepSet = { has: (a) => plan.isAncestor(a, id), list: () => plan.ancestorsOf(id) };
    const instance: Instance = {
      step,
      name: id,
      checkpoint: id,
      scope: { where: `step '${id}'`, visible, forEach: step.doc.for_each !== undefined },
      resultPath: toJsonPath('steps', [id]),
      yaml: ['steps', id],
    };
    return this.emitInstance(instance, next);
  }

  /** `<id>.when` → the step's own states → on failure `<id>.failed` → its handler; skipped: `<id>.skip`. */
  private emitInstance(instance: Instance, next: string | undefined): Fragment {
    const { step, name } = instance;
    const states: States = {};
    const condition = this.condition(instance);
    const skipName = condition.rule === true ? undefined : this.claim(`${name}.skip`);
    if (skipName) {
      states[skipName] = pass({ comment: `${name} is skipped.`, result: { status: 'skipped', outputs: nullOutputs(step) }, resultPath: instance.resultPath, next });
    }
    if (condition.rule === false) return { startAt: skipName!, states };

    const catchers: Catcher[] = [];
    if (step.doc.on_timeout !== undefined) {
      const timedOut = this.claim(`${name}.timed-out`);
      catchers.push({ ErrorEquals: ['States.Timeout'], ResultPath: instance.resultPath, Next: timedOut });
      const handler = this.emitHandler(step.doc.on_timeout, instance, next);
      Object.assign(states, handler.states);
      states[timedOut] = this.failedPass(instance, handler.startAt);
    }
    const failed = this.claim(`${name}.failed`);
    catchers.push({ ErrorEquals: ['States.ALL'], ResultPath: instance.resultPath, Next: failed });
    let afterFailure = next;
    if (step.doc.on_failure !== undefined) {
      const handler = this.emitHandler(step.doc.on_failure, instance, next);
      Object.assign(states, handler.states);
      afterFailure = handler.startAt;
    }
    states[failed] = this.failedPass(instance, afterFailure);

    const main = this.emitKind(instance, catchers, next);
    Object.assign(states, main.states);
    if (condition.rule === true) return { startAt: main.startAt, states };

    const whenName = this.claim(`${name}.when`);
    states[whenName] = choice({ choices: [{ ...condition.rule, Next: main.startAt }], default: skipName! });
    if (Object.keys(condition.prelude).length === 0) return { startAt: whenName, states };
    const evalName = this.claim(`${name}.if`);
    states[evalName] = pass({ comment: `Computes what the condition of ${name} needs.`, parameters: condition.prelude, resultPath: this.whenPath, next: whenName });
    return { startAt: evalName, states };
  }

  private failedPass(instance: Instance, next: string | undefined): State {
    return pass({
      parameters: { status: 'failed', outputs: nullOutputs(instance.step), 'error.$': instance.resultPath },
      resultPath: instance.resultPath,
      next,
    });
  }

  /** A handler called by `caller` (on_failure/on_timeout): it sees `error`, and what its caller sees. */
  private emitHandler(handlerId: string, caller: Instance, next: string | undefined): Fragment {
    const step = this.workflow.steps.get(handlerId)!;
    const shared = (this.handlerUses.get(handlerId) ?? 0) > 1;
    const name = shared ? `${handlerId}.from-${caller.name}` : handlerId;
    // A handler reacts to one failure: each execution of the run (a resume) gets its own checkpoint.
    const checkpoint = { path: `States.Format('${name}@{}', $.run.attempt)` };
    const callerVisible = caller.scope.visible;
    const visible: StepSet = { has: (a) => a === caller.step.id || callerVisible.has(a), list: () => [...callerVisible.list(), caller.step.id] };
    return this.emitInstance(
      {
        step,
        name,
        checkpoint,
        scope: { where: `handler '${handlerId}'`, visible, forEach: false, errorFrom: caller.step.id },
        resultPath: toJsonPath('steps', [handlerId]),
        yaml: ['steps', handlerId],
      },
      next,
    );
  }

  /** success() && if: as one Choice rule, or a constant. */
  private condition(instance: Instance): { rule: ChoiceRule | boolean; prelude: Record<string, string> } {
    const { step } = instance;
    const success = and(step.needs.map((need) => statusIs(need, this.workflow.steps.get(need)?.doc.continue_on_error ? ['succeeded', 'failed'] : ['succeeded'])));
    const failure = () => or(instance.scope.visible.list().map((a) => statusIs(a, ['failed'])));
    const written = step.doc.if;
    if (written === undefined || written === true) return { rule: success, prelude: {} };
    if (written === false) return { rule: false, prelude: {} };
    const compiled = compileCondition(written, resolverFor(this.workflow, instance.scope), {
      status: (fn) => (fn === 'success' ? success : failure()),
      tempPath: this.whenPath,
    });
    for (const d of compiled.diagnostics) this.report.expression([...instance.yaml, 'if'], d);
    if (compiled.rule === undefined) return { rule: success, prelude: {} };
    return { rule: compiled.usesStatusFunction ? compiled.rule : and([success, compiled.rule]), prelude: compiled.prelude };
  }

  // ---- step kinds -----------------------------------------------------------

  private emitKind(instance: Instance, catchers: Catcher[], next: string | undefined): Fragment {
    const { step } = instance;
    if (step.doc.for_each !== undefined) return this.emitForEach(instance, catchers, next);
    switch (step.kind) {
      case 'wait':
        return this.emitWait(instance, next);
      case 'workflow':
        return this.emitChildWorkflow(instance, instance.resultPath, catchers, next);
      default:
        return this.emitInvocation(instance, instance.name, instance.resultPath, catchers, next);
    }
  }

  /** The Lambda call(s) of one function, http, agent or approval step (or one item of it). */
  private emitInvocation(instance: Instance, name: string, resultPath: string, catchers: Catcher[], next: string | undefined, outputPath?: string): Fragment {
    const { step } = instance;
    if (step.kind === 'workflow') return this.emitChildWorkflow(instance, resultPath, catchers, next, name, outputPath);
    const payload = this.payload(instance);
    const approval = step.kind === 'approval';
    const selector = approval
      ? { status: 'succeeded', 'outputs.$': '$.outputs' }
      : { 'status.$': '$.Payload.status', 'outputs.$': '$.Payload.outputs' };
    const polls = step.kind === 'agent' && this.agentPolls(step);
    const states: States = {};
    const mainName = this.claim(name);
    const check = polls ? this.claim(`${name}.check`) : undefined;
    const common = {
      resultSelector: selector,
      resultPath,
      timeoutSeconds: approval ? parseDuration(step.doc.approval?.timeout) ?? step.timeoutSeconds ?? DEFAULT_APPROVAL_TIMEOUT_SECONDS : step.timeoutSeconds,
      retry: retriers(step),
      catch: catchers,
    };
    const lambda = this.lambda(lambdaRole(step));
    states[mainName] = task({
      comment: step.doc.description,
      resource: approval ? LAMBDA_INVOKE_WAIT_FOR_TOKEN : LAMBDA_INVOKE,
      parameters: { FunctionName: lambda, Payload: approval ? { ...payload, 'token.$': '$$.Task.Token' } : payload },
      ...common,
      outputPath: polls ? undefined : outputPath,
      next: check ?? next,
    });
    if (!check) return { startAt: mainName, states };

    // Submit, then wait and poll while the agent reports that it is still working.
    const waitName = this.claim(`${name}.wait`);
    const pollName = this.claim(`${name}.poll`);
    let done = next;
    if (done === undefined) {
      done = this.claim(`${name}.done`);
      states[done] = { Type: 'Pass', ...(outputPath ? { OutputPath: outputPath } : {}), End: true };
    }
    states[check] = choice({
      comment: `Is the agent still working on ${step.id}?`,
      choices: [{ Variable: `${resultPath}.status`, StringEquals: 'running', Next: waitName }],
      default: done,
    });
    states[waitName] = wait({ seconds: AGENT_POLL_SECONDS, next: pollName });
    states[pollName] = task({
      resource: LAMBDA_INVOKE,
      parameters: { FunctionName: lambda, Payload: { ...payload, phase: 'poll' } },
      ...common,
      next: check,
    });
    return { startAt: mainName, states };
  }

  /** Agents behind agentapi run for as long as a coding session takes: submit, then poll. */
  private agentPolls(step: Step): boolean {
    const agent = this.workflow.agents[step.doc.agent ?? ''];
    return agent?.provider === 'agentapi';
  }

  private emitForEach(instance: Instance, catchers: Catcher[], next: string | undefined): Fragment {
    const { step, name } = instance;
    const states: States = {};
    const itemsAt: YamlPath = [...instance.yaml, 'for_each'];
    const sink = this.sink(instance.scope, itemsAt);
    let [key, items] = parameterEntry('items', step.doc.for_each, itemsAt, ['items'], sink);
    if (sink.secrets.length > 0) this.report.at(itemsAt, Codes.NotRepresentable, 'for_each cannot iterate over a secret');
    let itemsPath: string | undefined = key.endsWith('.$') && typeof items === 'string' && items.startsWith('$') ? items : undefined;
    const batch = step.doc.batch_size;
    let startAt: string;
    const mapName = this.claim(name);
    if (itemsPath === undefined || batch !== undefined) {
      // Map reads its items from a path: compute them first (a literal list, an intrinsic, or batches).
      if (batch !== undefined) {
        const source = key.endsWith('.$') ? (items as string) : null;
        items = source !== null ? `States.ArrayPartition(${source}, ${batch})` : chunk(items as unknown[], batch);
        key = source !== null ? 'items.$' : 'items';
      }
      const itemsName = this.claim(`${name}.items`);
      states[itemsName] = pass({ comment: `The items of ${name}.`, parameters: { [key]: items }, resultPath: instance.resultPath, next: mapName });
      itemsPath = `${instance.resultPath}.items`;
      startAt = itemsName;
    } else {
      startAt = mapName;
    }
    const item = this.emitInvocation(instance, `${name}.item`, '$.result', [], undefined, '$.result.outputs');
    states[mapName] = map({
      comment: step.doc.description,
      itemsPath,
      itemSelector: { ...BASE_SELECTOR, 'item.$': '$$.Map.Item.Value', 'index.$': '$$.Map.Item.Index' },
      maxConcurrency: step.doc.max_parallel ?? 10,
      processor: item,
      resultSelector: { status: 'succeeded', 'outputs.$': '$' },
      resultPath: instance.resultPath,
      catch: catchers,
      next,
    });
    return { startAt, states };
  }

  private emitWait(instance: Instance, next: string | undefined): Fragment {
    const { step, name } = instance;
    const states: States = {};
    const waitName = this.claim(name);
    const done = this.claim(`${name}.ok`);
    states[done] = pass({ result: { status: 'succeeded', outputs: null }, resultPath: instance.resultPath, next });
    const spec = step.doc.wait;
    if (typeof spec === 'object' && spec !== null) {
      const at: YamlPath = [...instance.yaml, 'wait', 'until'];
      const [key, value] = parameterEntry('until', spec.until, at, ['until'], this.sink(instance.scope, at));
      if (key.endsWith('.$') && typeof value === 'string' && value.startsWith('$')) {
        states[waitName] = wait({ comment: step.doc.description, timestampPath: value, next: done });
        return { startAt: waitName, states };
      }
      const until = this.claim(`${name}.until`);
      states[until] = pass({ parameters: { [key]: value }, resultPath: instance.resultPath, next: waitName });
      states[waitName] = wait({ comment: step.doc.description, timestampPath: `${instance.resultPath}.until`, next: done });
      return { startAt: until, states };
    }
    states[waitName] = wait({ comment: step.doc.description, seconds: parseDuration(spec as string | number) ?? 1, next: done });
    return { startAt: waitName, states };
  }

  private emitChildWorkflow(instance: Instance, resultPath: string, catchers: Catcher[], next: string | undefined, name = instance.name, outputPath?: string): Fragment {
    const { step } = instance;
    const child = step.doc.workflow!;
    const key = stateMachineKey(child);
    this.workflows[key] = child;
    const withAt: YamlPath = [...instance.yaml, 'with'];
    const inputs = parameterObject(step.doc.with ?? {}, withAt, ['Input', 'inputs'], this.sink(instance.scope, withAt, true));
    const childRun = instance.scope.forEach ? `States.Format('{}.{}.{}', $.run.id, '${step.id}', $.index)` : `States.Format('{}.{}', $.run.id, '${step.id}')`;
    const mainName = this.claim(name);
    return {
      startAt: mainName,
      states: {
        [mainName]: task({
          comment: step.doc.description,
          resource: START_EXECUTION_SYNC,
          parameters: {
            StateMachineArn: placeholder(key),
            'Name.$': instance.scope.forEach
              ? `States.Format('{}-${step.id}-{}-{}', $.run.id, $.index, $.run.attempt)`
              : `States.Format('{}-${step.id}-{}', $.run.id, $.run.attempt)`,
            Input: {
              inputs,
              run: { 'id.$': childRun, workflow: child, 'started_at.$': '$$.Execution.StartTime', 'attempt.$': '$.run.attempt', 'parent.$': '$.run.id' },
              'trigger.$': '$.trigger',
              steps: {},
              'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id',
            },
          },
          resultSelector: { status: 'succeeded', 'outputs.$': '$.Output.outputs' },
          resultPath,
          ...(outputPath ? { outputPath: `${resultPath}.outputs` } : {}),
          timeoutSeconds: step.timeoutSeconds,
          retry: retriers(step, false),
          catch: catchers,
          next,
        }),
      },
    };
  }

  /** The Payload of a step's Lambda call: the contract in functions/runtime/contract.ts. */
  private payload(instance: Instance): Record<string, unknown> {
    const { step } = instance;
    const doc = step.doc;
    const sink = this.sink(instance.scope, instance.yaml);
    const entry = (key: string, value: unknown, yaml: YamlPath, payloadPath: PayloadPath) => parameterEntry(key, value, yaml, payloadPath, sink);
    const payload: Record<string, unknown> = { workflow: this.workflow.name, kind: step.kind };
    if (typeof instance.checkpoint === 'string') payload.step = instance.checkpoint;
    else payload['step.$'] = instance.checkpoint.path;
    payload['run.$'] = '$.run';
    // The execution to stop when the run is paused or cancelled at this step's boundary.
    payload['execution.$'] = '$$.Execution.Id';
    const at = instance.yaml;
    switch (step.kind) {
      case 'function': {
        const [file, exported] = doc.function!.split('#');
        payload.config = { file, export: exported || 'handler' };
        payload.input = parameterObject(doc.with ?? {}, [...at, 'with'], ['input'], sink);
        break;
      }
      case 'http': {
        const http = doc.http!;
        const input: Record<string, unknown> = { method: http.method ?? 'GET' };
        Object.assign(input, Object.fromEntries([entry('url', http.url, [...at, 'http', 'url'], ['input', 'url'])]));
        if (http.headers) Object.assign(input, Object.fromEntries([entry('headers', http.headers, [...at, 'http', 'headers'], ['input', 'headers'])]));
        if (http.body !== undefined) Object.assign(input, Object.fromEntries([entry('body', http.body, [...at, 'http', 'body'], ['input', 'body'])]));
        payload.input = input;
        payload.config = http.expect ? { expect: http.expect.map((e) => (typeof e === 'number' ? e : e.split('-').map(Number))) } : {};
        break;
      }
      case 'agent': {
        const agentName = doc.agent!;
        const agent = this.workflow.agents[agentName] ?? { provider: 'echo' };
        const agentAt: YamlPath = this.workflow.doc.agents?.[agentName] ? ['agents', agentName] : at;
        // An agent's settings see no step, but may name secrets (api_key, url): those paths go to the payload too.
        const providerSink = this.sink({ ...instance.scope, visible: stepSet([]), forEach: false }, agentAt);
        const provider = parameterObject(agent as Record<string, unknown>, agentAt, ['config', 'provider'], providerSink);
        sink.secrets.push(...providerSink.secrets);
        payload.config = {
          agent: agentName,
          provider,
          ...(doc.format ? { format: doc.format } : {}),
          ...(doc.output_schema ? { output_schema: doc.output_schema } : {}),
        };
        payload.input = Object.fromEntries([entry('prompt', doc.prompt ?? '', [...at, 'prompt'], ['input', 'prompt'])]);
        payload.phase = 'start';
        break;
      }
      case 'approval': {
        const message = doc.approval?.message ?? `Approve ${step.id}?`;
        payload.input = Object.fromEntries([entry('message', message, [...at, 'approval', 'message'], ['input', 'message'])]);
        payload.config = { timeout_seconds: parseDuration(doc.approval?.timeout) ?? step.timeoutSeconds ?? DEFAULT_APPROVAL_TIMEOUT_SECONDS };
        break;
      }
    }
    if (instance.scope.forEach) {
      payload['index.$'] = '$.index';
      payload['item.$'] = '$.item';
    }
    // The runtime stops waiting at the same deadline as the Task, so a late answer is never recorded as a success.
    if (step.timeoutSeconds !== undefined && step.kind !== 'approval') payload.timeout_seconds = step.timeoutSeconds;
    if (doc.outputs !== undefined) payload.outputs = doc.outputs;
    if (instance.scope.errorFrom !== undefined) {
      payload['error.$'] = toJsonPath('steps', [instance.scope.errorFrom, 'error']);
    }
    if (sink.secrets.length > 0) payload.secrets = sink.secrets;
    return payload;
  }

  private sink(scope: Scope, at: YamlPath, noSecrets = false): ValueSink {
    const resolve = resolverFor(this.workflow, scope);
    const report = this.report;
    return {
      resolve: noSecrets
        ? (ref) => (ref.root === 'secrets' ? { error: { code: Codes.NotRepresentable, message: 'a child workflow cannot receive a secret as an input; it can read secrets.<NAME> itself' } } : resolve(ref))
        : resolve,
      report: (path, d) => report.expression(path.length > 0 ? path : at, d),
      secrets: [],
    };
  }

  // ---- the run's end ----------------------------------------------------------

  /**
   * `run.check` → `run.succeeded` (outputs) | `run.failed` → compensations → `run.fail`.
   * A run fails when a main-flow step failed without continue_on_error.
   */
  private emitFinish(): Fragment {
    const wf = this.workflow;
    const states: States = {};
    const succeeded = this.claim('run.succeeded');
    const outputsAt: YamlPath = ['outputs'];
    const outputs = parameterObject(wf.doc.outputs ?? {}, outputsAt, ['outputs'], this.sink({ where: "the run's outputs", visible: stepSet(wf.regular), forEach: false }, outputsAt, true));
    states[succeeded] = this.controlTask({
      payload: { kind: 'run.finish', 'run.$': '$.run', status: 'succeeded', 'steps.$': '$.steps', outputs },
      resultSelector: { 'outputs.$': '$.Payload.outputs' },
      resultPath: '$',
      next: undefined,
      comment: "Records the run as succeeded and returns its outputs.",
    });
    const failing = wf.regular.filter((id) => !wf.steps.get(id)!.doc.continue_on_error);
    if (failing.length === 0) return { startAt: succeeded, states };

    const check = this.claim('run.check');
    const failed = this.claim('run.failed');
    const failState = this.claim('run.fail');
    const compensated = Object.fromEntries(wf.regular.filter((id) => wf.steps.get(id)!.doc.compensate).map((id) => [id, wf.steps.get(id)!.doc.compensate!]));
    const compensations = Object.keys(compensated).length > 0 ? this.emitCompensations(failState) : undefined;
    states[check] = choice({
      comment: 'Did a step fail?',
      choices: [{ ...or(failing.map((id) => statusIs(id, ['failed']))) as ChoiceRule, Next: failed }],
      default: succeeded,
    });
    states[failed] = this.controlTask({
      payload: { kind: 'run.finish', 'run.$': '$.run', status: 'failed', 'steps.$': '$.steps', failing, compensations: compensated },
      resultSelector: { 'error.$': '$.Payload.error', 'compensations.$': '$.Payload.compensations' },
      resultPath: '$.failure',
      next: compensations?.startAt ?? failState,
      comment: 'Records the run as failed; lists the compensations to run, newest first.',
    });
    Object.assign(states, compensations?.states);
    states[failState] = fail({ comment: 'Fails the run with the error of the step that failed.', errorPath: '$.failure.error.Error', causePath: '$.failure.error.Cause' });
    return { startAt: check, states };
  }

  /** Compensations run one at a time, newest completion first (a saga); one failing does not stop the others. */
  private emitCompensations(next: string): Fragment {
    const wf = this.workflow;
    const name = this.claim('run.compensate');
    const which = this.claim('run.compensate.which');
    const handlers = [...new Set(wf.regular.map((id) => wf.steps.get(id)!.doc.compensate).filter((h): h is string => h !== undefined))];
    const inner: States = {};
    const choices: Array<Record<string, unknown>> = [];
    for (const handlerId of handlers) {
      const step = wf.steps.get(handlerId)!;
      const callers = wf.regular.filter((id) => wf.steps.get(id)!.doc.compensate === handlerId);
      const visible = stepSet(callers.flatMap((c) => [c, ...this.plan.ancestorsOf(c)]));
      const fragment = this.emitInstance(
        {
          step,
          name: handlerId,
          checkpoint: { path: '$.compensation.instance' },
          scope: { where: `compensation '${handlerId}'`, visible, forEach: false },
          resultPath: toJsonPath('steps', [handlerId]),
          yaml: ['steps', handlerId],
        },
        undefined,
      );
      Object.assign(inner, fragment.states);
      choices.push({ Variable: '$.compensation.handler', StringEquals: handlerId, Next: fragment.startAt });
    }
    const done = this.claim('run.compensate.none');
    inner[done] = { Type: 'Succeed' };
    inner[which] = choice({ comment: 'Which compensation is this?', choices, default: done });
    return {
      startAt: name,
      states: {
        [name]: {
          ...map({
            comment: 'Runs the compensations of the steps that had succeeded, newest first.',
            itemsPath: '$.failure.compensations',
            itemSelector: { ...BASE_SELECTOR, 'compensation.$': '$$.Map.Item.Value' },
            maxConcurrency: 1,
            processor: { startAt: which, states: inner },
            next,
          }),
          ResultPath: null,
        },
      },
    };
  }

  // ---- helpers ------------------------------------------------------------------

  private controlTask(options: { payload: Record<string, unknown>; next: string | undefined; resultPath: string | null; resultSelector?: Record<string, unknown>; outputPath?: string; comment?: string }): State {
    return task({
      comment: options.comment,
      resource: LAMBDA_INVOKE,
      parameters: { FunctionName: this.lambda({ kind: 'control' }), Payload: { workflow: this.workflow.name, ...options.payload } },
      resultSelector: options.resultSelector,
      resultPath: options.resultPath,
      outputPath: options.outputPath,
      retry: [transientRetrier()],
      next: options.next,
    });
  }

  private lambda(role: LambdaRole): string {
    const key = lambdaKey(role);
    this.lambdas[key] = role;
    return placeholder(key);
  }

  /** Takes a state name, or the same name with `#2`, `#3`… when a name is reused. */
  private claim(name: string): string {
    let candidate = name;
    for (let n = 2; this.names.has(candidate); n++) candidate = `${name}#${n}`;
    this.names.add(candidate);
    return candidate;
  }

  /** Every state name, for the limit on their length. */
  stateNames(): string[] {
    return [...this.names];
  }
}

// ---- pure helpers ----------------------------------------------------------------

function lambdaRole(step: Step): LambdaRole {
  switch (step.kind) {
    case 'function':
      return { kind: 'function', file: step.doc.function!.split('#')[0] };
    case 'http':
      return { kind: 'http' };
    case 'agent':
      return { kind: 'agent' };
    default:
      return { kind: 'approval' };
  }
}

function transientRetrier(): Retrier {
  return { ErrorEquals: LAMBDA_TRANSIENT_ERRORS, IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2, JitterStrategy: 'FULL' };
}

/** Lambda's transient errors, then the step's policy: `max_attempts` counts the first try. */
export function retriers(step: Step, lambda = true): Retrier[] {
  const out: Retrier[] = lambda ? [transientRetrier()] : [];
  const policy = step.retry;
  if (!policy || policy.maxAttempts <= 1) return out;
  const timing = {
    IntervalSeconds: policy.intervalSeconds,
    MaxAttempts: policy.maxAttempts - 1,
    BackoffRate: policy.backoff,
    ...(policy.maxDelaySeconds !== undefined ? { MaxDelaySeconds: policy.maxDelaySeconds } : {}),
    JitterStrategy: policy.jitter === 'full' ? ('FULL' as const) : ('NONE' as const),
  };
  if (policy.on) return [...out, { ErrorEquals: policy.on, ...timing }];
  return [...out, { ErrorEquals: NEVER_RETRIED_BY_DEFAULT, MaxAttempts: 0 }, { ErrorEquals: ['States.ALL'], ...timing }];
}

function statusIs(step: string, statuses: string[]): ChoiceRule {
  const variable = toJsonPath('steps', [step, 'status']);
  const rules = statuses.map((s) => ({ Variable: variable, StringEquals: s }));
  return rules.length === 1 ? rules[0] : { Or: rules };
}

function and(rules: Array<ChoiceRule | boolean>): ChoiceRule | boolean {
  if (rules.some((r) => r === false)) return false;
  const real = rules.filter((r): r is ChoiceRule => r !== true);
  if (real.length === 0) return true;
  return real.length === 1 ? real[0] : { And: real };
}

function or(rules: Array<ChoiceRule | boolean>): ChoiceRule | boolean {
  if (rules.some((r) => r === true)) return true;
  const real = rules.filter((r): r is ChoiceRule => r !== false);
  if (real.length === 0) return false;
  return real.length === 1 ? real[0] : { Or: real };
}

/** Declared outputs as nulls, so `steps.x.outputs.field` exists even when x was skipped or failed. */
function nullOutputs(step: Step): unknown {
  const declared = step.doc.outputs;
  if (declared === undefined || step.doc.for_each !== undefined) return null;
  const names = Array.isArray(declared) ? declared : Object.keys(declared);
  return Object.fromEntries(names.map((n) => [n, null]));
}

/** `States.JsonMerge` of every branch's `steps`, as a balanced tree so nesting stays shallow. */
function mergeSteps(count: number): string {
  const build = (from: number, to: number): string => {
    if (from === to) return `$[${from}].steps`;
    const mid = (from + to) >> 1;
    return `States.JsonMerge(${build(from, mid)}, ${build(mid + 1, to)}, false)`;
  };
  return build(0, count - 1);
}

/**
 * The states in the order a run meets them (depth first from StartAt), nested
 * branches too, so the JSON reads top to bottom like the workflow file.
 */
function inFlowOrder(startAt: string, states: States): States {
  const ordered: States = {};
  const visit = (name: string) => {
    if (name in ordered || !(name in states)) return;
    const state = { ...states[name] };
    ordered[name] = state;
    if (Array.isArray(state.Branches)) {
      state.Branches = (state.Branches as Array<{ StartAt: string; States: States }>).map((b) => ({ StartAt: b.StartAt, States: inFlowOrder(b.StartAt, b.States) }));
    }
    if (state.ItemProcessor) {
      const p = state.ItemProcessor as { ProcessorConfig: unknown; StartAt: string; States: States };
      state.ItemProcessor = { ...p, States: inFlowOrder(p.StartAt, p.States) };
    }
    for (const c of (state.Choices as Array<{ Next: string }> | undefined) ?? []) visit(c.Next);
    if (typeof state.Next === 'string') visit(state.Next);
    if (typeof state.Default === 'string') visit(state.Default);
    for (const c of (state.Catch as Array<{ Next: string }> | undefined) ?? []) visit(c.Next);
  };
  visit(startAt);
  for (const name of Object.keys(states)) if (!(name in ordered)) ordered[name] = states[name];
  return ordered;
}

function firstSteps(blocks: Block[]): string[] {
  const first = (b: Block): string => (b.kind === 'step' ? b.id : b.kind === 'barrier' ? b.steps[0] : first(b.blocks[0]));
  return blocks.map(first);
}

/** `lint+test`, shortened to fit Step Functions' 80 characters. */
function parallelName(ids: string[]): string {
  const full = ids.join('+');
  if (full.length <= 72) return full;
  let name = '';
  for (const id of ids) {
    if ((name + id).length > 56) break;
    name += (name ? '+' : '') + id;
  }
  return `${name}+${ids.length - name.split('+').length} more`;
}

function chunk(items: unknown[], size: number): unknown[][] {
  const out: unknown[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export { renderNext };
