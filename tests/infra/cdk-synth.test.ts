/**
 * `npx cdk synth` as a user runs it, in a child process: no AWS credentials,
 * no region, no profile, a HOME without ~/.aws, and no network needed. The
 * CLI runs `node infra/app.ts` (cdk.json) on the project's Node 24.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/entries.ts';

const scratch = mkdtempSync(join(tmpdir(), 'baton-cdk-synth-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function offlineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^(AWS_|CDK_)/.test(key)) env[key] = value;
  return {
    ...env,
    HOME: join(scratch, 'home'),
    PATH: `${join(PROJECT_ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`,
    // Where credentials would be looked up last: an EC2 metadata endpoint a laptop does not have.
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
  };
}

describe('infra: npx cdk synth', () => {
  it('synthesizes the stack offline, without an AWS account', () => {
    const outdir = join(scratch, 'cdk.out');
    const started = Date.now();
    const run = spawnSync('npx', ['--no', 'cdk', 'synth', '--quiet', '--no-notices', '--output', outdir], { cwd: PROJECT_ROOT, env: offlineEnv(), encoding: 'utf8', timeout: 150_000 });
    const seconds = (Date.now() - started) / 1000;
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    const template = JSON.parse(readFileSync(join(outdir, 'Baton-dev.template.json'), 'utf8'));
    expect(Object.values(template.Resources).filter((r) => (r as { Type: string }).Type === 'AWS::StepFunctions::StateMachine')).toHaveLength(4);
    // cdk-nag ran (app.ts adds both packs) and found nothing.
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports.flatMap((p: { violations: unknown[] }) => p.violations)).toStrictEqual([]);
    console.log(`npx cdk synth: ${seconds.toFixed(1)} s`);
  }, 160_000);
});
