/**
 * A workflow's `concurrency.group` rendered for one run: the template is
 * evaluated over the run's inputs (defaults applied; a declared input left out
 * is null) and its trigger, with the compiler's JavaScript backend.
 */
import { formatValue, renderTemplate } from '../../../compiler/expr/index.ts';
import type { WorkflowManifest } from '../../../compiler/manifest.ts';
import { boundedKey } from './run-id.ts';

/** The group key, or undefined when the workflow has none (or it renders empty). Throws ExpressionError. */
export function groupKey(workflow: WorkflowManifest, inputs: Record<string, unknown>, trigger: unknown): string | undefined {
  if (!workflow.concurrency) return undefined;
  const declared = Object.fromEntries(Object.keys(workflow.inputs).map((name) => [name, null]));
  const value = renderTemplate(workflow.concurrency.group, { inputs: { ...declared, ...inputs }, trigger: trigger ?? null });
  const key = (typeof value === 'string' ? value : formatValue(value)).trim();
  return key === '' ? undefined : boundedKey(key);
}
