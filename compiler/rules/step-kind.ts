import { Codes } from '../diagnostics.ts';
import { stepKind } from '../model.ts';
import { STEP_KINDS, type StepDoc, type StepKind } from '../schema.ts';
import type { Rule } from './rule.ts';

/** Keys that belong to one kind only; every other key is common to all kinds. */
const KIND_KEYS: Record<string, StepKind> = {
  prompt: 'agent',
  format: 'agent',
  output_schema: 'agent',
  image: 'run',
  env: 'run',
};

/** `with` passes inputs to a handler or a child workflow, and nothing else reads it. */
const WITH_KINDS: StepKind[] = ['function', 'workflow'];

/** Every step has exactly one kind key, and only the keys its kind understands. */
export const stepKindRule: Rule = ({ doc, report }) => {
  for (const [id, step] of Object.entries(doc.steps)) {
    const kinds = stepKind(step);
    if (kinds.length !== 1) {
      const found = kinds.length === 0 ? 'none' : kinds.join(', ');
      report(['steps', id], Codes.StepKind, `step '${id}' needs exactly one kind key (${STEP_KINDS.join(', ')}); found ${found}`, 'key');
      continue;
    }
    const kind = kinds[0];
    for (const [key, owner] of Object.entries(KIND_KEYS)) {
      if (step[key as keyof StepDoc] !== undefined && owner !== kind) {
        report(['steps', id, key], Codes.KeyNotForKind, `'${key}' belongs to ${owner} steps; '${id}' is a ${kind} step`, 'key');
      }
    }
    if (step.with !== undefined && !WITH_KINDS.includes(kind)) {
      report(['steps', id, 'with'], Codes.KeyNotForKind, `'with' passes inputs to function and workflow steps; '${id}' is a ${kind} step`, 'key');
    }
    if (kind === 'agent' && step.prompt === undefined) {
      report(['steps', id], Codes.MissingKey, `agent step '${id}' needs a 'prompt'`, 'key');
    }
    if (step.output_schema !== undefined && step.format !== 'json') {
      report(['steps', id, 'output_schema'], Codes.KeyNotForKind, `'output_schema' checks JSON answers; add 'format: json'`, 'key');
    }
    if (kind === 'run') {
      report(['steps', id, 'run'], Codes.RunNotSupported, `'run' steps (shell commands on CodeBuild) are not supported yet; use a function step`, 'key');
    }
    if (step.batch_size !== undefined && step.for_each === undefined) {
      report(['steps', id, 'batch_size'], Codes.KeyNotForKind, `'batch_size' needs 'for_each'`, 'key');
    }
    if (step.max_parallel !== undefined && step.for_each === undefined) {
      report(['steps', id, 'max_parallel'], Codes.KeyNotForKind, `'max_parallel' needs 'for_each'`, 'key');
    }
    if (step.for_each !== undefined && (kind === 'approval' || kind === 'wait')) {
      report(['steps', id, 'for_each'], Codes.KeyNotForKind, `'for_each' runs agent, function, http and workflow steps; '${id}' is a ${kind} step`, 'key');
    }
  }
};
