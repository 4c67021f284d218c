/**
 * What the compiler fuzzer feeds compile(): the shipped definitions mutated (as
 * text, as bytes, and as data written back as YAML or JSON), and documents made up
 * from nothing (workflow-shaped maps, arbitrary JSON, YAML token soup, random
 * bytes). The property: compile never throws, and every diagnostic it returns has
 * a stable code and a line and column inside the file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { compile, type CompileResult } from '../../compiler/index.ts';
import { MAX_DIAGNOSTICS } from '../../compiler/diagnostics.ts';

const DEFINITIONS = join(import.meta.dirname, '../../definitions');

/** The shipped workflows, as text and as data. */
export const shipped = readdirSync(DEFINITIONS)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort()
  .map((file) => {
    const text = readFileSync(join(DEFINITIONS, file), 'utf8');
    return { file, text, data: parseYaml(text) as Record<string, unknown> };
  });

/** A fuzz case: what compile() gets, and how it was made (printed with a failure). */
export interface FuzzCase {
  how: string;
  input: string | Uint8Array;
}

const KEYS = [
  'name', 'description', 'on', 'inputs', 'agents', 'concurrency', 'defaults', 'steps', 'outputs', '$schema',
  'agent', 'function', 'http', 'approval', 'workflow', 'wait', 'run', 'prompt', 'format', 'output_schema', 'image', 'env',
  'needs', 'if', 'with', 'for_each', 'max_parallel', 'batch_size', 'timeout', 'retry', 'on_failure', 'on_timeout',
  'continue_on_error', 'compensate', 'max_attempts', 'interval', 'backoff', 'max_interval', 'jitter', 'until', 'method',
  'url', 'headers', 'body', 'expect', 'message', 'type', 'required', 'default', 'enum', 'provider', 'model', 'api_key',
  'group', 'cancel_in_progress', 'github', 'api', 'schedule', 'event', 'actions', 'branches', 'command', 'on',
];

/** Names that are odd but parse: they reach the schema and the rules. */
const ODD_NAMES = [' ', 'run', 'a', 'b', 'toString', 'constructor', 'hasOwnProperty', 'a b', 'a.b', 'a+b', 'a#2', 'é', '1', '-a', 'a'.repeat(64), 'a'.repeat(65), 'x'.repeat(81), 'a/b', '${{ x }}'];
/** Names the parser refuses: they stop a case at the parse, so they come rarely. */
const HOSTILE_NAMES = ['', '__proto__', '\u0000', '\uD800'];

/** A key: mostly the language's own, sometimes odd, rarely hostile. */
const keyName = fc.oneof(
  { weight: 20, arbitrary: fc.constantFrom(...KEYS) },
  { weight: 6, arbitrary: fc.constantFrom(...ODD_NAMES) },
  { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 6 }) },
  { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_NAMES) },
);
const idName = fc.oneof({ weight: 24, arbitrary: fc.constantFrom('a', 'b', 'c', 'd') }, { weight: 6, arbitrary: fc.constantFrom(...ODD_NAMES) }, { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_NAMES) });

const EXPRESSION_TOKENS = [
  'inputs', 'steps', 'item', 'index', 'run', 'trigger', 'error', 'secrets', 'result', 'env', '.', '.id', '.outputs', '.status',
  '.name', '.cause', '.payload', '[0]', "['k']", '[', ']', '(', ')', '==', '!=', '<', '<=', '&&', '||', '!', ' ', "'x'", "'}}'",
  "''", '1', '0', '-1', '1.5', 'true', 'false', 'null', 'success()', 'failure()', 'always()', 'contains(', 'startsWith(',
  'length(', ',', 'hashFiles(', 'a', 'b', 'toString', '__proto__',
];

/** A string that is, or holds, a `${{ }}` expression, well formed or not. */
const expression = fc
  .array(fc.constantFrom(...EXPRESSION_TOKENS), { maxLength: 12 })
  .chain((tokens) => fc.constantFrom(`\${{ ${tokens.join('')} }}`, `x \${{ ${tokens.join('')} }} y`, `\${{ ${tokens.join('')}`, tokens.join('')));

const STRANGE_STRINGS = [
  ...ODD_NAMES, '90s', '15m', '2h', '1d', '500ms', '0s', '-5s', '400d', '366d', '31536001', 'soon', 'full', 'none', 'json', 'text',
  'echo', 'anthropic', 'agentapi', 'string', 'integer', 'object', 'array', 'GET', 'PUT', '200-299', '999-100', './steps/notify.ts',
  './steps/notify.ts#', './steps/notify.ts#nope', '#', 'https://example.com/${{ inputs.x }}', '${{', '}}', '${{ }}', '\uFEFF',
];

const scalar = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...STRANGE_STRINGS) },
  { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_NAMES) },
  { weight: 6, arbitrary: expression },
  { weight: 3, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 2, arbitrary: fc.constantFrom(0, -1, 1, 40, 41, 100, 101, 1e20, 2 ** 53, 0.5, -0) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
);

