/**
 * npm run bench:lambda — what Baton's Lambdas cost to load, and what the API
 * costs warm. Figures only, never pass/fail.
 *
 *  (a) every Lambda entry bundled with esbuild as NodejsFunction bundles it:
 *      ESM, target node24, minified, with the createRequire banner that ESM
 *      bundles of CommonJS dependencies need; twice, with `@aws-sdk/*` left out
 *      (NodejsFunction's default: the Lambda runtime provides the SDK) and with
 *      it bundled. Size of each bundle;
 *  (b) cold import of each bundle in a fresh Node process, median of 15, beside
 *      a hello-world bundle (the floor: Node's own start is not counted) and a
 *      bundle of the AWS clients alone (SDK and Powertools), the two parts of
 *      the target: a handler within 2 × (hello world + its clients);
 *  (c) the API warm, through `baton serve` in a child process: p50 and p99 of
 *      500 sequential GET /runs/{id}, then of 500 POST /workflows/{name}/runs
 *      (each starts a real one-step run in the serve process).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { startServe } from './serve-process.ts';
import { printTable } from './table.ts';

const ROOT = join(import.meta.dirname, '..');
// Inside the repository, so a bundle that leaves @aws-sdk/* out finds it in node_modules, as on Lambda.
const OUT = join(ROOT, 'node_modules/.cache/baton-bench-lambda');
const COLD_RUNS = 15;
const WARM_REQUESTS = 500;

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, 'hello.ts'), "export const handler = async () => ({ statusCode: 200, body: 'hello' });\n");
// A user function's Lambda: the stack generates this two-line entry per function file.
writeFileSync(
  join(OUT, 'function-entry.ts'),
  `import * as module from ${JSON.stringify(join(ROOT, 'definitions/steps/release.ts'))};\n` +
    `import { functionLambda } from ${JSON.stringify(join(ROOT, 'functions/function/handler.ts'))};\n` +
    `export const handler = functionLambda('./steps/release.ts', module);\n`,
);

// What the handlers' AWS clients cost on their own: the SDK clients and Powertools they load.
writeFileSync(
  join(OUT, 'clients.ts'),
  ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', '@aws-sdk/client-sfn', '@aws-sdk/client-secrets-manager', '@aws-lambda-powertools/logger', '@aws-lambda-powertools/metrics', '@aws-lambda-powertools/tracer']
    .map((name, i) => `import * as m${i} from '${name}';\n`)
    .join('') + 'export const handler = async () => [m0, m1, m2, m3, m4, m5, m6].length;\n',
);

const ENTRIES: Array<[string, string]> = [
  ['hello world', join(OUT, 'hello.ts')],
  ['AWS clients alone', join(OUT, 'clients.ts')],
  ['api', join(ROOT, 'functions/api/handler.ts')],
  ['schedule', join(ROOT, 'functions/schedule/handler.ts')],
  ['events', join(ROOT, 'functions/events/handler.ts')],
  ['control', join(ROOT, 'functions/control/handler.ts')],
  ['step (http, agent, approval)', join(ROOT, 'functions/step/handler.ts')],
  ['function (release.ts)', join(OUT, 'function-entry.ts')],
];

const BANNER = "import { createRequire as __batonCreateRequire } from 'node:module'; const require = __batonCreateRequire(import.meta.url);";

async function bundle(name: string, entry: string, sdk: 'external' | 'bundled'): Promise<string> {
  const outfile = join(OUT, `${name.replace(/\W+/g, '-')}.${sdk}.mjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    minify: true,
    banner: { js: BANNER },
    external: sdk === 'external' ? ['@aws-sdk/*'] : [],
    logLevel: 'error',
  });
  return outfile;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Milliseconds to import `file` in a fresh Node process: the module's load and evaluation only. */
function coldImport(file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: OUT, encoding: 'utf8', env: { ...process.env, AWS_REGION: 'us-east-1' } });
  if (result.status !== 0) throw new Error(`importing ${file} failed:\n${result.stderr}`);
  return Number(result.stdout);
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
const ms = (value: number) => `${value.toFixed(1)} ms`;

console.log(`bench:lambda — esbuild ESM, node24, minified; cold import = median of ${COLD_RUNS} fresh processes (Node ${process.version})\n`);
const rows: string[][] = [];
const cold = new Map<string, { external: number; bundled: number }>();
for (const [name, entry] of ENTRIES) {
  const external = await bundle(name, entry, 'external');
  const bundled = await bundle(name, entry, 'bundled');
  const coldExternal = median(Array.from({ length: COLD_RUNS }, () => coldImport(external)));
  const coldBundled = median(Array.from({ length: COLD_RUNS }, () => coldImport(bundled)));
  cold.set(name, { external: coldExternal, bundled: coldBundled });
  rows.push([name, kb(statSync(external).size), ms(coldExternal), kb(statSync(bundled).size), ms(coldBundled)]);
}
printTable(['entry', 'size (@aws-sdk external)', 'cold import', 'size (SDK bundled)', 'cold import'], rows);
const floor = (which: 'external' | 'bundled') => 2 * (cold.get('hello world')![which] + cold.get('AWS clients alone')![which]);
const handlers = [...cold].filter(([name]) => name !== 'hello world' && name !== 'AWS clients alone');
const slowest = (which: 'external' | 'bundled') => Math.max(...handlers.map(([, t]) => t[which]));
console.log(`target: every handler within 2 × (hello world + AWS clients alone) = ${ms(floor('external'))} SDK external, ${ms(floor('bundled'))} bundled; slowest handler: ${ms(slowest('external'))}, ${ms(slowest('bundled'))}`);

// ---- (c) the API, warm, through baton serve ------------------------------------------

const home = mkdtempSync(join(tmpdir(), 'baton-bench-serve-'));
const definitions = join(home, 'definitions');
mkdirSync(definitions);
writeFileSync(join(definitions, 'noop.mjs'), 'export const handler = async () => ({ ok: true });\n');
writeFileSync(join(definitions, 'bench-noop.yaml'), 'name: bench-noop\ninputs:\n  n: { type: integer, default: 0 }\nsteps:\n  one:\n    function: ./noop.mjs\n');

const serve = await startServe(definitions, join(home, 'state'));
const url = serve.url;

async function timed(method: string, path: string, body?: unknown): Promise<number> {
  const start = performance.now();
  const response = await fetch(url + path, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  await response.arrayBuffer();
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status}`);
  return performance.now() - start;
}

const first = (await (await fetch(`${url}/workflows/bench-noop/runs`, { method: 'POST', body: JSON.stringify({ run_id: 'bench-first' }) })).json()) as { run_id: string };
for (let i = 0; i < 50; i++) await timed('GET', `/runs/${first.run_id}`);
const gets: number[] = [];
for (let i = 0; i < WARM_REQUESTS; i++) gets.push(await timed('GET', `/runs/${first.run_id}`));
const posts: number[] = [];
for (let i = 0; i < WARM_REQUESTS; i++) posts.push(await timed('POST', '/workflows/bench-noop/runs', { inputs: { n: i } }));

console.log(`\nAPI through baton serve (local engine, dynalite under a temp BATON_HOME), ${WARM_REQUESTS} sequential requests each, after 50 to warm up:\n`);
printTable(
  ['request', 'p50', 'p99'],
  [
    ['GET /runs/{id}', ms(percentile(gets, 50)), ms(percentile(gets, 99))],
    ['POST /workflows/{name}/runs', ms(percentile(posts, 50)), ms(percentile(posts, 99))],
  ],
);

await serve.stop();
rmSync(home, { recursive: true, force: true });
