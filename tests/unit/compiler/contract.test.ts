import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { compile } from '../../../compiler/index.ts';
import { ControlEvent, StepEvents, StepAnswer, taskTarget, type LambdaRole } from '../../../compiler/contract/index.ts';
import { prepareForLocal, walkStates } from '../../../cli/engine/asl-local.ts';

const roots = [join(import.meta.dirname, '../../../definitions'), join(import.meta.dirname, '../../fixtures/workflows')];
const files = roots.flatMap((dir) => readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(dir, f)));

/**
 * Runs a compiled definition on the interpreter with every Lambda task bound to
 * a recorder that checks its event against the contract's schema for its role,
 * and answers with what that role answers. Steps succeed; approvals are approved.
 */
async function eventsOf(file: string) {
  const text = readFileSync(file, 'utf8');
  const compiled = compile(text);
  // Outputs with every field the definition reads, each a list of one element that has them all too.
  const fields = [...new Set([...text.matchAll(/(?:outputs|item)\.(\w+)/g)].map((m) => m[1]))];
  const element = Object.fromEntries(fields.map((f) => [f, 'x']));
  const sampleOutputs = (names: string[]) => Object.fromEntries([...names, ...fields].map((n) => [n, [element]]));
  expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const roles = compiled.resources!.lambdas;
  const seen: Array<{ role: LambdaRole; event: unknown; problems: string[] }> = [];
  const handlers: Record<string, (input: any) => Promise<unknown>> = {};
  const asl = prepareForLocal(compiled.asl!);
  for (const [name, state] of walkStates(asl)) {
    if (state.Type !== 'Task') continue;
    const target = taskTarget(state)!;
    if (target.integration === 'startExecution.sync') {
      handlers[name] = async () => ({ Output: { outputs: {} } });
      continue;
    }
    const role = roles[target.key];
    handlers[name] = async (input) => {
      const event = target.integration === 'lambda' ? input : { ...input.Payload, token: 't' };
      const parsed = role.kind === 'control' ? ControlEvent.safeParse(event) : StepEvents[role.kind].safeParse(event);
      seen.push({ role, event, problems: parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
      if (role.kind !== 'control') {
        // Every declared output, as a list (a for_each may iterate over it).
        const spec = (event as { outputs?: string[] | Record<string, string> }).outputs;
        const names = spec === undefined ? ['ok'] : Array.isArray(spec) ? spec : Object.keys(spec);
        return StepAnswer.parse({ status: 'succeeded', outputs: sampleOutputs(names) });
      }
      const e = parsed.data as { kind: string; state?: unknown; steps?: unknown };
      if (e.kind === 'run.start' || e.kind === 'barrier.wait') return e.state;
      if (e.kind === 'steps.skip') return e.steps;
      return { outputs: {}, error: { Error: 'x', Cause: 'y' }, compensations: [] };
    };
  }
  const inputs = Object.fromEntries(Object.entries(compiled.workflow!.inputs).map(([k, spec]) => [k, spec.default ?? sample(spec.type)]));
  const machine = new StateMachine(asl as never, { validationOptions: { noValidate: true } });
  await machine.run({ inputs, run: { id: 'r', workflow: compiled.workflow!.name, started_at: '2026-12-01T00:00:00Z', attempt: 1 }, trigger: null, steps: {} } as never, { overrides: { taskResourceLocalHandlers: handlers as never }, context: { Execution: { Id: 'arn:aws:states:us-east-1:123456789012:execution:x:r', StartTime: '2026-12-01T00:00:00Z' }, Task: { Token: 't' } } as never }).result;
  return seen;
}

function sample(type: string): unknown {
  return { string: 'x', number: 1, integer: 1, boolean: true, object: {}, array: ['a'] }[type];
}

describe('contract: every event the compiled state machines send', () => {
  for (const file of files) {
    it(`${file.split('/').slice(-2).join('/')}: parses with the schema of its Lambda's role`, async () => {
      const seen = await eventsOf(file);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.filter((s) => s.problems.length > 0)).toEqual([]);
    });
  }
});
