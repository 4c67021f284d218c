import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateAsl } from '../../support/asl.ts';

const root = join(import.meta.dirname, '../../..');
const baton = (...args: string[]) => spawnSync(process.execPath, [join(root, 'cli/bin.ts'), ...args], { cwd: root, encoding: 'utf8' });

describe('cli: validate, compile, graph', () => {
  it('validates the shipped definitions', () => {
    const out = baton('validate', 'definitions/pr-processing.yaml', 'definitions/hotfix-deployment.yaml', 'definitions/feature-integration.yaml', 'definitions/deploy-regions.yaml');
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    expect(out.stdout).toContain('definitions/pr-processing.yaml: ok (8 steps)');
  });

  it('prints every problem as FILE:LINE:COL: error CODE: message, exits 2, no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-cli-'));
    const file = join(dir, 'broken.yaml');
    writeFileSync(join(dir, 'a.ts'), 'export async function handler() {}\n');
    writeFileSync(file, 'name: broken\nsteps:\n  a:\n    function: ./a.ts\n    needs: [zz]\n    timeout: 500ms\n  b:\n    agent: nobody\n    prompt: hi\n');
    const out = baton('validate', file);
    expect(out.status).toBe(2);
    expect(out.stderr.trim().split('\n')).toEqual([
      `${file}:5:13: error BTN301: step 'a' needs 'zz', which is not a step`,
      `${file}:6:14: error BTN208: '500ms' is not a duration: write 90s, 15m, 2h, 1d or whole seconds (Step Functions counts seconds, so 500ms is not allowed)`,
      `${file}:8:12: error BTN206: agent 'nobody' is not declared under 'agents'`,
    ]);
    expect(out.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('says so when a file does not exist (exit 2)', () => {
    const out = baton('validate', 'definitions/nope.yaml');
    expect(out.status).toBe(2);
    expect(out.stderr).toBe('baton: definitions/nope.yaml: no such file\n');
  });

  it('refuses an unknown option with exit 2', () => {
    const out = baton('validate', '--frobnicate', 'x.yaml');
    expect(out.status).toBe(2);
    expect(out.stderr).toContain("unknown option '--frobnicate'");
  });

  it('compiles to ASL on stdout that asl-validator accepts, or to a file with --out', () => {
    const out = baton('compile', 'definitions/hotfix-deployment.yaml');
    expect(out.status).toBe(0);
    const asl = JSON.parse(out.stdout);
    const resources = { lambdas: { BatonControlFunction: { kind: 'control' as const }, BatonFn_steps_validate_hotfix_ts: { kind: 'function' as const, file: 'x' }, BatonFn_steps_run_tests_ts: { kind: 'function' as const, file: 'y' }, BatonFn_steps_deploy_preview_ts: { kind: 'function' as const, file: 'z' }, BatonFn_steps_notify_ts: { kind: 'function' as const, file: 'w' } }, workflows: {} };
    expect(validateAsl(asl, resources).errors).toBe('');
    const dir = mkdtempSync(join(tmpdir(), 'baton-out-'));
    expect(baton('compile', 'definitions/hotfix-deployment.yaml', '--out', dir).status).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'hotfix-deployment.asl.json'), 'utf8'))).toEqual(asl);
  });

  it('draws the graph as Mermaid and dot', () => {
    const mermaid = baton('graph', 'definitions/pr-processing.yaml');
    expect(mermaid.status).toBe(0);
    expect(mermaid.stdout).toContain('flowchart TD');
    expect(mermaid.stdout).toContain('deploy_branch --> validate');
    expect(mermaid.stdout).toContain('security_audit -. on_failure .-> notify');
    const dot = baton('graph', 'definitions/pr-processing.yaml', '--format', 'dot');
    expect(dot.stdout).toContain('"deploy_branch" -> "teardown_preview" [style=dashed, label="compensate"];');
  });

  it('has --help on every command', () => {
    for (const command of ['validate', 'compile', 'graph', 'run', 'resume', 'runs', 'status', 'approve', 'reject', 'pause', 'cancel']) {
      const out = baton(command, '--help');
      expect(out.status, command).toBe(0);
      expect(out.stdout, command).toContain(`Usage: baton ${command}`);
    }
  });
});
