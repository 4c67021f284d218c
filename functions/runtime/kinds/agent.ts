/**
 * The `agent` step kind: sends the prompt to the step's agent provider and shapes
 * the answer: `{ text, agent, usage? }`, or with `format: json` the parsed (and
 * schema-checked) JSON itself.
 *
 * A provider that is still working answers `done: false`; its progress is in the
 * checkpoint, and the state machine comes back with `phase: 'poll'`.
 *
 * The step's `timeout` bounds the whole session, not each call: Step Functions'
 * TimeoutSeconds applies to every submit and poll Task on its own, so a session of
 * many polls would otherwise never time out. The session's start is kept in the
 * checkpoint with the provider's progress (`session_started_at`), each call's budget
 * is cut to what is left, and a call that finds the session over fails with
 * `States.Timeout`, the name a Task timeout has.
 */

import type { AgentEvent } from '../../../compiler/contract/index.ts';
import { InputInvalidError, StepTimeoutError } from '../errors.ts';
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

  // On start, the previous attempt's progress (the runtime read the checkpoint before
  // opening this attempt): a provider may find its prompt already submitted.
  const state = ctx.checkpoint?.state;
  const sessionStart = inv.phase === 'poll' ? sessionStartOf(state, ctx.now()) : ctx.now().getTime();
  const sessionEnd = inv.timeout_seconds === undefined ? Infinity : sessionStart + inv.timeout_seconds * 1000;
  const timedOut = () => new StepTimeoutError(`agent ${inv.config.agent}: the agent session ran past the step's timeout of ${inv.timeout_seconds}s`);
  if (ctx.now().getTime() >= sessionEnd) throw timedOut();

  const { store } = ctx.deps;
  const budgetMs = Math.min(ctx.deps.agentPollBudgetMs ?? DEFAULT_BUDGET_MS, sessionEnd - ctx.now().getTime());
  const answer = await provider.run({
    agent: inv.config.agent,
    config: providerConfig,
    prompt: inv.input.prompt,
    phase: inv.phase,
    state,
    saveState: async (progress) => {
      // Progress is stored like everything else: redacted (an agent's URL may be a secret).
      const withSession = { ...progress, session_started_at: new Date(sessionStart).toISOString() };
      await store.steps.setState(inv.run.id, ctx.key, ctx.redactor.redact(withSession));
    },
    note: (event, fields = {}) => {
      ctx.deps.log?.(ctx.redactor.redact({ event, run_id: inv.run.id, workflow: inv.run.workflow, step: inv.step, index: inv.index, ...fields }));
    },
    fetch: ctx.fetch,
    timeoutMs: ctx.deps.httpTimeoutMs ?? DEFAULT_TIMEOUT_MS,
    budgetMs,
    pollIntervalMs: ctx.deps.agentPollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
  });
  if (!answer.done) {
    if (ctx.now().getTime() >= sessionEnd) throw timedOut();
    return { done: false };
  }

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

/** When the session began, as a poll finds it in the checkpoint; a checkpoint from before this field counts from now. */
function sessionStartOf(state: Record<string, unknown> | undefined, now: Date): number {
  const started = typeof state?.session_started_at === 'string' ? Date.parse(state.session_started_at) : NaN;
  return Number.isNaN(started) ? now.getTime() : started;
}
