/**
 * Where each Lambda's code starts, in one table: the stack bundles these files,
 * the tests read the same table, and a missing entry fails the synth with its
 * name instead of an esbuild stack trace.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The project root: package.json, package-lock.json and every entry are under it. */
export const PROJECT_ROOT = resolve(import.meta.dirname, '..');

export const ENTRIES = {
  /** The run's own Task states (role `control`). */
  control: 'functions/control/handler.ts',
  /** The built-in step kinds http, agent and approval; `BATON_STEP_KIND` says which. */
  step: 'functions/step/handler.ts',
  /** `functionLambda(file, module)`: each user function file gets a generated entry that calls it. */
  function: 'functions/function/handler.ts',
  /** The REST API (API Gateway proxy). */
  api: 'functions/api/handler.ts',
  /** EventBridge Scheduler's target: starts a scheduled run. */
  schedule: 'functions/schedule/handler.ts',
  /** Execution status changes: a run's end frees its concurrency group. */
  events: 'functions/events/handler.ts',
  /** GitHub's webhook (API Gateway proxy, `POST /github/webhook`): checks the signature, starts runs, decides `/approve` comments. */
  webhook: 'functions/github/webhook-handler.ts',
  /** On a schedule: redelivers the GitHub App's failed deliveries of the last hour. */
  redeliver: 'functions/github/redeliver-handler.ts',
  /** Alarms from SNS to a Slack incoming webhook. */
  slack: 'infra/alerts/slack-forwarder.ts',
} as const;

export type EntryName = keyof typeof ENTRIES;

/** The absolute path of an entry; throws, naming the Lambda, when the file is not there. */
export function entryPath(name: EntryName, root = PROJECT_ROOT): string {
  const path = join(root, ENTRIES[name]);
  if (!existsSync(path)) throw new Error(`Baton: the ${name} Lambda's entry ${ENTRIES[name]} does not exist; the stack cannot bundle it`);
  return path;
}
