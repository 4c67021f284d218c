/** The agent providers by `provider:` name (docs/runtime.md, "Agents"). */

import type { AgentSettings } from '../../../compiler/contract/index.ts';
import { agentapiProvider } from './agentapi.ts';
import { anthropicProvider } from './anthropic.ts';
import { echoProvider } from './echo.ts';
import type { AgentProvider } from './provider.ts';

export const agentProviders: Record<AgentSettings['provider'], AgentProvider> = {
  echo: echoProvider,
  anthropic: anthropicProvider,
  agentapi: agentapiProvider,
};
