import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Codes, compile, type CompileResult, type Diagnostic } from '../compiler/index.ts';

const EXTENSIONS = ['.yaml', '.yml', '.json'];

/**
 * Checks that every `workflow:` step names a definition the engine will find:
 * next to the parent file, by file name (`<name>.yaml`, `.yml`, `.json`) or by the
 * `name:` inside any definition in that folder. The compiler does no I/O, so this
 * runs after compile(), as checkFunctions does.
 */
export async function checkWorkflows(definitionFile: string, result: Pick<CompileResult, 'workflow' | 'locate'>): Promise<Diagnostic[]> {
  const workflow = result.workflow;
  if (!workflow) return [];
  const dir = dirname(resolve(definitionFile));
  const finder = childFinder(dir);
  const diagnostics: Diagnostic[] = [];
  for (const step of workflow.steps.values()) {
    if (step.action.kind !== 'workflow') continue;
    const name = step.action.workflow;
    if (await finder(name)) continue;
    diagnostics.push({
      code: Codes.WorkflowNotFound,
      severity: 'error',
      message: `no definition of workflow '${name}' next to ${definitionFile}: looked for ${EXTENSIONS.map((e) => name + e).join(', ')} and for a definition with name: ${name} in ${dir}`,
      ...result.locate(['steps', step.id, 'workflow']),
    });
  }
  return diagnostics;
}

/** The file that defines workflow `name` in `dir`, found as the local engine finds a child workflow. */
export async function findChildDefinition(dir: string, name: string): Promise<string | undefined> {
  return childFinder(dir)(name);
}

/** A lookup that reads the folder's definitions once, however many children it is asked for. */
function childFinder(dir: string): (name: string) => Promise<string | undefined> {
  let named: Promise<Map<string, string>> | undefined;
  return async (name) => {
    for (const ext of EXTENSIONS) {
      const candidate = join(dir, name + ext);
      if (await isFile(candidate)) return candidate;
    }
    named ??= definitionsByName(dir);
    return (await named).get(name);
  };
}

async function definitionsByName(dir: string): Promise<Map<string, string>> {
  const byName = new Map<string, string>();
  const entries = await readdir(dir).catch(() => [] as string[]);
  for (const entry of entries.filter((e) => /\.(ya?ml|json)$/.test(e)).sort()) {
    const file = join(dir, entry);
    const bytes = await readFile(file).catch(() => undefined);
    const name = bytes && compile(bytes).workflow?.name;
    if (name && !byName.has(name)) byName.set(name, file);
  }
  return byName;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
