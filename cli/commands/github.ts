import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { sign } from '@octokit/webhooks-methods';
import type { Command } from 'commander';
import { exampleDelivery } from '../github-examples.ts';
import { UsageError } from '../usage-error.ts';

/** Where `baton serve` listens for GitHub by default. */
export const DEFAULT_WEBHOOK_URL = 'http://127.0.0.1:3000/github/webhook';

interface ReplayOptions {
  url: string;
  secret?: string;
  event?: string;
  delivery?: string;
}

/** `github replay`: GitHub's side of a webhook, on this machine. */
export function registerGithubCommands(program: Command, exit: { code: number }) {
  const github = program.command('github').description('work with the GitHub webhook locally');

  github
    .command('replay')
    .description('sign a sample GitHub delivery (or a JSON file) as GitHub would and post it to the webhook of a running baton serve; prints the answer')
    .argument('<event-or-file>', 'a sample from @octokit/webhooks-examples as EVENT[.ACTION] (pull_request.opened, push, issue_comment.created), or a JSON file')
    .option('-u, --url <url>', "the webhook to post to (a bare server address means its /github/webhook)", DEFAULT_WEBHOOK_URL)
    .option('-s, --secret <secret>', "the webhook secret (default: $GITHUB_WEBHOOK_SECRET; prefer the variable, a command line is seen in the process list)")
    .option('-e, --event <name>', 'the X-GitHub-Event of a JSON file (samples know their own)')
    .option('-d, --delivery <id>', 'the X-GitHub-Delivery (default: a new one; give one twice to see a redelivery)')
    .addHelpText('after', '\nExit codes: 0 the webhook answered 2xx, 1 it answered otherwise or could not be reached, 2 the command line is wrong.')
    .action(async (source: string, options: ReplayOptions) => {
      const secret = options.secret ?? process.env.GITHUB_WEBHOOK_SECRET;
      if (!secret) throw new UsageError('no webhook secret: set GITHUB_WEBHOOK_SECRET (the one baton serve checks), or pass --secret');
      const url = parseUrl(options.url);
      const { event, body } = await deliveryOf(source, options.event);
      const delivery = options.delivery ?? randomUUID();
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'GitHub-Hookshot/baton-replay',
            'x-github-event': event,
            'x-github-delivery': delivery,
            'x-hub-signature-256': await sign(secret, body),
          },
          body,
          signal: AbortSignal.timeout(30_000),
        });
      } catch (error) {
        process.stderr.write(`baton: nothing answered at ${url} (${causeOf(error)}): is baton serve running there? (--url sets another address)\n`);
        exit.code = 1;
        return;
      }
      const text = await response.text();
      process.stderr.write(`${event} ${delivery} → ${url}: ${response.status} ${response.statusText}\n`);
      process.stdout.write(`${pretty(text)}\n`);
      exit.code = response.ok ? 0 : 1;
    });
}

/** The event name and the exact body to sign: a sample's JSON, or a file's bytes as they are. */
async function deliveryOf(source: string, event: string | undefined): Promise<{ event: string; body: string }> {
  if (await isFile(source)) {
    if (!event) throw new UsageError(`${source}: say which event it is with --event (pull_request, push, …)`);
    const body = await readFile(source, 'utf8');
    try {
      JSON.parse(body);
    } catch (error) {
      throw new UsageError(`${source} is not JSON: ${(error as Error).message}`);
    }
    return { event, body };
  }
  if (source.endsWith('.json')) throw new UsageError(`${source}: no such file`);
  if (!/^[a-z_]+(\.[a-z_-]+)?$/.test(source)) throw new UsageError(`'${source}' is neither a file nor an EVENT[.ACTION] such as pull_request.opened`);
  const sample = exampleDelivery(source);
  return { event: event ?? sample.event, body: JSON.stringify(sample.payload) };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function parseUrl(text: string): string {
  try {
    const url = new URL(text);
    // The address baton serve prints (no path) means its webhook route.
    if (url.pathname === '/') url.pathname = new URL(DEFAULT_WEBHOOK_URL).pathname;
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.toString();
  } catch {
    // said below
  }
  throw new UsageError(`--url ${text} is not an http(s) URL`);
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
