import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { renderGraph } from '../../compiler/index.ts';
import { loadWorkflow, printDiagnostics, type Loaded } from '../load.ts';
import { UsageError } from '../usage-error.ts';

/** `validate`, `compile` and `graph`: the commands that only read definitions. */
export function registerDefinitionCommands(program: Command, exit: { code: number }) {
  program
    .command('validate')
    .description('check workflow files, and the function files and child workflows they name; print every problem as FILE:LINE:COL: error CODE: message')
    .argument('<files...>', 'workflow files (.yaml, .yml or .json)')
    .option('-q, --quiet', 'print nothing when the files are valid')
    .action(async (files: string[], options: { quiet?: boolean }) => {
      let bad = 0;
      // Every file is reported, an unreadable one included, before the exit code says any failed.
      for (const file of files) {
        let loaded: Loaded;
        try {
          loaded = await loadWorkflow(file, { checkFiles: true });
        } catch (error) {
          if (!(error instanceof UsageError)) throw error;
          process.stderr.write(`baton: ${error.message}\n`);
          bad++;
          continue;
        }
        if (printDiagnostics(loaded)) bad++;
        else if (!options.quiet) process.stdout.write(`${file}: ok (${loaded.result.workflow?.steps.size ?? 0} steps)\n`);
      }
      if (bad > 0) exit.code = 2;
    });

  program
    .command('compile')
    .description('compile a workflow to Amazon States Language (JSON on stdout, or a file per workflow with --out)')
    .argument('<file>', 'workflow file')
    .option('-o, --out <dir>', 'write <dir>/<name>.asl.json instead of printing')
    .action(async (file: string, options: { out?: string }) => {
      const loaded = await loadWorkflow(file, { checkFiles: true });
      if (printDiagnostics(loaded) || !loaded.result.asl) {
        exit.code = 2;
        return;
      }
      const json = JSON.stringify(loaded.result.asl, null, 2) + '\n';
      if (!options.out) {
        process.stdout.write(json);
        return;
      }
      await mkdir(options.out, { recursive: true });
      const target = join(options.out, `${loaded.result.workflow!.name}.asl.json`);
      await writeFile(target, json);
      process.stderr.write(`wrote ${target}\n`);
    });

  program
    .command('graph')
    .description('print the step graph as Mermaid or Graphviz dot')
    .argument('<file>', 'workflow file')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['mermaid', 'dot']).default('mermaid'))
    .action(async (file: string, options: { format: 'mermaid' | 'dot' }) => {
      const loaded = await loadWorkflow(file);
      if (!loaded.result.workflow) {
        printDiagnostics(loaded);
        throw new UsageError(`${file}: cannot draw a graph of a workflow that does not parse`);
      }
      printDiagnostics(loaded);
      process.stdout.write(renderGraph(loaded.result.graph, options.format, loaded.result.workflow.name));
    });
}
