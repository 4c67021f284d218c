import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBaton, stopBatons, type Exit } from '../support/cli-process.ts';

/**
 * A run's lifecycle as a person drives it from terminals (docs/local.md):
 * `baton pause` from a second terminal, `baton resume` while the owner lives,
 * and Ctrl-C, also while a step waits for an approval. Each `baton` is a real
 * process on one temp BATON_HOME.
 */

const PROBE = join(import.meta.dirname, '../fixtures/workflows/steps/probe.ts');

let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'baton-lifecycle-'));
});
afterAll(() => {
  stopBatons();
  rmSync(home, { recursive: true, force: true });
});

function write(name: string, yaml: string): string {
  const file = join(home, `${name}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

const baton = (args: string[]): Promise<Exit> => startBaton(home, args).done;

/** Resolves once `text()` holds `what` (the run has got that far). */
async function until(text: () => string, what: RegExp, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!what.test(text())) {
    if (Date.now() > deadline) throw new Error(`never saw ${what} in:\n${text()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Two slow steps, then a third: a run long enough to pause, resume and interrupt. */
const slow = (name: string) =>
  write(
    name,
    `name: ${name}
steps:
  one: { function: ${PROBE}, with: { sleep_ms: 1500 } }
  two: { function: ${PROBE}, needs: one, with: { sleep_ms: 1500 } }
  three: { function: ${PROBE}, needs: two }
`,
  );

describe('cli: a run driven from two terminals', () => {
  it('baton pause: the owning baton run returns with exit 3 and says how to resume; resume finishes it', async () => {
    const file = slow('pause-me');
    const run = startBaton(home, ['run', file, '--run-id', 'pause-me-1']);
    await until(run.stderr, /one\s+running/);
    const paused = await baton(['pause', 'pause-me-1']);
    expect(paused.code).toBe(0);
    const owner = await run.done;
    expect(owner.code).toBe(3);
    expect(owner.stdout).toContain('baton resume pause-me-1');
    const status = JSON.parse((await baton(['status', 'pause-me-1', '--json'])).stdout);
    expect(status.status).toBe('paused');
    expect(status.steps.one.status).toBe('succeeded');
    expect(status.steps.three.status).not.toBe('succeeded');

    const resumed = await baton(['resume', 'pause-me-1', '--json']);
    expect(resumed.code).toBe(0);
    const result = JSON.parse(resumed.stdout);
    expect(result.status).toBe('succeeded');
    expect(result.steps.one.attempts).toBe(1);
  }, 60_000);

  it('baton resume of a run whose owner is alive: refused with exit 2, naming the holder; the owner finishes alone', async () => {
    const file = slow('owned');
    const run = startBaton(home, ['run', file, '--run-id', 'owned-1', '--json']);
    await until(run.stderr, /one\s+running/);
    const second = await baton(['resume', 'owned-1']);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/owned-1/);
    expect(second.stderr).toMatch(/pid \d+|process \d+/);
    expect(second.stderr).not.toMatch(/\n\s+at /);
    const owner = await run.done;
    expect(owner.code).toBe(0);
    const result = JSON.parse(owner.stdout);
    expect(result.status).toBe('succeeded');
    expect(Object.values(result.steps).map((s: any) => s.attempts)).toEqual([1, 1, 1]);
  }, 60_000);

  it('Ctrl-C: the run is recorded as interrupted, exit 130, and the message says how to resume', async () => {
    const file = slow('interrupt-me');
    const run = startBaton(home, ['run', file, '--run-id', 'interrupt-me-1']);
    await until(run.stderr, /one\s+running/);
    run.kill('SIGINT');
    const owner = await run.done;
    expect(owner.code).toBe(130);
    expect(owner.stdout).toContain('baton resume interrupt-me-1');
    const status = JSON.parse((await baton(['status', 'interrupt-me-1', '--json'])).stdout);
    expect(status.status).toBe('interrupted');
    const resumed = await baton(['resume', 'interrupt-me-1', '--json']);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout).status).toBe('succeeded');
  }, 60_000);

  it('Ctrl-C while a step waits for an approval: the process exits (130), and the approval is still there to decide after resume', async () => {
    const file = write(
      'interrupt-approval',
      `name: interrupt-approval
steps:
  build: { function: ${PROBE} }
  ship: { needs: build, approval: { message: "ship it?" } }
`,
    );
    const run = startBaton(home, ['run', file, '--run-id', 'interrupt-approval-1']);
    await until(run.stderr, /ship\s+waiting/);
    run.kill('SIGINT');
    const owner = await run.done;
    expect(owner.code).toBe(130);
    expect(owner.stdout).toContain('baton resume interrupt-approval-1');

    const resumed = startBaton(home, ['resume', 'interrupt-approval-1', '--json']);
    await until(resumed.stderr, /ship\s+waiting/);
    expect((await baton(['approve', 'interrupt-approval-1', 'ship'])).code).toBe(0);
    const done = await resumed.done;
    expect(done.code).toBe(0);
    const result = JSON.parse(done.stdout);
    expect(result.status).toBe('succeeded');
    expect(result.steps.build.attempts).toBe(1);
  }, 60_000);
});
