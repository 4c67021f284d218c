import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_TABLE } from '../../cli/engine/local-dynamo.ts';
import { openLocalStore } from '../../cli/engine/local-store.ts';
import type { RunResult } from '../../functions/runtime/run-result.ts';
import { EnvSecrets } from '../../functions/runtime/secrets.ts';
import { startBaton, stopBatons } from '../support/cli-process.ts';
import { startHarness, type Harness } from '../support/engine-harness.ts';
import { allStrings, encodedForms, headerSafe, HOSTILE_SECRETS, leaks } from '../support/hostile-secrets.ts';
import { sendJson, startHttpServer, type TestServer } from '../support/http-server.ts';

/**
 * Secret values built to slip past masking (quotes, backslashes, `&`, `%`, `+`,
 * spaces, unicode, emoji, a newline, a piece of ordinary words), sent to a real
 * local server that echoes them back in every encoding, and printed by a careless
 * step, through the real engine: in-process, and as `baton run --json` in a child
 * process. No form of any value may reach the store, the run result, stdout or stderr.
 */

const NAMES = Object.keys(HOSTILE_SECRETS);

let h: Harness;
let server: TestServer;
let home: string;

beforeAll(async () => {
  h = await startHarness({ secrets: new EnvSecrets(HOSTILE_SECRETS) });
  home = mkdtempSync(join(tmpdir(), 'baton-secrets-'));
  server = await startHttpServer((req, res) => {
    const { token } = JSON.parse(req.body) as { token: string };
    const forms = encodedForms(token);
    // Short enough that the error message's snippet of the body holds all of it.
    if (req.url === '/fail') return sendJson(res, 400, { error: `bad token ${token}`, json: forms.json });
    sendJson(res, 200, { forms, header: req.headers['x-token'] ?? null, query: `?t=${forms.form}&basic=${forms.basicUser}` }, { 'x-echo-uri': forms.uri, 'x-echo-basic': forms.basicUser });
  });
});

afterAll(async () => {
  stopBatons();
  await server.close();
  await h.close();
  rmSync(home, { recursive: true, force: true });
});

/** Per secret: a request that sends it (header and body) and one the server refuses; with `careless`, a step that prints it. */
function hostileWorkflow(name: string, careless: boolean): string {
  const steps = NAMES.flatMap((secret) => [
    `  call_${secret}:`,
    '    http:',
    '      method: POST',
    `      url: ${server.url}/echo`,
    ...(headerSafe(HOSTILE_SECRETS[secret]) ? [`      headers: { X-Token: "\${{ secrets.${secret} }}" }`] : []),
    `      body: { token: "\${{ secrets.${secret} }}" }`,
    `  fail_${secret}:`,
    `    http: { method: POST, url: ${server.url}/fail, body: { token: "\${{ secrets.${secret} }}" } }`,
    '    retry: 1',
    '    continue_on_error: true',
    ...(careless
      ? [`  show_${secret}:`, '    function: ../steps/careless.ts', `    with: { token: "\${{ secrets.${secret} }}", exit_handler: ${secret === 'EVERYTHING'} }`]
      : []),
  ]);
  return [`name: ${name}`, 'steps:', ...steps, 'outputs:', '  echoed: ${{ steps.call_EVERYTHING.outputs.body }}', ''].join('\n');
}

/** `"<secret name> <form>: <context>"` for every form of every hostile value found in `texts`. */
function leaksIn(texts: string[]): string[] {
  return NAMES.flatMap((name) => texts.flatMap((text) => leaks(text, HOSTILE_SECRETS[name]).map((leak) => `${name} ${leak}`)));
}

async function storeStrings(client: Harness['dynamo']['client'], tableName: string): Promise<string[]> {
  const { Items } = await client.send(new ScanCommand({ TableName: tableName }));
  return allStrings(Items);
}

describe('secrets: hostile values through the engine', () => {
  it('sends each value as it is, and stores and returns none of its forms', async () => {
    const file = h.write('hostile-secrets', hostileWorkflow('hostile-secrets', false));
    const received = server.requests.length;

    const result = await h.run(file);

    expect(result.status).toBe('succeeded');
    const echoes = server.requests.slice(received).filter((r) => r.url === '/echo');
    for (const name of NAMES) {
      const value = HOSTILE_SECRETS[name];
      const request = echoes.find((r) => JSON.parse(r.body).token === value);
      expect(request, name).toBeDefined();
      if (headerSafe(value)) expect(request!.headers['x-token'], name).toBe(value);
      expect(result.steps[`call_${name}`]).toMatchObject({ status: 'succeeded', outputs: { body: { header: headerSafe(value) ? '***' : null } } });
      expect(result.steps[`fail_${name}`]).toMatchObject({ status: 'failed', error: { name: 'HttpError' } });
      expect(result.steps[`fail_${name}`].error!.message).toContain('bad token ***');
    }
    const stored = await storeStrings(h.dynamo.client, h.store.tableName);
    expect(stored.filter((text) => text.includes('***')).length).toBeGreaterThan(NAMES.length);
    expect(leaksIn(allStrings(result))).toStrictEqual([]);
    expect(leaksIn(stored)).toStrictEqual([]);
  });
});

describe('secrets: baton run --json with a step that prints them', () => {
  it('prints exactly one JSON document on stdout, and no form of any value on either stream or in the store', async () => {
    const file = h.write('hostile-cli', hostileWorkflow('hostile-cli', true));

    const exit = await startBaton(home, ['run', file, '--json'], HOSTILE_SECRETS).done;

    expect(exit.code, exit.stderr).toBe(0);
    const result = JSON.parse(exit.stdout) as RunResult;
    expect(result.status).toBe('succeeded');
    expect(exit.stdout).not.toContain('careless.ts loaded');
    expect(leaksIn([exit.stdout, exit.stderr, ...allStrings(result)])).toStrictEqual([]);
    const local = await openLocalStore(home);
    try {
      const stored = await storeStrings(local.dynamo.client, LOCAL_TABLE);
      expect(stored.filter((text) => text.includes('***')).length).toBeGreaterThan(NAMES.length);
      expect(leaksIn(stored)).toStrictEqual([]);
    } finally {
      await local.close();
    }
  });

  it('sends each step\'s output to stderr with its step id, masked, the module\'s and the exit handler\'s too', async () => {
    const file = h.write('hostile-cli-lines', hostileWorkflow('hostile-cli-lines', true));

    const exit = await startBaton(home, ['run', file, '--json'], HOSTILE_SECRETS).done;

    const lines = exit.stderr.split('\n');
    for (const name of NAMES) {
      const own = lines.filter((line) => line.startsWith(`[show_${name}] `));
      expect(own, name).toEqual(
        expect.arrayContaining([
          `[show_${name}] token: ***`,
          `[show_${name}] uri *** form ***`,
          // A line written in two parts is masked whole; a value with a line break is masked a line at a time.
          ...(HOSTILE_SECRETS[name].includes('\n')
            ? [`[show_${name}] half a line with ***`, `[show_${name}] *** and its end`]
            : [`[show_${name}] half a line with *** and its end`]),
          `[show_${name}] late ***`,
        ]),
      );
    }
    expect(lines.filter((line) => /^\[show_\w+\] careless\.ts loaded$/.test(line))).toHaveLength(1);
    expect(lines).toContain('exit handler ***');
    expect(() => JSON.parse(exit.stdout)).not.toThrow();
  });
});
