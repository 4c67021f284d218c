import { format } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { Redactor } from '../../../functions/runtime/redact.ts';
import { UserOutput, type OutputTargets } from '../../../functions/runtime/user-output.ts';

/** A stdout, a stderr and a console that writes to them as Node's does, recording what reaches each. */
function fakeTargets() {
  const written = { stdout: '', stderr: '' };
  const stream = (name: 'stdout' | 'stderr') => ({
    write: ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      written[name] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      const done = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      done?.();
      return true;
    }) as NodeJS.WritableStream['write'],
  });
  const stdout = stream('stdout');
  const stderr = stream('stderr');
  const toStdout = (...args: unknown[]) => void stdout.write(`${format(...args)}\n`);
  const toStderr = (...args: unknown[]) => void stderr.write(`${format(...args)}\n`);
  const targets: OutputTargets = {
    stdout,
    stderr,
    console: { log: toStdout, info: toStdout, debug: toStdout, dir: toStdout, warn: toStderr, error: toStderr, trace: toStderr },
  };
  return { targets, written };
}

function redactorFor(secret: string): Redactor {
  const redactor = new Redactor();
  redactor.add(secret);
  return redactor;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let router: UserOutput | undefined;
afterEach(() => router?.uninstall());

function start() {
  const fake = fakeTargets();
  router = new UserOutput(fake.targets);
  router.install();
  return { router, ...fake };
}

describe('user output: a step\'s output', () => {
  it('goes to stderr, masked with the step\'s secrets, each line prefixed with the step id', async () => {
    const { router, targets, written } = start();

    await router.runStep('build', redactorFor('hunter2-token'), async () => {
      targets.console.log('token', 'hunter2-token');
      targets.console.info({ token: 'hunter2-token' });
      targets.console.debug('debug %s', 'hunter2-token');
      targets.console.warn('warn');
      targets.console.error('two\nlines hunter2-token');
      targets.console.dir({ nested: { token: 'hunter2-token' } });
      targets.stdout.write('written hunter2-token\n');
      targets.stderr.write(Buffer.from('bytes hunter2-token\n'));
    });

    expect(written.stdout).toBe('');
    expect(written.stderr).toBe(
      [
        '[build] token ***',
        "[build] { token: '***' }",
        '[build] debug ***',
        '[build] warn',
        '[build] two',
        '[build] lines ***',
        "[build] { nested: { token: '***' } }",
        '[build] written ***',
        '[build] bytes ***',
        '',
      ].join('\n'),
    );
  });

  it('prints console.trace with its stack, prefixed', async () => {
    const { router, targets, written } = start();

    await router.runStep('t', new Redactor(), async () => targets.console.trace('here'));

    const lines = written.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('[t] Trace: here');
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.every((line) => line.startsWith('[t] '))).toBe(true);
  });

  it('holds a line begun without its newline, and masks it whole once it ends', async () => {
    const { router, targets, written } = start();

    await router.runStep('s', redactorFor('split-secret'), async () => {
      targets.stdout.write('value: split-');
      await sleep(1);
      expect(written.stderr).toBe('');
      targets.stdout.write('secret, done\nand a last line without newline');
    });

    expect(written.stderr).toBe('[s] value: ***, done\n[s] and a last line without newline\n');
  });

  it('masks a multi-line secret printed whole, and each of its lines printed apart', async () => {
    const { router, targets, written } = start();
    const key = 'line-one-of-key\nline-two-of-key';

    await router.runStep('k', redactorFor(key), async () => {
      targets.console.log(`key=${key}`);
      targets.stdout.write('line-one-of-key\n');
      targets.stdout.write('line-two-of-key\n');
    });

    expect(written.stderr).toBe('[k] key=***\n[k] ***\n[k] ***\n');
  });

  it('forwards at once what a step prints after it ended (a timer it left behind)', async () => {
    const { router, targets, written } = start();

    await router.runStep('late', redactorFor('late-secret'), async () => {
      setTimeout(() => targets.stdout.write('late-secret, no newline'), 5);
    });
    await sleep(20);

    expect(written.stderr).toBe('[late] ***, no newline\n');
    expect(written.stdout).toBe('');
  });

  it('calls a write\'s callback, as a stream would', async () => {
    const { router, targets } = start();

    const called = await router.runStep('cb', new Redactor(), () => new Promise<boolean>((resolve) => targets.stdout.write('x\n', () => resolve(true))));

    expect(called).toBe(true);
  });
});

describe('user output: steps running at once', () => {
  it('attributes each line to the step that printed it and masks it with that step\'s secrets', async () => {
    const { router, targets, written } = start();
    const step = (id: string) =>
      router.runStep(id, redactorFor(`secret-of-${id}`), async () => {
        for (let i = 0; i < 5; i++) {
          targets.console.log(`${id} line ${i} secret-of-${id}`);
          targets.stdout.write(`${id} part `);
          await sleep(Math.random() * 3);
          targets.stdout.write(`${i}\n`);
        }
      });

    await Promise.all(['a', 'b', 'c'].map(step));

    const lines = written.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(30);
    for (const line of lines) {
      const [, prefix, owner] = /^\[(\w)\] (\w) /.exec(line) ?? [];
      expect(owner, line).toBe(prefix);
      expect(line).not.toMatch(/secret-of/);
    }
    for (const id of ['a', 'b', 'c']) expect(lines.filter((l) => l.startsWith(`[${id}] `))).toHaveLength(10);
  });
});

describe('user output: Baton\'s own output and output of nobody', () => {
  it('leaves Baton\'s own writes alone, on stdout, also while steps run', async () => {
    const { router, targets, written } = start();
    router.claimStdout();

    await router.runBaton(async () => {
      const step = router.runStep('s', redactorFor('secret-value'), async () => targets.console.log('from the step secret-value'));
      targets.stdout.write('{"json": true}\n');
      targets.console.log('table row');
      await step;
      targets.stdout.write('after\n');
    });

    expect(written.stdout).toBe('{"json": true}\ntable row\nafter\n');
    expect(written.stderr).toBe('[s] from the step ***\n');
  });

  it('once stdout is claimed, sends output no context names to stderr, masked with recent steps\' secrets', async () => {
    const { router, targets, written } = start();
    router.claimStdout();
    await router.runStep('s', redactorFor('remembered-secret'), async () => {});

    targets.stdout.write('stray remembered-secret\n');
    targets.console.log('stray log remembered-secret');

    expect(written.stdout).toBe('');
    expect(written.stderr).toBe('stray ***\nstray log ***\n');
  });

  it('unclaimed (on a Lambda), lets such output through where it was written, masked', async () => {
    const { router, targets, written } = start();
    targets.stdout.write('before any step\n');
    await router.runStep('s', redactorFor('remembered-secret'), async () => {});

    targets.stdout.write('stray remembered-secret\n');
    targets.console.log('log remembered-secret');

    expect(written.stdout).toBe('before any step\nstray ***\nlog ***\n');
    expect(written.stderr).toBe('');
  });

  it('gives the streams and the console back on uninstall', () => {
    const fake = fakeTargets();
    const { write } = fake.targets.stdout;
    const { log } = fake.targets.console;
    const local = new UserOutput(fake.targets);

    local.install();
    local.uninstall();

    expect(fake.targets.stdout.write).toBe(write);
    expect(fake.targets.console.log).toBe(log);
  });
});
