/**
 * The `function` step kind: calls the user's handler with `(input, ctx)`.
 *
 * Whatever the handler throws keeps its `name` (invoke-step passes it on), because
 * that name is what the author writes in `retry.on` and what ASL's Catch matches.
 */

import type { FunctionInvocation } from '../contract.ts';
import type { KindContext, KindOutcome } from '../runtime-deps.ts';
import { stepIdOf } from '../store-records.ts';
import { withStepOutput } from '../user-output.ts';

export function runFunction(inv: FunctionInvocation, ctx: KindContext): Promise<KindOutcome> {
  return withStepOutput(inv, ctx.redactor, () => callFunction(inv, ctx));
}

async function callFunction(inv: FunctionInvocation, ctx: KindContext): Promise<KindOutcome> {
  const fn = await ctx.deps.functions.load(inv.config.file, inv.config.export || 'handler');
  const fnContext: Record<string, unknown> = {
    run_id: inv.run.id,
    workflow: inv.workflow,
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
