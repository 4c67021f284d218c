import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderTemplate } from '../../compiler/expr/index.ts';
import { startHarness, type Harness } from '../support/engine-harness.ts';

/**
 * Every string a user can write in YAML reaches the step exactly: static text
 * around a template, a whole-template value, a plain value, and an agent's
 * prompt, for hundreds of strings (hand-picked hostile ones, fast-check's
 * arbitrary Unicode, a multi-KB prompt of code), run through the real engine.
 * The JavaScript evaluator says what each should be.
 */

const ECHO = '../../functions/echo-input.mjs';
const HOSTILE_INPUT = 'in\\put \'q\' "d" {b} }} {{ ${ } %s %% \t tab\nline 🚀 ünï \\n \\u0041 (paren ) ,comma';

const handPicked = [
  'Fix /\\d+/ in ',
  'C:\\Users\\me\\',
  '\\',
  '\\\\',
  "it's",
  '"quoted"',
  "'single' and \"double\"",
  '{',
  '}',
  '{}',
  '{{ not a template }}',
  '${ not one either }',
  '$.inputs.x',
  'States.Format(\'{}\', $.x)',
  '%s %d %% 100%',
  'a\tb\tc',
  'line one\nline two\r\nline three',
  'ünïcödé — “smart quotes” ‘too’',
  '🚀🔥👩‍💻 emoji ZWJ',
  '中文 日本語 한국어 العربية עברית',
  '(unbalanced',
  'unbalanced)',
  '((nested))',
  'a, b, c',
  '   leading and trailing   ',
  '',
  'null',
  'true',
  '0',
  '-1e10',
  '#not a comment',
  '- not a list',
  '&anchor *alias',
  '!tag value',
  '? question',
  ': colon',
  '@at `backtick` |pipe >gt',
  '\u00a0nbsp\u2028sep\u2029',
  '\u0001\u0002\u001f control',
  'tail backslash \\',
  'regex ^[a-z]+$ and (?:group)',
  'json {"a": [1, 2, {"b": "c"}]}',
  'shell $(rm -rf /) `id` && || ;',
  'sql \'; DROP TABLE runs; --',
  'html <script>alert(1)</script> &amp;',
  'url https://x.test/a?b=c&d=e#f',
  'path ../../etc/passwd',
  'x'.repeat(2000),
];

const codePrompt = `Review this code and fix /\\d+/ where it breaks:
\`\`\`ts
function parse(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of line.split(',').map((p) => p.split('='))) out[k.trim()] = v?.replace(/\\\\n/g, '\\n') ?? '';
  return { ...out, note: \`it's {done}\` };
}
\`\`\`
The file is \${{ inputs.x }}; keep 100% of the tests, and answer in "plain" text.
${'// padding line with {braces} and (parens) and \\backslashes\\\n'.repeat(60)}`;

function corpus(): string[] {
  const arbitrary = fc.sample(fc.string({ unit: 'binary', maxLength: 40 }), { numRuns: 240, seed: 77 });
  return [...handPicked, ...arbitrary].filter((s) => !s.includes('${{'));
}

/** A YAML double-quoted scalar for any string (JSON's escapes are YAML's). */
const q = (s: string) => JSON.stringify(s);

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ echoAgents: false });
});
afterAll(() => h.close());

describe('engine: strings arrive byte for byte', () => {
  it('through function inputs and agent prompts, for every string of the corpus', async () => {
    const strings = corpus();
    expect(strings.length).toBeGreaterThan(250);
    const chunks: string[][] = [];
    for (let i = 0; i < strings.length; i += 40) chunks.push(strings.slice(i, i + 40));
    const results = await Promise.all(
      chunks.map(async (chunk, c) => {
        const lines = [`name: strings-${c}`, 'inputs:', '  x: { type: string }', 'steps:'];
        chunk.forEach((s, i) => {
          lines.push(`  f${i}:`, `    function: ${ECHO}`, '    with:', `      text: ${q(`${s}\${{ inputs.x }}${s}`)}`, `      whole: ${q('${{ inputs.x }}')}`, `      plain: ${q(s)}`, `      list: [${q(s)}, ${q('${{ inputs.x }}')}]`);
          lines.push(`  a${i}:`, '    agent: echo', `    prompt: ${q(`${s} \${{ inputs.x }}`)}`);
        });
        lines.push('  code:', '    agent: echo', `    prompt: ${q(codePrompt)}`);
        const file = h.write(`strings-${c}`, lines.join('\n') + '\n');
        return { chunk, result: await h.run(file, { x: HOSTILE_INPUT }) };
      }),
    );
    for (const { chunk, result } of results) {
      expect(result.status).toBe('succeeded');
      chunk.forEach((s, i) => {
        const input = (result.steps[`f${i}`].outputs as { input: Record<string, unknown> }).input;
        expect(input, JSON.stringify(s)).toStrictEqual({ text: s + HOSTILE_INPUT + s, whole: HOSTILE_INPUT, plain: s, list: [s, HOSTILE_INPUT] });
        expect((result.steps[`a${i}`].outputs as { text: string }).text, JSON.stringify(s)).toBe(`${s} ${HOSTILE_INPUT}`);
      });
      expect((result.steps.code.outputs as { text: string }).text).toBe(renderTemplate(codePrompt, { inputs: { x: HOSTILE_INPUT } }));
    }
  }, 60_000);

  it("for each shipped agent prompt, with hostile inputs and outputs", async () => {
    const definitions = join(import.meta.dirname, '../../definitions');
    const prompts = readdirSync(definitions)
      .filter((f) => f.endsWith('.yaml'))
      .flatMap((f) => Object.entries((parse(readFileSync(join(definitions, f), 'utf8')) as { steps: Record<string, { prompt?: string }> }).steps).flatMap(([id, step]) => (step.prompt ? [{ id, prompt: step.prompt }] : [])));
    expect(prompts.length).toBeGreaterThanOrEqual(4);
    for (const { id, prompt } of prompts) {
      const inputs = [...new Set([...prompt.matchAll(/inputs\.(\w+)/g)].map((m) => m[1]))];
      const outputs = [...prompt.matchAll(/steps\.(\w+)\.outputs\.(\w+)/g)].map((m) => ({ step: m[1], field: m[2] }));
      const lines = [`name: shipped-${id.replace(/_/g, '-')}`, ...(inputs.length > 0 ? ['inputs:', ...inputs.map((n) => `  ${n}: { type: string }`)] : []), 'steps:'];
      for (const { step, field } of outputs) {
        lines.push(`  ${step}:`, `    function: ${ECHO}`, `    with: { ${field}: ${q(HOSTILE_INPUT)} }`, `    outputs: { ${field}: ${q(`\${{ result.input.${field} }}`)} }`);
      }
      lines.push(`  ${id}:`, '    agent: echo', `    prompt: ${q(prompt)}`, ...(outputs.length > 0 ? [`    needs: [${[...new Set(outputs.map((o) => o.step))].join(', ')}]`] : []));
      const file = h.write(`shipped-${id}`, lines.join('\n') + '\n');
      const result = await h.run(file, Object.fromEntries(inputs.map((n) => [n, HOSTILE_INPUT])));
      const context = { inputs: Object.fromEntries(inputs.map((n) => [n, HOSTILE_INPUT])), steps: Object.fromEntries(outputs.map(({ step, field }) => [step, { outputs: { [field]: HOSTILE_INPUT } }])) };
      expect(result.status, id).toBe('succeeded');
      expect((result.steps[id].outputs as { text: string }).text, id).toBe(renderTemplate(prompt, context));
    }
  }, 60_000);
});
