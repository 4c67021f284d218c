import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBaton, stopBatons, type Exit } from '../support/cli-process.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../functions/runtime/run-result.ts';

/**
 * The `baton` CLI in child processes, each with the temp BATON_HOME of this file:
 * what a person sees when a run's process dies, how it resumes, exit codes, errors
 * in a definition, and several processes sharing the local database.
 */

const FIXTURES = join(import.meta.dirname, '../fixtures/workflows');

let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'baton-crash-'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));


afterAll(stopBatons);

/** `node cli/bin.ts ARGS` with this file's BATON_HOME; resolves when the process exits. */
function baton(args: string[]): Promise<Exit> {
  return startBaton(home, args).done;
}

/** A fresh file path under the temp home. */
let files = 0;
function tempPath(name: string): string {
  return join(home, `${name}-${++files}`);
}

function ledger(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n') : [];
}

describe('cli: a run whose process dies', () => {
  it('shows as interrupted, not running; baton resume finishes it without running step one again', async () => {
    const log = tempPath('ledger');
    const marker = tempPath('marker');
    const runId = 'crash-resume-1';

    const crashed = await baton(['run', join(FIXTURES, 'crash-resume.yaml'), '--run-id', runId, '--json', '--input', `log=${log}`, '--input', `marker=${marker}`]);
    const afterCrash = ledger(log);
    const status = await baton(['status', runId, '--json']);
    const shown = await baton(['status', runId]);
    const resumed = await baton(['resume', runId, '--json']);
    const final = await baton(['status', runId, '--json']);

    // The process died in step two, after step one had succeeded.
    expect(crashed.signal).toBe('SIGKILL');
    expect(crashed.stdout).toBe('');
    expect(afterCrash).toEqual(['one 1', 'two 1']);
    // Nobody recorded an end, but the process that held the run is gone: interrupted.
    expect(status.code).toBe(0);
    const interrupted = JSON.parse(status.stdout) as RunResult;
    expect(interrupted.status).toBe('interrupted');
    expect(interrupted.ended_at).toBeUndefined();
    expect(interrupted.steps.one).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(interrupted.steps.two).toMatchObject({ status: 'running', attempts: 1 });
    // Read by a person: the step the dead process was running is not shown as running.
    expect(shown.stdout).toMatch(/^two +interrupted +1/m);
    expect(shown.stdout).toContain(`interrupted: continue it with  baton resume ${runId}`);
    // Resume: step one's checkpoint answers for it; step two runs its second attempt.
    expect(resumed.code).toBe(0);
    const result = JSON.parse(resumed.stdout) as RunResult;
    expect(result.status).toBe('succeeded');
    expect(result.steps.one).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(result.steps.two).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(result.outputs).toEqual({ one: 1, two: 2 });
    expect(ledger(log)).toEqual(['one 1', 'two 1', 'two 2']);
    expect(JSON.parse(final.stdout)).toStrictEqual(result);
  }, 30_000);

  it('refuses to resume a run that succeeded (exit code 2)', async () => {
    const log = tempPath('ledger');
    const runId = 'resume-done-1';
    await baton(['run', join(FIXTURES, 'ledger-run.yaml'), '--run-id', runId, '--input', `log=${log}`]);

    const again = await baton(['resume', runId]);

    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already succeeded');
    expect(ledger(log)).toEqual(['work 1']);
  }, 30_000);
});

