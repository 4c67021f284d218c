import type { InputSpec } from '../functions/runtime/control/inputs.ts';
import { UsageError } from './usage-error.ts';

/** `--input name=value` (repeatable) and `--input-json`, each value read by the declared type of its input. */
export function parseInputs(spec: Record<string, InputSpec>, pairs: string[], json: string | undefined): Record<string, unknown> {
  let inputs: Record<string, unknown> = {};
  if (json !== undefined) {
    try {
      inputs = JSON.parse(json);
    } catch (error) {
      throw new UsageError(`--input-json is not JSON: ${(error as Error).message}`);
    }
    if (inputs === null || typeof inputs !== 'object' || Array.isArray(inputs)) throw new UsageError('--input-json must be a JSON object');
  }
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--input ${pair}: write NAME=VALUE`);
    const name = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    inputs[name] = readTyped(name, raw, spec[name]?.type ?? 'string');
  }
  return inputs;
}

function readTyped(name: string, raw: string, type: InputSpec['type']): unknown {
  switch (type) {
    case 'string':
      return raw;
    case 'number':
    case 'integer': {
      const n = Number(raw);
      return raw.trim() === '' || Number.isNaN(n) ? raw : n;
    }
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    default:
      try {
        return JSON.parse(raw);
      } catch {
        throw new UsageError(`--input ${name}: an ${type} input takes JSON, e.g. ${type === 'array' ? '\'["a","b"]\'' : '\'{"k":1}\''}`);
      }
  }
}
