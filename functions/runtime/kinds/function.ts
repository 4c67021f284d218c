/**
 * The `function` step kind: calls the user's handler with `(input, ctx)`.
 *
 * Whatever the handler throws keeps its `name` (invoke-step passes it on), because
 * that name is what the author writes in `retry.on` and what ASL's Catch matches.
 */

import type { FunctionEvent } from '../../../compiler/contract/index.ts';
import type { KindContext, KindOutcome } from '../runtime-deps.ts';
import { stepIdOf } from '../store/index.ts';
import { withStepOutput } from '../user-output.ts';

export function runFunction(inv: FunctionEvent, file: string, ctx: KindContext): Promise<KindOutcome> {
  return withStepOutput(inv, ctx.redactor, () => callFunction(inv, file, ctx));
}

async function callFunction(inv: FunctionEvent, file: string, ctx: KindContext): Promise<KindOutcome> {
  const fn = await ctx.deps.functions.load(file, inv.config.export);
  const fnContext: Record<string, unknown> = {
    run_id: inv.run.id,
    workflow: inv.run.workflow,
    step: stepIdOf(inv.step),
    attempt: ctx.attempt,
  };
  if (inv.index !== undefined) {
    fnContext.item = inv.item;
    fnContext.index = inv.index;
  }
  const result = await fn(inv.input ?? {}, fnContext);
  // The result must survive JSON (the store and Step Functions both speak it);
  // a round trip here makes `undefined` null and drops functions, as they would be later.
  return { done: true, result: result === undefined ? null : JSON.parse(JSON.stringify(result)) };
}
