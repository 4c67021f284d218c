/**
 * `baton serve`: the API Lambda's handler on localhost, in front of the local
 * engine. Runs start through the same run starter as on AWS, with the engine
 * as its executions port (cli/engine/local-executions.ts): they execute in this
 * process, their state in the local store under $BATON_HOME, so `baton status`
 * or `baton approve` in another terminal see them too.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { API_ROUTES, createApi } from '../../functions/api/app.ts';
import { reportRunEnd } from '../../functions/github/checks.ts';
import { localGithub } from '../../functions/github/local.ts';
import { runtimeApprovals } from '../../functions/github/ports.ts';
import { createWebhookHandler } from '../../functions/github/webhook-handler.ts';
import { EnvSecrets } from '../../functions/runtime/secrets.ts';
import { noUserCode } from '../../functions/step/handler.ts';
import { RunStarter } from '../../functions/runtime/starter/starter.ts';
import { WorkflowCatalog } from '../../functions/runtime/starter/workflows.ts';
import type { RunRecord } from '../../functions/runtime/store/index.ts';
import { LEASE_STALE_MS, LocalEngine } from '../engine/engine.ts';
import { isInterrupted } from '../engine/lease.ts';
import { LocalExecutions } from '../engine/local-executions.ts';
import { openLocalStore } from '../engine/local-store.ts';
import { LocalTaskTokens } from '../engine/local-tokens.ts';
import { loadDefinitions } from './definitions.ts';
import { proxyServer } from './http-server.ts';

/** Where GitHub deliveries go, as on AWS (docs/github.md). */
export const WEBHOOK_PATH = '/github/webhook';

export interface ServeOptions {
  port: number;
  host: string;
  definitions: string;
  echoAgents?: boolean;
  /** One line for a person: a run started or ended, a definition skipped. */
  say?: (line: string) => void;
}

export interface Serving {
  url: string;
  routes: readonly string[];
  workflows: string[];
  /** Stops listening and interrupts the runs in flight (recorded as interrupted; `baton resume` continues them). */
  close(): Promise<void>;
}

export async function serve(options: ServeOptions): Promise<Serving> {
  const say = options.say ?? (() => {});
  const served = await loadDefinitions(options.definitions);
  for (const line of served.skipped) say(`skipped ${line}`);
  const local = await openLocalStore();
  const engine = new LocalEngine({ store: local.store, echoAgents: options.echoAgents });
  const shown = (run: RunRecord) => (isInterrupted(run, LEASE_STALE_MS) ? 'interrupted' : run.status);
  const catalog = new WorkflowCatalog(served.manifests);
  // GitHub: the webhook secret from GITHUB_WEBHOOK_SECRET; check runs only with GITHUB_TOKEN or an App's id and key.
  const github = localGithub();
  const logGithub = (event: object) => {
    const e = event as { event?: string; error?: unknown };
    if (e.event?.endsWith('_failed')) say(`${e.event} ${JSON.stringify(e.error ?? {})}`);
  };
  let starter!: RunStarter;
  const executions = new LocalExecutions({
    engine,
    store: local.store,
    files: served.files,
    onEnded: async (runId, outcome) => {
      say(`run ${runId} ${outcome.status}`);
      await starter.runEnded(runId);
      if (github.github) await reportRunEnd({ store: local.store, github: github.github, log: logGithub }, runId, (workflow) => catalog.find(workflow)?.steps);
    },
    onError: (runId, error) => say(`run ${runId} could not run: ${error.message}`),
  });
  starter = new RunStarter({
    store: local.store,
    executions,
    workflows: catalog,
    statusOf: shown,
    log: {
      debug: () => {},
      info: (message, fields) => {
        if (message === 'run.started') say(`run ${fields?.run_id} started${Number(fields?.attempt) > 1 ? ` (attempt ${fields?.attempt})` : ''}`);
        if (message === 'run.queued') say(`run ${fields?.run_id} queued behind ${fields?.behind} (concurrency group ${fields?.group})`);
        if (message === 'run.replaced_in_queue') say(`run ${fields?.run_id} cancelled: ${fields?.by} replaced it in concurrency group ${fields?.group}`);
        if (message === 'run.superseded') say(`run ${fields?.run_id} cancelled: ${fields?.by} took concurrency group ${fields?.group} over`);
      },
      warn: (message, fields) => say(`${message} ${JSON.stringify(fields ?? {})}`),
      error: (message, fields) => say(`${message} ${JSON.stringify(fields ?? {})}`),
    },
  });
  const tokens = new LocalTaskTokens(local.store);
  const api = createApi({
    store: local.store,
    starter,
    tokens,
    logger: { debug: () => {}, info: () => {}, warn: (m, f) => say(`${m} ${JSON.stringify(f ?? {})}`), error: (m, f) => say(`${m}: ${String(f?.stack ?? f?.message ?? '')}`) },
  });
  const webhook = createWebhookHandler({
    ...github,
    store: local.store,
    starter,
    workflows: catalog,
    approvals: runtimeApprovals({ store: local.store, secrets: new EnvSecrets(), tokens, functions: noUserCode }),
    log: (event) => {
      const e = event as { event?: string; delivery?: string; name?: string; action?: string; started?: string[]; refused?: string[]; message?: string };
      const what = `github ${e.name ?? 'delivery'}${e.action ? `.${e.action}` : ''} ${e.delivery ?? ''}`;
      if (e.event === 'github.delivery') say(`${what}: started ${e.started?.join(', ') || 'nothing'}${e.refused?.length ? `; refused ${e.refused.join('; ')}` : ''}`);
      else if (e.event === 'github.delivery_refused' || e.event === 'github.delivery_error' || e.event === 'github.delivery_failed') say(`${what}: ${e.message ?? e.event}`);
      else logGithub(event);
    },
  });
  const server: Server = proxyServer(
    [
      { prefix: WEBHOOK_PATH, handler: webhook as never, binary: true },
      { prefix: '/', handler: api },
    ],
    { onError: (error) => say(`request failed: ${error.stack ?? error.message}`) },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => resolve());
    });
  } catch (error) {
    await local.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    routes: [...API_ROUTES, `POST ${WEBHOOK_PATH}`],
    workflows: served.manifests.map((m) => m.name),
    close: () =>
      (closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        engine.interrupt();
        await executions.drain();
        server.closeAllConnections();
        await stopped;
        await local.close();
      })()),
  };
}
