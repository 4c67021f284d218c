import { Codes } from '../diagnostics.ts';
import type { AgentDoc } from '../schema.ts';
import { suggest } from './references.ts';
import type { Rule } from './rule.ts';

/** The settings each provider reads (functions/runtime/agents/*), the required ones first. */
const SETTINGS: Record<AgentDoc['provider'], { needs: string[]; may: string[] }> = {
  echo: { needs: [], may: [] },
  anthropic: { needs: ['model', 'api_key'], may: ['base_url', 'max_tokens', 'system'] },
  agentapi: { needs: ['url'], may: ['headers'] },
};

/**
 * Agent steps name a declared agent (or the built-in `echo`), each agent has what its
 * provider needs, and nothing its provider would ignore: a `system` prompt on an
 * agentapi agent would silently do nothing, which is worse than an error.
 */
export const agentsRule: Rule = ({ doc, model, report }) => {
  const names = Object.keys(model.agents);
  for (const [id, step] of Object.entries(doc.steps)) {
    if (step.agent !== undefined && !Object.hasOwn(model.agents, step.agent)) {
      report(['steps', id, 'agent'], Codes.UnknownAgent, `agent '${step.agent}' is not declared under 'agents'${suggest(step.agent, names)}`);
    }
  }
  for (const [name, agent] of Object.entries(doc.agents ?? {})) {
    const { needs, may } = SETTINGS[agent.provider];
    for (const key of needs) {
      if (agent[key as keyof typeof agent] === undefined) {
        report(['agents', name], Codes.AgentConfig, `agent '${name}' (provider ${agent.provider}) needs '${key}'`, 'key');
      }
    }
    const known = new Set(['provider', 'description', ...needs, ...may]);
    for (const key of Object.keys(agent)) {
      if (known.has(key)) continue;
      const reads = [...needs, ...may];
      report(
        ['agents', name, key],
        Codes.AgentConfig,
        `agent '${name}' (provider ${agent.provider}) does not use '${key}'; it reads ${reads.length > 0 ? reads.map((k) => `'${k}'`).join(', ') : 'no settings'}`,
        'key',
      );
    }
  }
};
