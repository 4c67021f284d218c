/**
 * Finds a user's step function. Locally the file is imported from disk; a Lambda
 * bundle provides its own loader (the handlers compiled in), through the same
 * interface, so the function step kind does not care where code comes from.
 */

import { access } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FunctionNotFoundError } from './errors.ts';

/** What a `function:` step calls: `ctx` is `{ run_id, workflow, step, attempt, item?, index? }`. */
export type StepFunction = (input: Record<string, unknown>, ctx: Record<string, unknown>) => unknown;

export interface FunctionLoader {
  /** The export `exportName` of `file`; `FunctionNotFoundError` if either is missing. */
  load(file: string, exportName: string): Promise<StepFunction>;
}

/**
 * Imports `resolve(baseDir, file)` by file URL: Node 24 runs .ts/.mts (type
 * stripping), .js and .mjs alike. `baseDir` is the definition file's folder.
 */
export class LocalFunctionLoader implements FunctionLoader {
  private readonly baseDir: string;
  /** Node caches a module once imported; this also skips the file check on every step after the first. */
  private readonly loaded = new Map<string, Promise<StepFunction>>();

  constructor(baseDir: string) {
    this.baseDir = baseDir;
  }

  load(file: string, exportName: string): Promise<StepFunction> {
    const path = isAbsolute(file) ? file : resolve(this.baseDir, file);
    const key = `${path}#${exportName}`;
    let fn = this.loaded.get(key);
    if (!fn) {
      fn = this.import(path, file, exportName);
      this.loaded.set(key, fn);
      // A failed load is tried again next time (the file may appear, or be fixed).
      fn.catch(() => this.loaded.delete(key));
    }
    return fn;
  }

  private async import(path: string, file: string, exportName: string): Promise<StepFunction> {
    try {
      await access(path);
    } catch {
      throw new FunctionNotFoundError(`function file ${file} not found (looked for ${path})`);
    }
    // Errors inside the module (a syntax error, a missing import) keep their own
    // name: they are the user's bug, not a missing function.
    const module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    const fn = module[exportName];
    if (typeof fn !== 'function') {
      throw new FunctionNotFoundError(`${file} has no exported function ${exportName}`);
    }
    return fn as StepFunction;
  }
}
