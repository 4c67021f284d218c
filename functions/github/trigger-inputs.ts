/**
 * A trigger's `with:`: the run's inputs, built from the event with the
 * compiler's JavaScript evaluator over `{ trigger }`. A string that is exactly
 * one `${{ }}` keeps its JSON type (`pr_number: ${{ … .number }}` is a number);
 * objects and arrays are rendered value by value. Values from the payload are
 * data, never templates: what an expression returns is not rendered again.
 */
import { isTemplate, renderTemplate } from '../../compiler/expr/index.ts';
import type { RunTrigger } from './event.ts';

export interface RenderedInputs {
  inputs: Record<string, unknown>;
  /** Every value that could not be rendered: `with.pr_number: trigger.payload.pull_request does not exist`. */
  problems: string[];
}

export function renderTriggerInputs(given: Record<string, unknown> | undefined, trigger: RunTrigger): RenderedInputs {
  const problems: string[] = [];
  const data = { trigger };
  const render = (value: unknown, path: string): unknown => {
    if (typeof value === 'string') {
      if (!isTemplate(value)) return value;
      try {
        return renderTemplate(value, data);
      } catch (error) {
        problems.push(`${path}: ${(error as Error).message}`);
        return undefined;
      }
    }
    if (Array.isArray(value)) return value.map((item, index) => render(item, `${path}[${index}]`));
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, render(item, `${path}.${key}`)]));
    }
    return value;
  };
  const inputs: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(given ?? {})) inputs[name] = render(value, `with.${name}`);
  return { inputs, problems };
}
