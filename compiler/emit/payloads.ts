/**
 * The event each step kind's Lambda gets: the Task state's `Parameters`, in the
 * contract's shapes (compiler/contract/payloads.ts). Fields that Step Functions
 * fills in at run time are written `field.$`.
 */
import type { AgentEvent, ApprovalEvent, ControlEventOf, Dependents, FunctionEvent, HttpEvent } from '../contract/index.ts';
import { stepSet } from './scope.ts';
import { parameterEntry, parameterObject, type ValueSink, type YamlPath } from './values.ts';
import type { EmitContext, Instance } from './context.ts';
import { toJsonPath } from '../expr/index.ts';

/** An event as a Task's Parameters: each field either as it is, or as `field.$` (a path or intrinsic). */
export type Parameters<T> = T extends unknown ? { [K in keyof T & string as K | `${K}.$`]?: unknown } : never;

/** Who the event is for: the checkpoint, the run, the for_each element. */
function identity(instance: Instance): Parameters<FunctionEvent> {
  return {
    ...(typeof instance.checkpoint === 'string' ? { step: instance.checkpoint } : { 'step.$': instance.checkpoint.path }),
    'run.$': '$.run',
    ...(instance.scope.forEach ? { 'index.$': '$.index', 'item.$': '$.item' } : {}),
  };
}

/** What every step event may carry after its kind's own fields (see StepFields in the contract). */
function common(instance: Instance, sink: ValueSink, signal: Dependents | undefined): Parameters<FunctionEvent> {
  const { step } = instance;
  return {
    ...(step.outputs !== undefined ? { outputs: step.outputs } : {}),
    // The runtime stops waiting at the same deadline as the Task, so a late answer is never recorded as a success.
    ...(step.timeoutSeconds !== undefined && step.kind !== 'approval' ? { timeout_seconds: step.timeoutSeconds } : {}),
    ...(instance.scope.errorFrom !== undefined ? { 'error.$': toJsonPath('steps', [instance.scope.errorFrom, 'error']) } : {}),
    ...(signal ? { signal, 'steps.$': '$.steps' } : {}),
    ...(sink.templates.length > 0 ? { templates: sink.templates } : {}),
  };
}

/** The event of a function, http, agent or approval step (one element of it under for_each). */
export function stepEvent(ctx: EmitContext, instance: Instance, options: { signal?: Dependents; phase?: 'poll' } = {}): Record<string, unknown> {
  const { step } = instance;
  const at = instance.yaml;
  const sink = ctx.sink(instance.scope, at);
  const action = step.action;
  switch (action.kind) {
    case 'function': {
      const input = parameterObject(action.with, [...at, 'with'], ['input'], sink);
      const event: Parameters<FunctionEvent> = {
        ...identity(instance),
        ...(action.export !== 'handler' ? { config: { export: action.export } } : {}),
        input,
        ...common(instance, sink, options.signal),
      };
      return event;
    }
    case 'http': {
      const input: Record<string, unknown> = { method: action.method };
      assign(input, parameterEntry('url', action.url, [...at, 'http', 'url'], ['input', 'url'], sink, { url: true }));
      if (action.headers) assign(input, parameterEntry('headers', action.headers, [...at, 'http', 'headers'], ['input', 'headers'], sink));
      if (action.body !== undefined) assign(input, parameterEntry('body', action.body, [...at, 'http', 'body'], ['input', 'body'], sink));
      const event: Parameters<HttpEvent> = {
        ...identity(instance),
        ...(action.expect ? { config: { expect: action.expect } } : {}),
        input,
        ...common(instance, sink, options.signal),
      };
      return event;
    }
    case 'agent': {
      const agent = ctx.workflow.agents[action.agent] ?? { provider: 'echo' };
      const agentAt: YamlPath = action.agent in ctx.workflow.agents && action.agent !== 'echo' ? ['agents', action.agent] : at;
      // An agent's settings see no step, but may name secrets (api_key, url): their templates are listed too.
      const providerSink = ctx.sink({ ...instance.scope, visible: stepSet([]), forEach: false }, agentAt);
      const provider = parameterObject(agent as Record<string, unknown>, agentAt, ['config', 'provider'], providerSink);
      const input: Record<string, unknown> = {};
      assign(input, parameterEntry('prompt', action.prompt, [...at, 'prompt'], ['input', 'prompt'], sink));
      sink.templates.push(...providerSink.templates);
      const event: Parameters<AgentEvent> = {
        ...identity(instance),
        config: {
          agent: action.agent,
          provider,
          ...(action.format ? { format: action.format } : {}),
          ...(action.outputSchema ? { output_schema: action.outputSchema } : {}),
        },
        input,
        ...(options.phase ? { phase: options.phase } : {}),
        ...common(instance, sink, options.signal),
      };
      return event;
    }
    case 'approval': {
      const input: Record<string, unknown> = {};
      assign(input, parameterEntry('message', action.message, [...at, 'approval', 'message'], ['input', 'message'], sink));
      const event: Parameters<ApprovalEvent> = {
        ...identity(instance),
        config: { timeout_seconds: action.timeoutSeconds },
        input,
        'token.$': '$$.Task.Token',
        ...common(instance, sink, undefined),
      };
      return event;
    }
    default:
      throw new Error(`no Lambda event for ${action.kind} steps`);
  }
}

/** The dependency barrier's wait (`<id>.needs`). */
export function waitEvent(step: string, needs: string[], require: { tolerate: string[] } | undefined): Parameters<ControlEventOf<'barrier.wait'>> {
  return { kind: 'barrier.wait', step, needs, ...(require ? { require: require.tolerate.length > 0 ? require : {} } : {}), 'token.$': '$$.Task.Token', 'state.$': '$' };
}

/** The dependency barrier's signal (`<id>.signal`), for steps whose end is not a Lambda call that signals itself. */
export function signalEvent(signals: Array<{ step: string; dependents: Dependents }>): Parameters<ControlEventOf<'barrier.signal'>> {
  return { kind: 'barrier.signal', 'run.$': '$.run', signals, 'steps.$': '$.steps' };
}

/** A tree branch's cascade (`<first>+.skip-rest`): its steps that have not run are skipped, and their waiting dependents told. */
export function skipEvent(
  skip: string[],
  outputs: Record<string, string[]>,
  signals: Array<{ step: string; dependents: Dependents }>,
): Parameters<ControlEventOf<'steps.skip'>> {
  return {
    kind: 'steps.skip',
    'run.$': '$.run',
    'steps.$': '$.steps',
    skip,
    ...(Object.keys(outputs).length > 0 ? { outputs } : {}),
    ...(signals.length > 0 ? { signals } : {}),
  };
}

function assign(target: Record<string, unknown>, [key, value]: [string, unknown]): void {
  target[key] = value;
}
