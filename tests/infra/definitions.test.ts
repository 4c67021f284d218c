import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadDefinitions } from '../../infra/definitions.ts';
import { PROJECT_ROOT } from '../../infra/entries.ts';

const dirs: string[] = [];
const folderWith = (files: Record<string, string>) => {
  const dir = mkdtempSync(join(tmpdir(), 'baton-defs-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('infra: loading the definitions at synth', () => {
  it('compiles every shipped definition and finds its function files', () => {
    const workflows = loadDefinitions('definitions', PROJECT_ROOT);
    expect(workflows.map((w) => w.name)).toStrictEqual(['deploy-regions', 'feature-integration', 'hotfix-deployment', 'pr-processing']);
    const deploy = workflows[0];
    expect(deploy.functionFiles).toStrictEqual({ BatonFn_steps_release_ts: join(PROJECT_ROOT, 'definitions/steps/release.ts') });
  });

  it('places each secret on the Lambdas whose Task states name it', () => {
    const pr = loadDefinitions('definitions', PROJECT_ROOT).find((w) => w.name === 'pr-processing')!;
    expect(pr.secretsByLambda.BatonAgentFunction).toStrictEqual(['ANTHROPIC_API_KEY']);
    expect(pr.secretsByLambda.BatonControlFunction).toStrictEqual([]);
  });

  it('stops the synth with every diagnostic of every broken file, located', () => {
    const dir = folderWith({
      'a.yaml': 'name: a\nsteps:\n  x: { agent: echo, prompt: hi, neds: y }\n',
      'b.yml': 'name: B!\nsteps:\n  x: { agent: echo, prompt: hi }\n',
      'ignored.json': '{}',
    });
    expect(() => loadDefinitions(dir)).toThrow(/definitions do not compile\n {2}\/\S+\/a\.yaml:3:33: error BTN201: [^\n]*\n {2}\/\S+\/b\.yml:1:7: error BTN\d+/);
  });

  it('refuses two definitions with one name, a child workflow nobody defines, and an empty folder', () => {
    const dir = folderWith({
      'one.yaml': 'name: same\nsteps:\n  x: { workflow: missing }\n',
      'two.yaml': 'name: same\nsteps:\n  x: { agent: echo, prompt: hi }\n',
    });
    expect(() => loadDefinitions(dir)).toThrow(/workflow name 'same' is also the name in[\s\S]*runs workflow 'missing', which no definition/);
    expect(() => loadDefinitions(folderWith({}))).toThrow(/no \*\.yaml definitions/);
  });
});