/** A value of any JSON shape, leaning to the strings and numbers the workflow language reads. */
const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(keyName, tie('v'), { maxKeys: 4 }),
  ),
})).v;

/** A map that looks like a workflow: known keys, steps with known keys, odd values. */
const workflowShaped = fc.record(
  {
    name: fc.oneof(fc.constantFrom('w', 'my-flow', 'Bad Name'), scalar),
    inputs: fc.dictionary(fc.oneof(fc.constantFrom('x', 'env', 'n'), idName), fc.dictionary(fc.constantFrom('type', 'default', 'enum', 'required'), value, { maxKeys: 3 }), { maxKeys: 3 }),
    agents: fc.dictionary(fc.oneof(fc.constantFrom('r', 'echo'), idName), fc.dictionary(fc.constantFrom('provider', 'model', 'api_key', 'url'), scalar, { maxKeys: 3 }), { maxKeys: 2 }),
    defaults: fc.dictionary(fc.constantFrom('timeout', 'retry'), value, { maxKeys: 2 }),
    steps: fc.dictionary(
      idName,
      fc.dictionary(fc.constantFrom(...KEYS), fc.oneof(value, fc.constantFrom('a', 'b', 'c', 'd'), fc.constantFrom(['a'], ['a', 'b'], [])), { maxKeys: 6 }),
      { maxKeys: 6 },
    ),
    outputs: fc.dictionary(keyName, fc.oneof(expression, value), { maxKeys: 2 }),
  },
  { requiredKeys: ['steps'] },
);

const YAML_TOKENS = [
  'name: x\n', 'steps:\n', '  a:\n', '    function: ./a.ts\n', '    needs: ', '[', ']', '{', '}', ',', ':', ': ', '- ', '? ', '&a ', '*a',
  '&b ', '*b ', '!foo ', '!!binary ', '!!str ', '"', "'", '#', '\n', '  ', '\t', '|', '>', '---\n', '...\n', '%YAML 1.1\n', 'x', '1', '${{ ', ' }}',
  '\u0000', '\uFEFF', '\r\n', '~', '<<: *a\n', '""', '__proto__', '\\', '\\u0000',
];

/** Text-level damage to a file: cut, copy, insert, truncate. */
function mutateText(text: string, edits: Array<{ at: number; length: number; kind: number; token: string }>): string {
  let out = text;
  for (const { at, length, kind, token } of edits) {
    const i = out.length === 0 ? 0 : at % (out.length + 1);
    const end = Math.min(out.length, i + length);
    switch (kind % 5) {
      case 0:
        out = out.slice(0, i) + out.slice(end);
        break;
      case 1:
        out = out.slice(0, end) + out.slice(i, end) + out.slice(end);
        break;
      case 2:
        out = out.slice(0, i) + token + out.slice(i);
        break;
      case 3:
        out = out.slice(0, i) + token + out.slice(end);
        break;
      default:
        out = out.slice(0, i);
    }
  }
  return out;
}

const textEdits = fc.array(
  fc.record({ at: fc.nat(), length: fc.nat({ max: 40 }), kind: fc.nat(), token: fc.oneof(fc.constantFrom(...YAML_TOKENS), fc.string({ maxLength: 4 })) }),
  { minLength: 1, maxLength: 6 },
);

/** Every path into the data, for a mutation to pick one. */
function pathsOf(data: unknown): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [];
  const stack: Array<{ value: unknown; path: Array<string | number> }> = [{ value: data, path: [] }];
  while (stack.length > 0) {
    const { value: v, path } = stack.pop()!;
    out.push(path);
    if (Array.isArray(v)) v.forEach((item, i) => stack.push({ value: item, path: [...path, i] }));
    else if (v !== null && typeof v === 'object') for (const [k, item] of Object.entries(v)) stack.push({ value: item, path: [...path, k] });
  }
  return out;
}

type Mutation = { pick: number; kind: number; key: string; value: unknown };

/** Data-level damage: replace a value, drop or rename a key, add a key, copy a step. */
function mutateData(original: unknown, mutations: Mutation[]): unknown {
  const data = structuredClone(original);
  for (const { pick, kind, key, value: replacement } of mutations) {
    const paths = pathsOf(data).filter((p) => p.length > 0);
    if (paths.length === 0) break;
    const path = paths[pick % paths.length];
    const parent = path.slice(0, -1).reduce<any>((node, segment) => node[segment], data);
    const last = path.at(-1)!;
    switch (kind % 5) {
      case 0:
        parent[last] = replacement;
        break;
      case 1:
        if (Array.isArray(parent)) parent.splice(Number(last), 1);
        else delete parent[last];
        break;
      case 2:
        if (!Array.isArray(parent)) {
          const moved = parent[last];
          delete parent[last];
          Object.defineProperty(parent, key, { value: moved, enumerable: true, writable: true, configurable: true });
        }
        break;
      case 3:
        if (parent[last] !== null && typeof parent[last] === 'object' && !Array.isArray(parent[last])) {
          Object.defineProperty(parent[last], key, { value: replacement, enumerable: true, writable: true, configurable: true });
        }
        break;
      default: {
        const steps = (data as any)?.steps;
        if (steps && typeof steps === 'object') {
          const ids = Object.keys(steps);
          if (ids.length > 0) steps[key] = structuredClone(steps[ids[pick % ids.length]]);
        }
      }
    }
  }
  return data;
}

