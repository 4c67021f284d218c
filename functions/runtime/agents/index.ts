/** The agent providers by `provider:` name (DSL.md, Agents). */

import type { AgentConfig } from '../contract.ts';
import { agentapiProvider } from './agentapi.ts';
import { anthropicProvider } from './anthropic.ts';
import { echoProvider } from './echo.ts';
import type { AgentProvider } from './provider.ts';

export const agentProviders: Record<AgentConfig['provider'], AgentProvider> = {
  echo: echoProvider,
  anthropic: anthropicProvider,
  agentapi: agentapiProvider,
};
