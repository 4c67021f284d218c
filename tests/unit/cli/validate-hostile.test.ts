import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startBaton, stopBatons } from '../../support/cli-process.ts';

afterAll(stopBatons);

/** Diagnostics on stderr as file → `CODE@LINE:COL` (the parts that do not change with wording). */
function byFile(stderr: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const line of stderr.trim().split('\n')) {
    const m = /^(.+?):(\d+):(\d+): error (BTN\d+): /.exec(line);
    if (!m) throw new Error(`not a diagnostic: ${line}`);
    (out[m[1].split('/').at(-1)!] ??= []).push(`${m[4]}@${m[2]}:${m[3]}`);
  }
  return out;
}

describe('cli: validate and compile on hostile files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'baton-hostile-'));
  const home = mkdtempSync(join(tmpdir(), 'baton-home-'));
  const write = (name: string, content: string | Buffer) => {
    writeFileSync(join(dir, name), content);
    return join(dir, name);
  };
  writeFileSync(join(dir, 'a.ts'), 'export async function handler() { return {}; }\n');
  const nested = Array.from({ length: 9 }, (_, i) => `${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${i === 0 ? '"x","x","x","x","x","x","x","x","x"' : Array(9).fill(`*${'abcdefghi'[i - 1]}`).join(',')}]`);
  const files = {
    bomb: write('bomb.yaml', `name: bomb\n${nested.join('\n')}\nsteps:\n  a: { function: ./a.ts }\n`),
    emptyId: write('empty-id.yaml', 'name: x\nsteps:\n  "":\n    function: ./a.ts\n'),
    emptyKey: write('empty-key.yaml', 'name: x\nsteps:\n  a:\n    function: ./a.ts\n    with: { : 1 }\n'),
    deep: write('deep.json', `{"name":"x","steps":{"a":{"function":"./a.ts","with":{"v":${'['.repeat(100_000)}${']'.repeat(100_000)}}}}}`),
    latin1: write('latin1.yaml', Buffer.concat([Buffer.from('name: x\ndescription: "caf'), Buffer.from([0xe9]), Buffer.from('"\nsteps:\n  a: { function: ./a.ts }\n')])),
    bom: write('bom.yaml', '\uFEFFname: Bad\nsteps:\n  a: { function: ./a.ts }\n'),
    nul: write('nul.yaml', 'name: x\nsteps:\n  a: { function: "./a.ts", with: { v: x\u0000y } }\n'),
    tag: write('tag.yaml', 'name: x\nsteps:\n  a: { function: !include ./a.ts }\n'),
  };

  it('reports every hostile file with located diagnostics and exits 2, never an internal error', async () => {
    const out = await startBaton(home, ['validate', ...Object.values(files)]).done;
    expect(out.code).toBe(2);
    expect(out.stderr).not.toMatch(/^baton: /m);
    expect(out.stderr).not.toMatch(/\bat .*\.(ts|js):\d+/);
    expect(byFile(out.stderr)).toEqual({
      'bomb.yaml': ['BTN106@4:8'],
      'empty-id.yaml': ['BTN108@3:3'],
      'empty-key.yaml': ['BTN108@5:12'],
      'deep.json': ['BTN105@1:155'],
      'latin1.yaml': ['BTN104@2:18'],
      'bom.yaml': ['BTN203@1:7'],
      'nul.yaml': ['BTN104@3:40'],
      'tag.yaml': ['BTN107@3:18'],
    });
  });

  it('refuses to compile an alias bomb (exit 2, the diagnostic, no ASL)', async () => {
    const out = await startBaton(home, ['compile', files.bomb]).done;
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(byFile(out.stderr)).toEqual({ 'bomb.yaml': ['BTN106@4:8'] });
  });
});
