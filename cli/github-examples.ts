/**
 * Sample deliveries from @octokit/webhooks-examples (the payloads GitHub's own
 * docs show), by `event[.action]`: `pull_request.opened`, `push`,
 * `issue_comment.created`. A development dependency, loaded on first use.
 */
import { createRequire } from 'node:module';
import { UsageError } from './usage-error.ts';

interface Definition {
  name: string;
  examples: Array<Record<string, unknown>>;
}

let definitions: Definition[] | undefined;

function load(): Definition[] {
  try {
    definitions ??= createRequire(import.meta.url)('@octokit/webhooks-examples') as Definition[];
  } catch {
    throw new UsageError('the sample payloads come from @octokit/webhooks-examples, which is not installed: run npm ci, or pass a JSON file');
  }
  return definitions;
}

/** The first example of `event[.action]`, as a fresh copy. */
export function exampleDelivery(spec: string): { event: string; payload: Record<string, unknown> } {
  const [event, action] = spec.split('.', 2);
  const definition = load().find((d) => d.name === event);
  if (!definition) throw new UsageError(`no sample payload for event '${event}' (known: ${load().map((d) => d.name).join(', ')})`);
  const example = definition.examples.find((e) => action === undefined || e.action === action);
  if (!example) {
    const actions = [...new Set(definition.examples.map((e) => e.action).filter((a) => typeof a === 'string'))];
    throw new UsageError(`no sample payload for ${event} with action '${action}'${actions.length > 0 ? ` (known: ${actions.join(', ')})` : ` (${event} has no action)`}`);
  }
  return { event, payload: structuredClone(example) };
}

/** Every example of `event` (an action, or all). */
export function examplesOf(event: string, action?: string): Array<Record<string, unknown>> {
  const definition = load().find((d) => d.name === event);
  return (definition?.examples ?? []).filter((e) => action === undefined || e.action === action).map((e) => structuredClone(e));
}
