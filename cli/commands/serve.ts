import { InvalidArgumentError, type Command } from 'commander';
import { serve } from '../serve/serve.ts';

const HELP = `
The same API handler the stack deploys, on this machine: runs start through the same
starter and execute here with the local engine, their state in $BATON_HOME (default
./.baton). Ctrl-C stops it; runs in flight are recorded as interrupted, and
baton resume RUN_ID (or POST /runs/RUN_ID/resume) continues them.

  curl -s -XPOST localhost:3000/workflows/deploy-regions/runs -d '{"inputs":{"version":"1.2.3"}}'
  curl -s localhost:3000/runs/RUN_ID`;

/** `serve`: the runs API on localhost in front of the local engine. */
export function registerServeCommand(program: Command) {
  program
    .command('serve')
    .description('serve the runs API (same handler as on AWS) on localhost, running workflows with the local engine')
    .option('-p, --port <n>', 'port to listen on (0 picks a free one)', parsePort, 3000)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('-d, --definitions <dir>', 'folder of the workflow definitions to serve', 'definitions')
    .option('--echo-agents', 'answer every agent step with the built-in echo agent (offline, no API keys)')
    .addHelpText('after', HELP)
    .action(async (options: { port: number; host: string; definitions: string; echoAgents?: boolean }) => {
      const say = (line: string) => process.stderr.write(`${line}\n`);
      const serving = await serve({ ...options, say });
      process.stdout.write(`baton serve: listening on ${serving.url}\n`);
      process.stdout.write(`workflows (${options.definitions}): ${serving.workflows.join(', ') || 'none'}\n`);
      process.stdout.write(`routes:\n${serving.routes.map((r) => `  ${r}`).join('\n')}\n`);
      process.stdout.write('Ctrl-C stops it.\n');
      await new Promise<void>((resolve) => {
        let stops = 0;
        const stop = () => {
          if (++stops > 1) process.exit(130);
          say('stopping (Ctrl-C again to quit at once)…');
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await serving.close();
      say('stopped');
      // An interrupted Task's timer in the local interpreter outlives its execution
      // (it only clears when the Task settles): leave once the answer is written.
      setTimeout(() => process.exit(), 200).unref();
    });
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('a port is a number from 0 to 65535');
  return port;
}