describe('cli: exit codes', () => {
  it('0 when the run succeeds', async () => {
    const log = tempPath('ledger');

    const run = await baton(['run', join(FIXTURES, 'ledger-run.yaml'), '--json', '--input', `log=${log}`]);

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ workflow: 'ledger-run', status: 'succeeded', steps: { work: { status: 'succeeded', attempts: 1 } } });
  }, 30_000);

  it('1 when the run fails, with the error in the run result', async () => {
    const log = tempPath('ledger');

    const run = await baton(['run', join(FIXTURES, 'ledger-run.yaml'), '--json', '--input', `log=${log}`, '--input', 'fail=true']);

    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout) as RunResult;
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ step: 'work', name: 'LedgerFailed' });
    expect(run.stderr).not.toMatch(/^\s+at /m);
  }, 30_000);

  it('2 when the command line is wrong: an unknown input, a missing file', async () => {
    const unknown = await baton(['run', join(FIXTURES, 'ledger-run.yaml'), '--input', 'log=x', '--input', 'nope=1']);
    const missing = await baton(['run', join(home, 'no-such.yaml')]);
    const noArgs = await baton(['run']);

    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown input 'nope'");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file');
    expect(noArgs.code).toBe(2);
    for (const exit of [unknown, missing, noArgs]) expect(exit.stderr).not.toMatch(/^\s+at /m);
  }, 30_000);

  it('2 for inputs too large for Step Functions to start with, as on AWS: the run is not recorded', async () => {
    const file = join(home, 'large-inputs.yaml');
    writeFileSync(file, `name: large-inputs\ninputs:\n  a: { type: string }\n  b: { type: string }\n  c: { type: string }\nsteps:\n  s: { function: ${join(FIXTURES, 'steps/ledger.ts')} }\n`);
    const part = 'x'.repeat(100_000); // one command-line argument holds at most 128 KB
    const run = await baton(['run', file, '--run-id', 'large-inputs-1', '--input', `a=${part}`, '--input', `b=${part}`, '--input', `c=${part}`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/the run's input \(its inputs and trigger\) is 294 KB of JSON, and Step Functions starts an execution with at most 256 KB/);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect((await baton(['status', 'large-inputs-1'])).code).toBe(2);
  }, 30_000);

  it('2 when the definition is broken: FILE:LINE:COL: error CODE:, no stack trace, nothing run', async () => {
    const file = join(home, 'broken.yaml');
    const log = tempPath('ledger');
    writeFileSync(
      file,
      `name: broken
steps:
  a:
    function: ${join(FIXTURES, 'steps/ledger.ts')}
    with: { log: "${log}" }
  b:
    function: ${join(FIXTURES, 'steps/ledger.ts')}
    needs: nope
`,
    );

    const run = await baton(['run', file, '--json']);

    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(new RegExp(`^${escape(file)}:8:12: error BTN\\d{3}: `, 'm'));
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.stderr).not.toContain('Error:');
    expect(ledger(log)).toEqual([]);
  }, 30_000);

  it('2 for a file that is not YAML at all, at the place it breaks', async () => {
    const file = join(home, 'not-yaml.yaml');
    writeFileSync(file, 'name: x\nsteps:\n  a: [\n');

    const run = await baton(['run', file]);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^${escape(file)}:\\d+:\\d+: error BTN1\\d\\d: `, 'm'));
    expect(run.stderr).not.toMatch(/^\s+at /m);
  }, 30_000);
});

describe('cli: processes sharing the local database', () => {
  it('a run keeps going when the process that served the database exits first', async () => {
    const [quickLog, slowLog, quickGo, slowGo] = ['ledger', 'ledger', 'go', 'go'].map(tempPath);
    const lock = join(home, 'dynalite.json');
    const run = (log: string, go: string) => baton(['run', join(FIXTURES, 'ledger-run.yaml'), '--json', '--input', `log=${log}`, '--input', `wait_for=${go}`]);
    const seen = async (path: string) => {
      while (ledger(path).length === 0) await new Promise((r) => setTimeout(r, 10));
    };
    rmSync(lock, { force: true });

    // The quick run starts first and serves the database; the slow one connects to it.
    const quick = run(quickLog, quickGo);
    await seen(quickLog);
    expect(existsSync(lock)).toBe(true);
    const slow = run(slowLog, slowGo);
    await seen(slowLog);
    // The quick run ends (its process, the server, goes away) while the slow one is mid-step.
    writeFileSync(quickGo, '');
    const quickExit = await quick;
    writeFileSync(slowGo, '');
    const slowExit = await slow;

    expect(quickExit.code).toBe(0);
    expect(slowExit.stderr).not.toContain('ECONNREFUSED');
    expect(slowExit.code).toBe(0);
    const result = JSON.parse(slowExit.stdout) as RunResult;
    expect(result).toMatchObject({ status: 'succeeded', steps: { work: { status: 'succeeded', attempts: 1 } } });
    const status = await baton(['status', result.run_id, '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ status: 'succeeded' });
  }, 30_000);

  it('processes started at the same moment agree on one server', async () => {
    rmSync(join(home, 'dynalite.json'), { force: true });
    const log = tempPath('ledger');

    const exits = await Promise.all([
      baton(['run', join(FIXTURES, 'ledger-run.yaml'), '--json', '--input', `log=${log}`, '--input', 'sleep_ms=200']),
      baton(['runs', '--json']),
      baton(['run', join(FIXTURES, 'ledger-run.yaml'), '--json', '--input', `log=${log}`, '--input', 'sleep_ms=100']),
      baton(['runs', '--json']),
    ]);

    expect(exits.map((e) => ({ code: e.code, stderr: e.code === 0 ? '' : e.stderr }))).toEqual(Array(4).fill({ code: 0, stderr: '' }));
    expect(ledger(log)).toHaveLength(2);
  }, 30_000);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
