import { Codes } from '../diagnostics.ts';
import { suggest } from './references.ts';
import type { Rule } from './rule.ts';

/** Agent steps name a declared agent (or the built-in `echo`), and each agent has what its provider needs. */
export const agentsRule: Rule = ({ doc, model, report }) => {
  const names = Object.keys(model.agents);
  for (const [id, step] of Object.entries(doc.steps)) {
    if (step.agent !== undefined && !Object.hasOwn(model.agents, step.agent)) {
      report(['steps', id, 'agent'], Codes.UnknownAgent, `agent '${step.agent}' is not declared under 'agents'${suggest(step.agent, names)}`);
    }
  }
  for (const [name, agent] of Object.entries(doc.agents ?? {})) {
    const needs: Record<string, string[]> = { echo: [], anthropic: ['model', 'api_key'], agentapi: ['url'] };
    for (const key of needs[agent.provider]) {
      if (agent[key as keyof typeof agent] === undefined) {
        report(['agents', name], Codes.AgentConfig, `agent '${name}' (provider ${agent.provider}) needs '${key}'`, 'key');
      }
    }
  }
};
