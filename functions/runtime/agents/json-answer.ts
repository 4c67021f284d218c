/**
 * `format: json`: finding the JSON in an agent's answer and checking it against
 * `output_schema`. Agents wrap JSON in prose and code fences, so the answer is read
 * the way a person would: the whole text, else the last ```json block, else the
 * last top-level {...} or [...].
 */

import { z } from 'zod';
import { AgentOutputInvalidError, InputInvalidError } from '../errors.ts';

export function parseJsonAnswer(text: string): unknown {
  const whole = tryParse(text.trim());
  if (whole.ok) return whole.value;

  const fences = [...text.matchAll(/```(?:json|JSON)?[ \t]*\r?\n([\s\S]*?)```/g)];
  for (const fence of fences.reverse()) {
    const parsed = tryParse(fence[1].trim());
    if (parsed.ok) return parsed.value;
  }

  const found = lastJsonSpan(text);
  if (found.ok) return found.value;
  throw new AgentOutputInvalidError(`the answer holds no JSON: ${preview(text)}`);
}

/**
 * Checks a value against a JSON Schema (zod 4's `z.fromJSONSchema`: type,
 * properties, required, items, enum and more). A schema zod cannot read is the
 * workflow's mistake (`InputInvalid`), not the agent's.
 */
export function checkOutputSchema(value: unknown, schema: unknown): void {
  if (schema === undefined || schema === null) return;
  let validator: z.ZodType;
  try {
    validator = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch (error) {
    throw new InputInvalidError(`output_schema is not a usable JSON Schema: ${(error as Error).message}`);
  }
  const checked = validator.safeParse(value);
  if (!checked.success) {
    const problems = checked.error.issues
      .slice(0, 10)
      .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
      .join('; ');
    throw new AgentOutputInvalidError(`the answer does not match output_schema: ${problems}`);
  }
}

type Parsed = { ok: true; value: unknown } | { ok: false };

function tryParse(text: string): Parsed {
  if (text.length === 0) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** The last balanced {...} or [...] that parses; a span that does not parse is searched inside. */
function lastJsonSpan(text: string): Parsed {
  const spans = topLevelSpans(text);
  for (const [start, end] of spans.reverse()) {
    const parsed = tryParse(text.slice(start, end + 1));
    if (parsed.ok) return parsed;
    const inner = lastJsonSpan(text.slice(start + 1, end));
    if (inner.ok) return inner;
  }
  return { ok: false };
}

/** Balanced bracket spans outside of each other, skipping brackets inside JSON strings. */
function topLevelSpans(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch !== '{' && ch !== '[') {
      i++;
      continue;
    }
    const end = matchingClose(text, i);
    if (end < 0) {
      i++; // an opener that never closes (prose): look past it
      continue;
    }
    spans.push([i, end]);
    i = end + 1;
  }
  return spans;
}

function matchingClose(text: string, start: number): number {
  const stack: string[] = [];
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{') stack.push('}');
    else if (ch === '[') stack.push(']');
    else if (ch === '}' || ch === ']') {
      if (stack.pop() !== ch) return -1;
      if (stack.length === 0) return i;
    }
  }
  return -1;
}

function preview(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat || '(empty)';
}
