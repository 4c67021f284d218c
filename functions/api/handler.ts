/**
 * The API Lambda (API Gateway REST, proxy integration). Environment, read once
 * at cold start:
 * - `BATON_TABLE`: the checkpoint table;
 * - `BATON_STATE_MACHINE_PREFIX`: a workflow's state machine ARN is this plus its name;
 * - `BATON_MANIFEST`: the workflows' manifests (`{ "workflows": [...] }`), default
 *   `manifest.json` next to this file's bundle;
 * - `BATON_SECRETS_PREFIX`, `BATON_RETENTION_DAYS`: as for every Baton Lambda.
 */
import { lambdaEntry } from '../runtime/observability.ts';
import { awsStarter } from '../runtime/starter/aws-starter.ts';
import { createApi } from './app.ts';
import type { ProxyEvent, ProxyResult } from './proxy.ts';

export const handler = lambdaEntry<ProxyEvent, ProxyResult>('baton-api', (observability) => {
  const { aws, starter } = awsStarter(observability, import.meta.url);
  return createApi({ store: aws.store, starter, tokens: aws.tokens, logger: observability.logger });
});
