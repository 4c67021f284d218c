import { stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { Codes, type CompileResult, type Diagnostic } from '../compiler/index.ts';
import { suggest } from '../compiler/rules/references.ts';

/** What a function file offers, found without running it. */
export type FunctionFile =
  | { kind: 'missing'; path: string; why: string }
  | { kind: 'broken'; path: string; why: string }
  /** The file exists, but its exports cannot be known statically (CommonJS), or esbuild is not installed. */
  | { kind: 'opaque'; path: string }
  | { kind: 'module'; path: string; exports: string[] };

/**
 * Checks that every `function:` step's file exists and has the export the step
 * names, without running the user's code: esbuild bundles the file in memory (its
 * npm imports left external) and its metafile lists the entry's exports. The
 * compiler does no I/O, so this runs after compile(): `baton validate` and
 * `compile` call it, and so can the local engine and the CDK synth. Paths are
 * relative to the definition file, as the local function loader resolves them.
 */
export async function checkFunctions(definitionFile: string, result: Pick<CompileResult, 'workflow' | 'locate'>): Promise<Diagnostic[]> {
  const workflow = result.workflow;
  if (!workflow) return [];
  const base = dirname(resolve(definitionFile));
  const files = new Map<string, Promise<FunctionFile>>();
  const checks = [...workflow.steps.values()]
    .flatMap((step) => (step.action.kind === 'function' ? [{ step, action: step.action }] : []))
    .map(async ({ step, action }): Promise<Diagnostic | undefined> => {
      const { file, export: exportName } = action;
      const named = exportName !== 'handler';
      const path = isAbsolute(file) ? file : resolve(base, file);
      if (!files.has(path)) files.set(path, inspectFunctionFile(path));
      const found = await files.get(path)!;
      const at = (code: string, message: string): Diagnostic => ({ code, message, severity: 'error', ...result.locate(['steps', step.id, 'function']) });
      switch (found.kind) {
        case 'missing':
          return at(Codes.FunctionFileMissing, `function file ${file} ${found.why} (looked for ${found.path})`);
        case 'broken':
          return at(Codes.FunctionFileBroken, `function file ${file} does not build: ${found.why}`);
        case 'module':
          if (found.exports.includes(exportName)) return undefined;
          return at(
            Codes.FunctionExportMissing,
            `${file} has no export '${exportName}'${named ? '' : ' (the export a step calls when the path has no #name)'}${found.exports.length > 0 ? `; it exports ${found.exports.join(', ')}` : '; it exports nothing'}${suggest(exportName, found.exports)}`,
          );
        default:
          return undefined;
      }
    });
  return (await Promise.all(checks)).filter((d): d is Diagnostic => d !== undefined);
}

/** Whether `path` is a file, and if it is a module, the names it exports. */
export async function inspectFunctionFile(path: string): Promise<FunctionFile> {
  try {
    const info = await stat(path);
    if (!info.isFile()) return { kind: 'missing', path, why: 'is not a file' };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { kind: 'missing', path, why: code === 'ENOENT' || code === 'ENOTDIR' || code === undefined ? 'not found' : `cannot be read (${code})` };
  }
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    return { kind: 'opaque', path };
  }
  try {
    const built = await esbuild.build({
      entryPoints: [path],
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
      outdir: dirname(path),
    });
    const output = Object.values(built.metafile!.outputs).find((o) => o.entryPoint !== undefined);
    const entry = Object.entries(built.metafile!.inputs).find(([input]) => resolve(input) === path)?.[1];
    // A CommonJS file's names are whatever it assigns to module.exports at run time.
    if (!output || entry?.format === 'cjs') return { kind: 'opaque', path };
    return { kind: 'module', path, exports: output.exports };
  } catch (error) {
    const first = (error as { errors?: Array<{ text: string; location?: { file: string; line: number; column: number } | null }> }).errors?.[0];
    if (!first) return { kind: 'broken', path, why: error instanceof Error ? error.message : String(error) };
    const where = first.location ? ` (${relative(process.cwd(), resolve(first.location.file)) || first.location.file}:${first.location.line}:${first.location.column + 1})` : '';
    return { kind: 'broken', path, why: `${first.text}${where}` };
  }
}
