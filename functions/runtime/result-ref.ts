/**
 * Recognising and making `ResultRef`s (compiler/contract/payloads.ts): the stand-in that travels
 * between states when a step's outputs are too large for Step Functions' 256 KB.
 */

import type { ResultRef } from '../../compiler/contract/index.ts';

export function isResultRef(value: unknown): value is ResultRef {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  if (!Object.hasOwn(value, 'baton:ref')) return false;
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

/** A top-level field of a large result travels beside its reference when its JSON is at most this. */
export const SMALL_FIELD_BYTES = 1024;
/** …and while all such fields together stay under this. */
export const SMALL_FIELDS_BUDGET = 16 * 1024;

/**
 * The reference to large outputs, with their small top-level fields beside it, so
 * `${{ steps.a.outputs.count }}` (a compiled JSONPath) still finds `count` when the
 * whole result is too large to travel. A later step's input that holds the
 * reference gets the whole stored value back.
 */
export function travellingRef(run: string, step: string, outputs: unknown, bytes: number): ResultRef & Record<string, unknown> {
  const ref: ResultRef & Record<string, unknown> = { ...makeResultRef(run, step, bytes) };
  if (typeof outputs !== 'object' || outputs === null || Array.isArray(outputs)) return ref;
  let budget = SMALL_FIELDS_BUDGET;
  for (const [key, value] of Object.entries(outputs)) {
    if (key === 'baton:ref') continue;
    const size = jsonBytes(value);
    if (size > SMALL_FIELD_BYTES || size > budget) continue;
    ref[key] = value;
    budget -= size;
  }
  return ref;
}

/** UTF-8 size of a value's JSON: what Step Functions and DynamoDB count. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value ?? null), 'utf8');
}
