/**
 * The `agent` step kind: sends the prompt to the step's agent provider and shapes
 * the answer: `{ text, agent, usage? }`, or with `format: json` the parsed (and
 * schema-checked) JSON itself.
 *
 * A provider that is still working answers `done: false`; its progress is in the
 * checkpoint, and the state machine comes back with `phase: 'poll'`.
 */

import type { AgentEvent } from '../../../compiler/contract/index.ts';
import { InputInvalidError } from '../errors.ts';
import { agentProviders } from '../agents/index.ts';
import { checkOutputSchema, parseJsonAnswer } from '../agents/json-answer.ts';
import type { KindContext, KindOutcome } from '../runtime-deps.ts';

const DEFAULT_BUDGET_MS = 60_000;
const DEFAULT_POLL_INTERVAL_MS = 1_000;
const DEFAULT_TIMEOUT_MS = 5 * 60 * 1000;

export async function runAgent(inv: AgentEvent, ctx: KindContext): Promise<KindOutcome> {
  const providerConfig = inv.config.provider ?? { provider: 'echo' };
  const provider = agentProviders[providerConfig.provider];
  if (!provider) throw new InputInvalidError(`agent ${inv.config.agent}: unknown provider ${String(providerConfig.provider)}`);
  if (typeof inv.input?.prompt !== 'string') throw new InputInvalidError(`agent ${inv.config.agent}: prompt must be a string`);

  const { store } = ctx.deps;
  const answer = await provider.run({
    agent: inv.config.agent,
    config: providerConfig,
    prompt: inv.input.prompt,
    phase: inv.phase,
    state: inv.phase === 'poll' ? ctx.checkpoint?.state : undefined,
    saveState: async (state) => {
      // Progress is stored like everything else: redacted (an agent's URL may be a secret).
      await store.steps.setState(inv.run.id, ctx.key, ctx.redactor.redact(state));
    },
    fetch: ctx.fetch,
    timeoutMs: ctx.deps.httpTimeoutMs ?? DEFAULT_TIMEOUT_MS,
    budgetMs: ctx.deps.agentPollBudgetMs ?? DEFAULT_BUDGET_MS,
    pollIntervalMs: ctx.deps.agentPollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
  });
  if (!answer.done) return { done: false };

  if (inv.config.format === 'json') {
    const value = parseJsonAnswer(answer.text);
    checkOutputSchema(value, inv.config.output_schema);
    return { done: true, result: value };
  }
  return {
    done: true,
    result: { text: answer.text, agent: inv.config.agent, ...(answer.usage ? { usage: answer.usage } : {}) },
  };
}
