import { Command, CommanderError } from 'commander';
import { registerDefinitionCommands } from './commands/definitions.ts';
import { registerGithubCommands } from './commands/github.ts';
import { registerRunCommands } from './commands/runs.ts';
import { registerServeCommand } from './commands/serve.ts';
import { DiagnosticsError, UsageError } from './usage-error.ts';

/** Exit codes: 0 succeeded, 1 the run failed (or Baton did), 2 the definition or the command line is wrong; `run` and `resume` add 3 and 130 (commands/run.ts). */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Builds the `baton` command tree. Each command's action returns its exit code. */
export function buildProgram(exit: { code: number }): Command {
  const program = new Command('baton')
    .description('Compile Baton workflows to AWS Step Functions and run them locally.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerDefinitionCommands(program, exit);
  registerRunCommands(program, exit);
  registerServeCommand(program);
  registerGithubCommands(program, exit);
  return program;
}

/** Runs the CLI; returns the exit code instead of exiting, so tests can call it. */
export async function main(argv: string[]): Promise<number> {
  const exit = { code: EXIT_OK };
  const program = buildProgram(exit);
  try {
    await program.parseAsync(argv);
    return exit.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help' ? EXIT_OK : EXIT_USAGE;
    }
    if (error instanceof DiagnosticsError) {
      process.stderr.write(`${error.message}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`baton: ${error.message}\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`baton: ${error instanceof Error ? error.message : String(error)}\n`);
    if (process.env.BATON_DEBUG) console.error(error);
    return EXIT_FAILED;
  }
}
