import { compileTemplate, isIntrinsicSafeText, isTemplate, type CompiledValue, type ExprDiagnostic, type Resolver, type TemplateOptions } from '../expr/index.ts';
import { escapeIntrinsicText } from '../expr/asl-operand.ts';
import { TEMPLATE_KEY, type PayloadPath } from '../contract/index.ts';

export type YamlPath = Array<string | number>;
export type { PayloadPath };

/** Where rendering a value reports to, and what it learns about templates. */
export interface ValueSink {
  resolve: Resolver;
  /** An expression problem at `offset` inside the string at `at` in the source. */
  report(at: YamlPath, diagnostic: ExprDiagnostic): void;
  /** Paths (from the event's root) that hold a template the runtime joins. */
  templates: PayloadPath[];
  /** Whether a template names a secret (the caller may refuse it there). */
  secrets: boolean;
}

/**
 * One entry of an ASL `Parameters` object for a value written in the workflow:
 * templates become JSONPath (`key.$`), intrinsic functions, or a template object
 * the runtime joins (see compileTemplate for when), listed in `sink.templates`.
 */
export function parameterEntry(key: string, value: unknown, at: YamlPath, payloadPath: PayloadPath, sink: ValueSink, options: TemplateOptions = {}): [string, unknown] {
  if (typeof value === 'string') {
    if (!isTemplate(value)) return [key, value];
    const { value: compiled, diagnostics } = compileTemplate(value, sink.resolve, options);
    for (const d of diagnostics) sink.report(at, d);
    if (!compiled) return [key, value];
    return compiledEntry(key, compiled, payloadPath, sink);
  }
  if (Array.isArray(value)) return arrayEntry(key, value, at, payloadPath, sink);
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

/**
 * A list. Parameters cannot hold a path as a list element: a list of paths and
 * plain values becomes `States.Array(...)`; any other list that holds
 * expressions keeps its shape, each computed element a template object.
 */
function arrayEntry(key: string, value: unknown[], at: YamlPath, payloadPath: PayloadPath, sink: ValueSink): [string, unknown] {
  const probe: ValueSink = { ...sink, templates: [], secrets: false };
  const items = value.map((item, i) => parameterEntry(String(i), item, [...at, i], [...payloadPath, i], probe));
  if (items.every(([k]) => !k.endsWith('.$')) && probe.templates.length === 0) return [key, items.map(([, v]) => v)];
  const asArray = probe.templates.length === 0 && items.every(([k, v]) => k.endsWith('.$') || isPlainScalar(v));
  if (asArray) {
    const args = items.map(([k, v]) => (k.endsWith('.$') ? (v as string) : intrinsicLiteral(v)));
    return [`${key}.$`, `States.Array(${args.join(', ')})`];
  }
  sink.templates.push(...probe.templates);
  sink.secrets ||= probe.secrets;
  return [
    key,
    items.map(([k, v], i) => {
      if (!k.endsWith('.$')) return v;
      sink.templates.push([...payloadPath, i]);
      return { [TEMPLATE_KEY]: [{ arg: 0 }], args: { '0.$': v } };
    }),
  ];
}

export function compiledEntry(key: string, compiled: CompiledValue, payloadPath: PayloadPath, sink: ValueSink): [string, unknown] {
  switch (compiled.kind) {
    case 'literal':
      return [key, compiled.value];
    case 'path':
      return [`${key}.$`, compiled.path];
    case 'intrinsic':
      return [`${key}.$`, compiled.expr];
    case 'template': {
      sink.templates.push(payloadPath);
      if (compiled.parts.some((part) => 'secret' in part)) sink.secrets = true;
      const template: Record<string, unknown> = { [TEMPLATE_KEY]: compiled.parts };
      if (compiled.args.length > 0) template.args = Object.fromEntries(compiled.args.map((arg, i) => [`${i}.$`, arg]));
      if (compiled.url) template.as = 'url';
      return [key, template];
    }
  }
}

/**
 * A scalar that `States.Array` carries exactly as an argument. Strings need no
 * escape at all: aws-local-stepfunctions keeps the backslash of an escaped
 * quote or brace inside an array (only a string result loses its backslashes).
 */
function isPlainScalar(value: unknown): boolean {
  if (value === null || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isInteger(value);
  return typeof value === 'string' && isIntrinsicSafeText(value) && !/['{}]/.test(value);
}

/** A constant as an intrinsic function argument: `'it\'s'`, `3`, `true`, `null`. */
export function intrinsicLiteral(value: unknown): string {
  if (typeof value === 'string') return `'${escapeIntrinsicText(value)}'`;
  return JSON.stringify(value ?? null);
}
