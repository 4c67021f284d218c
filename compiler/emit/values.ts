import { compileTemplate, isTemplate, type CompiledValue, type ExprDiagnostic, type Resolver } from '../expr/index.ts';
import { Codes } from '../diagnostics.ts';

export type YamlPath = Array<string | number>;
export type PayloadPath = Array<string | number>;

/** Where rendering a value reports to, and what it learns about secrets. */
export interface ValueSink {
  resolve: Resolver;
  /** An expression problem at `offset` inside the string at `at` in the source. */
  report(at: YamlPath, diagnostic: ExprDiagnostic): void;
  /** Payload paths that hold a secret template, for `StepInvocation.secrets`. */
  secrets: PayloadPath[];
}

/**
 * One entry of an ASL `Parameters` object for a value written in the workflow:
 * templates become JSONPath (`key.$`), intrinsic functions, or, for a string that
 * mentions a secret, a secret template that only the runtime resolves.
 */
export function parameterEntry(key: string, value: unknown, at: YamlPath, payloadPath: PayloadPath, sink: ValueSink): [string, unknown] {
  if (typeof value === 'string') {
    if (!isTemplate(value)) return [key, value];
    const { value: compiled, diagnostics } = compileTemplate(value, sink.resolve);
    for (const d of diagnostics) sink.report(at, d);
    if (!compiled) return [key, value];
    return compiledEntry(key, compiled, payloadPath, sink);
  }
  if (Array.isArray(value)) {
    const items = value.map((item, i) => parameterEntry(String(i), item, [...at, i], [...payloadPath, i], sink));
    if (items.every(([k]) => !k.endsWith('.$'))) return [key, items.map(([, v]) => v)];
    // Parameters cannot hold paths inside arrays; States.Array can, for scalar items.
    const args: string[] = [];
    for (const [k, v] of items) {
      if (k.endsWith('.$')) args.push(v as string);
      else if (v === null || typeof v !== 'object') args.push(intrinsicLiteral(v));
      else {
        sink.report(at, { code: Codes.NotRepresentable, message: 'a list that holds expressions may hold only plain values (strings, numbers, booleans, null), not objects or lists: Step Functions builds it with States.Array', offset: 0, length: 0 });
        return [key, null];
      }
    }
    return [`${key}.$`, `States.Array(${args.join(', ')})`];
  }
  if (value !== null && typeof value === 'object') {
    return [key, parameterObject(value as Record<string, unknown>, at, payloadPath, sink)];
  }
  return [key, value];
}

export function parameterObject(value: Record<string, unknown>, at: YamlPath, payloadPath: PayloadPath, sink: ValueSink): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const [key, rendered] = parameterEntry(k, v, [...at, k], [...payloadPath, k], sink);
    out[key] = rendered;
  }
  return out;
}

export function compiledEntry(key: string, compiled: CompiledValue, payloadPath: PayloadPath, sink: ValueSink): [string, unknown] {
  switch (compiled.kind) {
    case 'literal':
      return [key, compiled.value];
    case 'path':
      return [`${key}.$`, compiled.path];
    case 'intrinsic':
      return [`${key}.$`, compiled.expr];
    case 'secret': {
      sink.secrets.push(payloadPath);
      const template: Record<string, unknown> = { 'baton:secret': compiled.parts };
      if (compiled.args.length > 0) template['args.$'] = `States.Array(${compiled.args.join(', ')})`;
      return [key, template];
    }
  }
  return [key, null];
}

/** A constant as an intrinsic function argument: `'it\'s'`, `3`, `true`, `null`. */
export function intrinsicLiteral(value: unknown): string {
  if (typeof value === 'string') return `'${value.replace(/[\\'{}]/g, (c) => `\\${c}`)}'`;
  return JSON.stringify(value ?? null);
}
