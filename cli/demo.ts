/**
 * npm run demo: the shipped PR processing workflow, run locally end to end. Agent
 * steps use Claude through the Anthropic API when ANTHROPIC_API_KEY is set, and the
 * built-in echo agent (offline) when it is not.
 */
import { main } from './main.ts';

const args = ['run', 'definitions/pr-processing.yaml', '--input', 'repository=acme/widgets', '--input', 'pr_number=42', '--input', 'branch=feature/search'];
if (!process.env.ANTHROPIC_API_KEY) {
  args.push('--echo-agents');
  process.stderr.write('ANTHROPIC_API_KEY is not set: agent steps answer with the built-in echo agent (offline).\n');
}
process.exitCode = await main(['node', 'baton', ...args, ...process.argv.slice(2)]);
