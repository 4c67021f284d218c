/**
 * What an agent provider is: something that takes a prompt and, now or after a few
 * calls, gives back the agent's final text. The agent step kind (kinds/agent.ts)
 * does the rest (result shape, `format: json`), so providers stay small.
 */

import type { AgentSettings } from '../../../compiler/contract/index.ts';

export interface AgentUsage {
  input_tokens: number;
  output_tokens: number;
}

export interface AgentCall {
  /** The agent's name in the workflow (`agents:` key, or `echo`). */
  agent: string;
  /** The provider's settings, secret templates already resolved. */
  config: AgentSettings;
  prompt: string;
  /** `start` submits the prompt; `poll` continues from `state`. */
  phase: 'start' | 'poll';
  /**
   * On `poll`, the progress an earlier call of this attempt saved. On `start`, the
   * progress the previous attempt left (undefined on a first attempt): a retried submit
   * uses it to tell whether its prompt already reached the agent before posting again.
   */
  state: Record<string, unknown> | undefined;
  /**
   * Keeps progress in the step's checkpoint for the next call. Save before any side
   * effect a retry must not repeat (posting a prompt), not only after it.
   */
  saveState(state: Record<string, unknown>): Promise<void>;
  /** A structured log line (redacted by the kind), for what an operator should see: an agent waiting for a person. */
  note(event: string, fields?: Record<string, unknown>): void;
  fetch: typeof fetch;
  /** Time limit of one HTTP request. */
  timeoutMs: number;
  /**
   * How long this call may wait for a working agent before answering `done: false`:
   * the runtime's poll budget, cut to what is left of the step's `timeout`.
   */
  budgetMs: number;
  pollIntervalMs: number;
}

export type AgentAnswer = { done: true; text: string; usage?: AgentUsage } | { done: false };

export interface AgentProvider {
  run(call: AgentCall): Promise<AgentAnswer>;
}
