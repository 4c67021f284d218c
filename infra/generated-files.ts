/**
 * Files the stack writes at synth time for esbuild to read: a user function's
 * two-line entry, the API's manifest. NodejsFunction wants an entry under the
 * project root, so they go to `.tmp/synth/` there (git ignores `.tmp/`), named
 * by a hash of their content: two synths at once (parallel test files) write
 * the same bytes to the same name, through a rename, so neither reads half a file.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENTRIES, PROJECT_ROOT } from './entries.ts';

const GENERATED_DIR = join(PROJECT_ROOT, '.tmp', 'synth');

/** Writes `content` once under a name derived from it; answers the absolute path. */
export function writeGenerated(stem: string, extension: string, content: string): string {
  const hash = createHash('sha256').update(content).digest('hex').slice(0, 16);
  const path = join(GENERATED_DIR, `${stem}-${hash}${extension}`);
  if (!existsSync(path)) {
    mkdirSync(GENERATED_DIR, { recursive: true });
    const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    writeFileSync(temporary, content);
    renameSync(temporary, path);
  }
  return path;
}

/**
 * The entry of one user function file's Lambda: its module, bound to
 * `functionLambda` under the file name the definition wrote (the name the
 * compiled payload carries).
 */
export function functionEntry(key: string, absoluteFile: string, fileAsWritten: string): string {
  if (!existsSync(absoluteFile)) throw new Error(`Baton: function file ${fileAsWritten} (${absoluteFile}) does not exist; its Lambda cannot be bundled`);
  const handlerModule = join(PROJECT_ROOT, ENTRIES.function);
  const source = [
    `import * as m from ${JSON.stringify(absoluteFile)};`,
    `import { functionLambda } from ${JSON.stringify(handlerModule)};`,
    `export const handler = functionLambda(${JSON.stringify(fileAsWritten)}, m);`,
    '',
  ].join('\n');
  return writeGenerated(key, '.ts', source);
}