const mutations = fc.array(
  fc.record({ pick: fc.nat(), kind: fc.nat(), key: fc.oneof(keyName, idName), value }),
  { minLength: 1, maxLength: 3 },
);

const definition = fc.constantFrom(...shipped);

/** Writes data as YAML or JSON (JSON is YAML too, and the compiler takes both). */
const serialize = (data: unknown, asJson: boolean) => (asJson ? JSON.stringify(data, null, 2) : stringifyYaml(data, { aliasDuplicateObjects: false }));

export const fuzzCases: fc.Arbitrary<FuzzCase> = fc.oneof(
  definition.chain((d) => textEdits.map((edits) => ({ how: `text edits of ${d.file}: ${JSON.stringify(edits)}`, input: mutateText(d.text, edits) }))),
  definition.chain((d) =>
    fc.record({ flips: fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0x80, max: 0xff }) }), { minLength: 1, maxLength: 3 }) }).map(({ flips }) => {
      const bytes = Buffer.from(d.text, 'utf8');
      for (const { at, byte } of flips) bytes[at % bytes.length] = byte;
      return { how: `bytes of ${d.file} set: ${JSON.stringify(flips)}`, input: new Uint8Array(bytes) };
    }),
  ),
  definition.chain((d) =>
    fc.record({ mutations, asJson: fc.boolean(), edits: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: textEdits }) }).map(({ mutations: m, asJson, edits }) => {
      const text = serialize(mutateData(d.data, m), asJson);
      return { how: `data mutations of ${d.file} as ${asJson ? 'JSON' : 'YAML'}: ${JSON.stringify(m)}${edits ? `, then text edits ${JSON.stringify(edits)}` : ''}`, input: edits ? mutateText(text, edits) : text };
    }),
  ),
  fc.record({ doc: workflowShaped, asJson: fc.boolean() }).map(({ doc, asJson }) => ({ how: `workflow-shaped ${asJson ? 'JSON' : 'YAML'}`, input: serialize(doc, asJson) })),
  fc.record({ doc: value, asJson: fc.boolean() }).map(({ doc, asJson }) => ({ how: `any ${asJson ? 'JSON' : 'YAML'} value`, input: serialize(doc, asJson) })),
  fc.array(fc.constantFrom(...YAML_TOKENS), { maxLength: 40 }).map((tokens) => ({ how: 'YAML token soup', input: tokens.join('') })),
  fc.string({ unit: 'binary', maxLength: 200 }).map((text) => ({ how: 'any text', input: text })),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => ({ how: 'any bytes', input: bytes })),
);

/** The text positions are counted in: decoded as the compiler decodes it, without a leading BOM. */
function textOf(input: string | Uint8Array): string {
  const text = typeof input === 'string' ? input : new TextDecoder('utf-8').decode(input);
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

/**
 * The property: compile() returns (never throws), every diagnostic has a code, a
 * message, and a line and column inside the file; ASL comes back exactly when no
 * diagnostic is an error, and it serialises.
 */
export function checkCase(c: FuzzCase): CompileResult {
  const result = compile(c.input);
  const lines = textOf(c.input).split('\n');
  if (!Array.isArray(result.diagnostics)) throw new Error('diagnostics is not a list');
  if (result.diagnostics.length > MAX_DIAGNOSTICS + 1) throw new Error(`${result.diagnostics.length} diagnostics, more than the cap`);
  for (const d of result.diagnostics) {
    const where = `${d.code}@${d.line}:${d.column} (${d.message})`;
    if (!/^BTN\d{3}$/.test(d.code)) throw new Error(`bad code: ${where}`);
    if (typeof d.message !== 'string' || d.message.length === 0) throw new Error(`no message: ${where}`);
    if (!Number.isInteger(d.line) || d.line < 1 || d.line > lines.length) throw new Error(`line outside the file (${lines.length} lines): ${where}`);
    if (!Number.isInteger(d.column) || d.column < 1 || d.column > lines[d.line - 1].length + 1) {
      throw new Error(`column outside line ${d.line} (${lines[d.line - 1].length} characters): ${where}`);
    }
  }
  const errors = result.diagnostics.some((d) => d.severity === 'error');
  if (errors === (result.asl !== undefined)) throw new Error(`asl ${result.asl ? 'present' : 'absent'} with ${errors ? '' : 'no '}errors`);
  if (result.asl) JSON.stringify(result.asl);
  const located = result.locate(['steps']);
  if (located.line < 1 || located.line > lines.length || located.column < 1) throw new Error(`locate(['steps']) outside the file: ${JSON.stringify(located)}`);
  return result;
}

/** The fuzz property over `fuzzCases`. */
export const compileNeverThrows = fc.property(fuzzCases, (c) => {
  checkCase(c);
});
