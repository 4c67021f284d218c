/**
 * The `echo` provider: answers with the prompt, offline and deterministic, so a
 * workflow (and its tests) can run without an AI service or a key.
 */

import type { AgentAnswer, AgentCall, AgentProvider } from './provider.ts';

export const echoProvider: AgentProvider = {
  async run(call: AgentCall): Promise<AgentAnswer> {
    return { done: true, text: call.prompt };
  },
};
