import { describe, expect, it } from 'vitest';
import { compile } from '../../../compiler/index.ts';

/** `CODE@LINE:COL` of every diagnostic. */
function problems(input: string | Uint8Array): string[] {
  return compile(input).diagnostics.map((d) => `${d.code}@${d.line}:${d.column}`);
}

const bytes = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

describe('compile: hostile files', () => {
  it('refuses a billion-laughs alias bomb at the first nested alias, without expanding it', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) levels.push(`${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${Array(9).fill(`*${'abcdefghi'[i - 1]}`).join(',')}]`);
    const yaml = `name: bomb\nsteps:\n  s:\n    function: ./a.ts\n    with:\n${levels.map((l) => `      ${l}`).join('\n')}\n`;
    const started = Date.now();
    expect(problems(yaml)).toEqual(['BTN106@8:14']); // *b: the first alias of an anchor that holds aliases
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses one big anchor referenced many thousand times (flat amplification)', () => {
    const big = Array.from({ length: 2000 }, (_, i) => `v${i}`).join(', ');
    const refs = Array(5000).fill('*big').join(', ');
    const yaml = `name: amp\nsteps:\n  s:\n    function: ./a.ts\n    with:\n      a: &big [${big}]\n      b: [${refs}]\n`;
    expect(problems(yaml)).toEqual(['BTN106@7:11']);
  });

  it('refuses an alias inside its own anchor (it expands forever)', () => {
    expect(problems('name: x\nsteps:\n  s:\n    function: ./a.ts\n    with: { loop: &l [*l] }\n')).toEqual(['BTN106@5:23']);
  });

  it('keeps anchors and aliases that are merely reused', () => {
    const yaml = 'name: x\nsteps:\n  a:\n    function: ./a.ts\n    retry: &r { max_attempts: 2 }\n  b:\n    function: ./a.ts\n    retry: *r\n';
    expect(compile(yaml).diagnostics).toEqual([]);
  });

  it('reports an alias whose anchor is not set', () => {
    expect(problems('name: x\nsteps:\n  s:\n    function: ./a.ts\n    with: { v: *nope }\n')).toEqual(['BTN101@5:16']);
  });

  it('reports an empty step id, an empty key and a key that is not a string, each where it is written', () => {
    expect(problems('name: x\nsteps:\n  "":\n    function: ./a.ts\n')).toEqual(['BTN108@3:3']);
    expect(problems('name: x\nsteps:\n  ? \n  : { function: ./a.ts }\n')).toEqual(['BTN108@3:5']);
    expect(problems('name: x\nsteps:\n  ~: { function: ./a.ts }\n')).toEqual(['BTN308@3:3']);
    expect(problems('name: x\ninputs:\n  "": { type: string }\nsteps:\n  a: { function: ./a.ts }\n')).toEqual(['BTN108@3:3']);
    expect(problems('name: x\nsteps:\n  ? [a, b]\n  : { function: ./a.ts }\n')).toEqual(['BTN108@3:5']);
    expect(problems('name: x\nsteps:\n  __proto__: { function: ./a.ts }\n')).toEqual(['BTN108@3:3']);
  });

  it('reports nesting deeper than 100 levels, in YAML and in JSON, without exhausting the stack', () => {
    const yaml = `name: x\nsteps:\n  a:\n    function: ./a.ts\n    with:\n      v: ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
    expect(problems(yaml)).toEqual(['BTN105@6:106']);
    const json = `{"name":"x","steps":{"a":{"function":"./a.ts","with":{"v":${'['.repeat(50000)}${']'.repeat(50000)}}}}}`;
    expect(problems(json)).toEqual(['BTN105@1:155']);
    const block = `name: x\nsteps:\n  a:\n    function: ./a.ts\n    with:\n${Array.from({ length: 150 }, (_, i) => `${' '.repeat(6 + i)}k${i}:`).join('\n')} 1\n`;
    expect(problems(block)).toEqual(['BTN105@103:104']);
  });

  it('accepts nesting of 100 levels', () => {
    const yaml = `name: x\nsteps:\n  a:\n    function: ./a.ts\n    with:\n      v: ${'['.repeat(96)}${']'.repeat(96)}\n`;
    expect(compile(yaml).diagnostics).toEqual([]);
  });

  it('reports bytes that are not UTF-8 at the character where they break', () => {
    expect(problems(bytes('name: x\nsteps:\n  a: { function: "./é', [0xff], '" }\n'))).toEqual(['BTN104@3:22']);
    expect(problems(bytes('name: ', [0xc3, 0x28], '\n'))).toEqual(['BTN104@1:7']);
    expect(problems(bytes('name: ', [0xed, 0xa0, 0x80], '\n'))).toEqual(['BTN104@1:7']); // an encoded surrogate
  });

  it('drops a byte order mark and counts columns after it', () => {
    const text = '\uFEFFname: Bad\nsteps:\n  a: { function: ./a.ts }\n';
    expect(problems(text)).toEqual(['BTN203@1:7']);
    expect(problems(bytes([0xef, 0xbb, 0xbf], 'name: Bad\nsteps:\n  a: { function: ./a.ts }\n'))).toEqual(['BTN203@1:7']);
    expect(compile('\uFEFFname: ok\nsteps:\n  a: { function: ./a.ts }\n').asl).toBeDefined();
  });

  it('reports NUL and other control characters where they are', () => {
    expect(problems('name: x\nsteps:\n  a: { function: ./a.ts\u0000 }\n')).toEqual(['BTN104@3:24']);
    expect(problems('name: x\u0007\nsteps: {}\n')).toEqual(['BTN104@1:8']);
    // Escapes in double quotes are how YAML writes them, and a step id still cannot hold one.
    expect(problems('name: x\nsteps:\n  "a\\u0001": { function: ./a.ts }\n')).toEqual(['BTN308@3:3']);
  });

  it('reports custom tags and the YAML 1.1 tags that make values JSON does not have', () => {
    expect(problems('name: !foo x\nsteps:\n  a: { function: ./a.ts }\n')).toEqual(['BTN107@1:7']);
    expect(problems('name: x\nsteps:\n  a:\n    function: ./a.ts\n    with: { b: !!binary aGk=, s: !!set { a } }\n')).toEqual(['BTN107@5:16', 'BTN107@5:34']);
    // Core tags are fine; a YAML 1.1 date stays a string.
    expect(compile('%YAML 1.1\n---\nname: !!str x\nsteps:\n  a: { function: ./a.ts, with: { d: 2001-12-14 } }\n').diagnostics).toEqual([]);
  });

  it('reports an expression too long to parse safely instead of exhausting the stack', () => {
    const yaml = `name: x\nsteps:\n  a:\n    function: ./a.ts\n    if: \${{ ${'('.repeat(20000)}true${')'.repeat(20000)} }}\n`;
    expect(problems(yaml)).toEqual(['BTN410@5:9']);
    const chain = `name: x\nsteps:\n  a:\n    function: ./a.ts\n    with: { v: '\${{ ${'true && '.repeat(20000)}true }}' }\n`;
    expect(problems(chain)).toEqual(['BTN410@5:16']);
  });

  it('names no step with a key of Object.prototype', () => {
    expect(problems('name: x\nsteps:\n  a:\n    function: ./a.ts\n    needs: toString\n')).toEqual(['BTN301@5:12']);
    expect(problems('name: x\nsteps:\n  a:\n    function: ./a.ts\n    on_failure: constructor\n')).toEqual(['BTN301@5:17']);
    expect(problems('name: x\nsteps:\n  a:\n    agent: hasOwnProperty\n    prompt: hi\n')).toEqual(['BTN206@4:12']);
  });

  it('reports a second YAML document', () => {
    expect(problems('name: x\nsteps:\n  a: { function: ./a.ts }\n---\nname: y\n')).toEqual(['BTN101@4:1']);
  });
});
