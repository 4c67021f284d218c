/**
 * Recognising and making `ResultRef`s (contract.ts): the stand-in that travels
 * between states when a step's outputs are too large for Step Functions' 256 KB.
 */

import type { ResultRef } from './contract.ts';

export function isResultRef(value: unknown): value is ResultRef {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  if (keys.length !== 1 || keys[0] !== 'baton:ref') return false;
  const ref = (value as Record<string, unknown>)['baton:ref'];
  return (
    typeof ref === 'object' &&
    ref !== null &&
    typeof (ref as Record<string, unknown>).run === 'string' &&
    typeof (ref as Record<string, unknown>).step === 'string'
  );
}

/** `step` is the checkpoint's key: the step id, or `<step>#<index>` for a `for_each` element. */
export function makeResultRef(run: string, step: string, bytes: number): ResultRef {
  return { 'baton:ref': { run, step, bytes } };
}

/** UTF-8 size of a value's JSON: what Step Functions and DynamoDB count. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value ?? null), 'utf8');
}
