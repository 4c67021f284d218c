import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startBaton, stopBatons } from '../../support/cli-process.ts';

afterAll(stopBatons);

/** `CODE@LINE:COL` of every diagnostic line on stderr, by file name. */
function byFile(stderr: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const line of stderr.trim().split('\n')) {
    const m = /^(.+?):(\d+):(\d+): error (BTN\d+): /.exec(line);
    if (m) (out[m[1].split('/').at(-1)!] ??= []).push(`${m[4]}@${m[2]}:${m[3]}`);
  }
  return out;
}

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'baton-checks-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

const home = mkdtempSync(join(tmpdir(), 'baton-home-'));
const baton = (...args: string[]) => startBaton(home, args).done;

describe('cli: validate checks the files a definition names', () => {
  const dir = folder({
    'steps/ok.ts': 'export async function handler() { return {}; }\nexport const deploy = async () => ({});\n',
    'steps/broken.ts': 'export const x = ;\n',
    'steps/legacy.cjs': 'module.exports = { handler() {} };\n',
    'steps/other.mjs': 'export function other() {}\n',
    'child.yaml': 'name: child\nsteps:\n  a: { function: ./steps/ok.ts }\n',
    'elsewhere.yml': 'name: by-name\nsteps:\n  a: { function: ./steps/ok.ts }\n',
    'flow.yaml': [
      'name: parent',
      'steps:',
      '  fine: { function: ./steps/ok.ts }',
      '  named: { function: "./steps/ok.ts#deploy" }',
      '  typo: { function: "./steps/ok.ts#deplyo" }',
      '  gone: { function: ./steps/missing.ts }',
      '  bad: { function: ./steps/broken.ts }',
      '  cjs: { function: ./steps/legacy.cjs }',
      '  nohandler: { function: ./steps/other.mjs }',
      '  folder: { function: ./steps }',
      '  child: { workflow: child }',
      '  byname: { workflow: by-name }',
      '  nowhere: { workflow: nowhere }',
      '',
    ].join('\n'),
  });

  it('reports a missing function file, a missing export, a file that does not build and an unknown child workflow, at their values', async () => {
    const out = await baton('validate', join(dir, 'flow.yaml'));
    expect(out.code).toBe(2);
    expect(byFile(out.stderr)).toEqual({
      'flow.yaml': ['BTN502@5:21', 'BTN501@6:21', 'BTN504@7:20', 'BTN502@9:26', 'BTN501@10:23', 'BTN503@13:24'],
    });
  });

  it('refuses to compile what validate refuses', async () => {
    const out = await baton('compile', join(dir, 'flow.yaml'));
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(byFile(out.stderr)['flow.yaml']).toContain('BTN501@6:21');
  });

  it('reports every file of the list, a missing one included, and exits 2 if any failed', async () => {
    const good = join(dir, 'child.yaml');
    const out = await baton('validate', good, join(dir, 'missing.yaml'), join(dir, 'flow.yaml'), join(dir, 'elsewhere.yml'));
    expect(out.code).toBe(2);
    expect(out.stdout).toBe(`${good}: ok (1 steps)\n${join(dir, 'elsewhere.yml')}: ok (1 steps)\n`);
    expect(out.stderr).toContain(`baton: ${join(dir, 'missing.yaml')}: no such file\n`);
    expect(byFile(out.stderr)['flow.yaml']).toHaveLength(6);
  });
});

describe('cli: refusals before anything runs', () => {
  const dir = folder({ 'steps/ok.ts': 'export async function handler() { return {}; }\n', 'flow.yaml': 'name: flow\nsteps:\n  a: { function: ./steps/ok.ts }\n' });

  it('refuses a run id Step Functions would refuse as an execution name (exit 2, a plain message, no run)', async () => {
    for (const id of ['bad id/../x', 'a'.repeat(81), '', 'tab\there', 'x:y']) {
      const out = await baton('run', join(dir, 'flow.yaml'), '--run-id', id);
      expect(out.code, id).toBe(2);
      expect(out.stderr, id).toMatch(/--run-id/);
      expect(out.stderr, id).not.toMatch(/\bat .*\.ts:\d+/);
    }
    const runs = await baton('runs', '--json');
    expect(JSON.parse(runs.stdout)).toEqual([]);
  });

  it('refuses --limit that is not a positive whole number', async () => {
    for (const limit of ['abc', '0', '-3', '2.5']) {
      const out = await baton('runs', '--limit', limit);
      expect(out.code, limit).toBe(2);
      expect(out.stdout, limit).toBe('');
      expect(out.stderr, limit).toMatch(/--limit/);
    }
  });

  it('says the run is unknown when approving or rejecting a run that does not exist (exit 2)', async () => {
    for (const decision of ['approve', 'reject']) {
      const out = await baton(decision, 'no-such-run', 'approve_step');
      expect(out.code, decision).toBe(2);
      expect(out.stderr, decision).toBe('baton: no run no-such-run\n');
    }
  });
});
