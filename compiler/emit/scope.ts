import { toJsonPath, type Reference, type Resolved, type Resolver, type ValueType } from '../expr/index.ts';
import { Codes } from '../diagnostics.ts';
import { declaredOutputs, type Workflow } from '../model.ts';
import { suggest } from '../rules/references.ts';

/** A set of steps that is asked, not listed, unless needed: ancestors of large graphs are many. */
export interface StepSet {
  has(id: string): boolean;
  list(): string[];
}

export function stepSet(ids: Iterable<string>): StepSet {
  const set = new Set(ids);
  return { has: (id) => set.has(id), list: () => [...set] };
}

/** What a template may see where it is written. */
export interface Scope {
  /** For messages: "step 'deploy'", "the run's outputs". */
  where: string;
  /** Steps whose `status` and `outputs` are in the state data when this runs. */
  visible: StepSet;
  /** `item` and `index`: inside a `for_each` step. */
  forEach: boolean;
  /** `error`: inside an on_failure/on_timeout handler, the error of this calling step. */
  errorFrom?: string;
}

const RUN_FIELDS: Record<string, ValueType> = { id: 'string', workflow: 'string', started_at: 'string', attempt: 'integer' };
/** Run ids, workflow names and timestamps never hold a backslash (run ids are checked at start). */
const PLAIN_RUN_FIELDS = new Set(['id', 'workflow', 'started_at']);

/**
 * Maps each context of the expression language to where it lives in the state
 * data `{ inputs, run, trigger, steps, item, index }`, or says why it cannot be
 * used here. Secrets never map to a path: they stay names.
 */
export function resolverFor(workflow: Workflow, scope: Scope): Resolver {
  const error = (code: string, message: string): Resolved => ({ error: { code, message } });
  return (ref: Reference): Resolved => {
    const [first, second, third] = ref.path;
    switch (ref.root) {
      case 'inputs': {
        if (first === undefined) return { path: '$.inputs', type: 'object' };
        const input = Object.hasOwn(workflow.inputs, String(first)) ? workflow.inputs[String(first)] : undefined;
        if (!input) return error(Codes.UnknownInput, `input '${first}' is not declared under 'inputs'${suggest(String(first), Object.keys(workflow.inputs))}`);
        return { path: toJsonPath('inputs', ref.path), type: ref.path.length === 1 ? input.type : 'unknown' };
      }
      case 'steps': {
        if (first === undefined) return error(Codes.UnknownStepRef, `name a step: steps.<id>.outputs or steps.<id>.status`);
        const id = String(first);
        const step = workflow.steps.get(id);
        if (!step) return error(Codes.UnknownStepRef, `'${id}' is not a step${suggest(id, [...workflow.steps.keys()])}`);
        if (!scope.visible.has(id)) {
          return error(Codes.NotAnAncestor, `${scope.where} cannot see steps.${id}: a step sees only the steps it needs, directly or through other steps; add '${id}' to its needs`);
        }
        if (second === 'status') return ref.path.length === 2 ? { path: toJsonPath('steps', ref.path), type: 'string' } : error(Codes.UnknownStepRef, `steps.${id}.status is a string`);
        if (second !== 'outputs') return error(Codes.UnknownStepRef, `a step has 'outputs' and 'status'; steps.${id}.${String(second ?? '')} is neither`);
        const names = declaredOutputs(step);
        if (third !== undefined && names !== undefined) {
          if (!names.includes(String(third)) && !step.forEach) {
            return error(Codes.UnknownOutput, `step '${id}' declares outputs ${names.join(', ')}; '${third}' is not one of them${suggest(String(third), names)}`);
          }
        }
        return { path: toJsonPath('steps', ref.path), type: step.forEach && ref.path.length === 2 ? 'array' : 'unknown' };
      }
      case 'item':
      case 'index':
        if (!scope.forEach) return error(Codes.ContextNotHere, `'${ref.root}' exists only in a step with for_each`);
        return { path: toJsonPath(ref.root, ref.path), type: ref.root === 'index' ? 'integer' : 'unknown' };
      case 'run': {
        if (first === undefined || !(String(first) in RUN_FIELDS) || ref.path.length > 1) {
          return error(Codes.UnknownContext, `run has ${Object.keys(RUN_FIELDS).join(', ')}`);
        }
        return { path: toJsonPath('run', ref.path), type: RUN_FIELDS[String(first)], ...(PLAIN_RUN_FIELDS.has(String(first)) ? { plain: true } : {}) };
      }
      case 'trigger':
        return { path: toJsonPath('trigger', ref.path), type: first === 'event' ? 'string' : 'unknown' };
      case 'error': {
        if (scope.errorFrom === undefined) return error(Codes.ContextNotHere, `'error' exists only in a step run by on_failure or on_timeout`);
        if (first !== 'name' && first !== 'cause') return error(Codes.UnknownContext, `error has 'name' and 'cause'`);
        return { path: toJsonPath('steps', [scope.errorFrom, 'error', first === 'name' ? 'Error' : 'Cause']), type: 'string' };
      }
      case 'secrets':
        if (first === undefined || ref.path.length !== 1) return error(Codes.UnknownContext, `write secrets.<NAME>`);
        return { secret: String(first) };
      case 'result':
        return error(Codes.ContextNotHere, `'result' exists only in a step's outputs map (outputs: { name: \${{ result.field }} })`);
      default:
        return error(Codes.UnknownContext, `unknown context '${ref.root}'`);
    }
  };
}
