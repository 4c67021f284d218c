import type { Workflow } from '../model.ts';
import type { WorkflowDoc } from '../schema.ts';

/** What a rule sees: the checked document, its model, and a way to report a located problem. */
export interface RuleContext {
  doc: WorkflowDoc;
  model: Workflow;
  report(path: ReadonlyArray<string | number>, code: string, message: string, at?: 'key' | 'value'): void;
}

/** One check over the whole workflow; it reports every problem it finds and never throws. */
export type Rule = (context: RuleContext) => void;
