/** What every step handler receives as its second argument (docs/language.md, "Kinds"). */
export interface StepContext {
  run_id: string;
  workflow: string;
  step: string;
  attempt: number;
  item?: unknown;
  index?: number;
}

/** A stable short hash, so simulated ids are the same on every run of the same input. */
export function shortHash(text: string): string {
  let hash = 2166136261;
  for (const char of text) hash = Math.imul(hash ^ char.codePointAt(0)!, 16777619);
  return (hash >>> 0).toString(16).padStart(8, '0');
}
