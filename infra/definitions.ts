/**
 * The workflows a deployment ships: every `*.yaml` / `*.yml` of the
 * definitions folder, compiled at synth time. A definition with an error stops
 * the synth with every diagnostic, located, as `baton validate` prints them: a
 * broken workflow never reaches AWS.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { compile, formatDiagnostic, workflowManifest, type WorkflowManifest } from '../compiler/index.ts';
import { secretsOf } from '../compiler/manifest.ts';
import { taskTarget, type LambdaRole } from '../compiler/contract/index.ts';

export interface CompiledWorkflow {
  /** Absolute path of the definition file. */
  file: string;
  name: string;
  asl: Record<string, unknown>;
  manifest: WorkflowManifest;
  /** Placeholder key → absolute path of the user function file it runs (function roles only). */
  functionFiles: Record<string, string>;
  /** Placeholder key → the secret names the Task states calling it mention. */
  secretsByLambda: Record<string, string[]>;
}

/** Compiles every definition of `folder`; throws once with all problems of all files. */
export function loadDefinitions(folder: string, root = process.cwd()): CompiledWorkflow[] {
  const dir = resolve(root, folder);
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => /\.ya?ml$/.test(name)).sort();
  } catch {
    throw new Error(`Baton: the definitions folder ${dir} cannot be read`);
  }
  const problems: string[] = [];
  const workflows: CompiledWorkflow[] = [];
  for (const name of names) {
    const file = join(dir, name);
    const shown = shownPath(root, file);
    const result = compile(readFileSync(file, 'utf8'));
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    const manifest = workflowManifest(result);
    if (errors.length > 0 || !manifest || !result.asl) {
      problems.push(...(errors.length > 0 ? errors.map((d) => formatDiagnostic(shown, d)) : [`${shown}: did not compile`]));
      continue;
    }
    workflows.push({
      file,
      name: manifest.name,
      asl: result.asl,
      manifest,
      functionFiles: functionFilesOf(manifest.lambdas, dirname(file)),
      secretsByLambda: secretsByLambda(result.asl, manifest),
    });
  }
  if (names.length === 0) problems.push(`${dir}: no *.yaml definitions`);

  const seen = new Map<string, string>();
  for (const workflow of workflows) {
    const other = seen.get(workflow.name);
    if (other) problems.push(`${shownPath(root, workflow.file)}: workflow name '${workflow.name}' is also the name in ${shownPath(root, other)}; each state machine needs its own`);
    seen.set(workflow.name, workflow.file);
  }
  for (const workflow of workflows) {
    for (const child of Object.values(workflow.manifest.workflows)) {
      if (!seen.has(child)) problems.push(`${shownPath(root, workflow.file)}: runs workflow '${child}', which no definition in ${folder}/ declares`);
    }
  }
  if (problems.length > 0) throw new Error(`Baton: the definitions do not compile\n  ${problems.join('\n  ')}`);
  return workflows;
}

/** A path as the user knows it: relative to the project when inside it. */
function shownPath(root: string, file: string): string {
  return file.startsWith(root + sep) ? relative(root, file) : file;
}

function functionFilesOf(lambdas: Record<string, LambdaRole>, dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [key, role] of Object.entries(lambdas)) if (role.kind === 'function') files[key] = resolve(dir, role.file);
  return files;
}

/**
 * Which secrets each Lambda of a definition may read: the names mentioned by
 * the Task states that call it. A name the walk cannot place (a template the
 * compiler put somewhere else) goes to every Lambda of the workflow, so a
 * deployed step never lacks a secret it names.
 */
export function secretsByLambda(asl: Record<string, unknown>, manifest: WorkflowManifest): Record<string, string[]> {
  const byKey = new Map<string, Set<string>>(Object.keys(manifest.lambdas).map((key) => [key, new Set<string>()]));
  const placed = new Set<string>();
  const visit = (states: unknown) => {
    for (const state of Object.values((states ?? {}) as Record<string, Record<string, any>>)) {
      if (state.Type === 'Task') {
        const target = taskTarget(state);
        const names = byKey.get(target?.key ?? '');
        if (names) for (const secret of secretsOf(state.Parameters ?? {})) (names.add(secret), placed.add(secret));
      }
      for (const branch of state.Branches ?? []) visit(branch.States);
      if (state.ItemProcessor) visit(state.ItemProcessor.States);
      if (state.Iterator) visit(state.Iterator.States);
    }
  };
  visit(asl.States);
  const unplaced = manifest.secrets.filter((secret) => !placed.has(secret));
  const out: Record<string, string[]> = {};
  for (const [key, names] of byKey) out[key] = [...new Set([...names, ...unplaced])].sort();
  return out;
}
