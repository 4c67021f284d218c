/**
 * The workflows `baton serve` serves: every definition in one folder, compiled
 * as `cdk deploy` compiles them, with the manifest the stack would write.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { compile, formatDiagnostic } from '../../compiler/index.ts';
import { workflowManifest, type WorkflowManifest } from '../../compiler/manifest.ts';
import { UsageError } from '../usage-error.ts';

export interface ServedDefinitions {
  manifests: WorkflowManifest[];
  /** Workflow name → its file. */
  files: Map<string, string>;
  /** Files left out, one line each, with why. */
  skipped: string[];
}

export async function loadDefinitions(dir: string): Promise<ServedDefinitions> {
  let entries: string[];
  try {
    entries = (await readdir(dir)).sort();
  } catch {
    throw new UsageError(`${dir}: no such folder of workflow definitions (pass --definitions DIR)`);
  }
  const manifests: WorkflowManifest[] = [];
  const files = new Map<string, string>();
  const skipped: string[] = [];
  for (const entry of entries) {
    if (!/\.(ya?ml|json)$/.test(entry) || entry.endsWith('.schema.json')) continue;
    const file = resolve(join(dir, entry));
    const result = compile(await readFile(file, 'utf8'));
    const manifest = workflowManifest(result);
    if (!manifest) {
      const first = result.diagnostics.find((d) => d.severity === 'error');
      skipped.push(first ? formatDiagnostic(join(dir, entry), first) : `${join(dir, entry)}: does not compile`);
      continue;
    }
    if (files.has(manifest.name)) {
      skipped.push(`${join(dir, entry)}: workflow ${manifest.name} is already served from ${files.get(manifest.name)}`);
      continue;
    }
    manifests.push(manifest);
    files.set(manifest.name, file);
  }
  return { manifests, files, skipped };
}
