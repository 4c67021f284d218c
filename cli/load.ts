import { readFile } from 'node:fs/promises';
import { compile, formatDiagnostic, type CompileResult } from '../compiler/index.ts';
import { checkFunctions } from './check-functions.ts';
import { checkWorkflows } from './check-workflows.ts';
import { UsageError } from './usage-error.ts';

export interface Loaded {
  file: string;
  result: CompileResult;
}

/**
 * Reads and compiles one workflow file; a file that cannot be read is a usage
 * error. With `checkFiles`, also checks what the compiler cannot (it does no I/O):
 * that function files and their exports, and child workflows, exist. Their
 * diagnostics join the compiler's, and any error leaves no ASL.
 */
export async function loadWorkflow(file: string, options: { checkFiles?: boolean } = {}): Promise<Loaded> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `${file}: no such file` : code === 'EISDIR' ? `${file}: is a folder, not a workflow file` : `${file}: cannot read (${code ?? String(error)})`);
  }
  // Bytes, not text: the compiler reports a file that is not UTF-8 where it breaks.
  const result = compile(bytes);
  if (!options.checkFiles || !result.workflow) return { file, result };
  const found = (await Promise.all([checkFunctions(file, result), checkWorkflows(file, result)])).flat();
  if (found.length === 0) return { file, result };
  const diagnostics = [...result.diagnostics, ...found].sort((a, b) => a.line - b.line || a.column - b.column);
  return { file, result: { ...result, diagnostics, asl: undefined, resources: undefined } };
}

/** Prints every diagnostic as FILE:LINE:COL: error CODE: message; true when there is an error. */
export function printDiagnostics(loaded: Loaded, write: (line: string) => void = (l) => process.stderr.write(l + '\n')): boolean {
  for (const d of loaded.result.diagnostics) write(formatDiagnostic(loaded.file, d));
  return loaded.result.diagnostics.some((d) => d.severity === 'error');
}
