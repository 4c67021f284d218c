/**
 * The workflows a starter may start: their manifests (compiler/manifest.ts),
 * by name. On AWS the stack writes them to a JSON file bundled next to each
 * Lambda that starts runs (`{ "workflows": [...] }`); `baton serve` compiles
 * them from its definitions folder.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { InputSpec } from '../../../compiler/contract/index.ts';
import type { WorkflowManifest } from '../../../compiler/manifest.ts';
import { WorkflowNotFoundError } from './errors.ts';

export type { WorkflowManifest };

const ManifestSchema = z.looseObject({
  name: z.string().min(1),
  description: z.string().optional(),
  inputs: z.record(z.string(), InputSpec).default({}),
  steps: z.array(z.string()).default([]),
  concurrency: z.object({ group: z.string(), cancel_in_progress: z.boolean() }).optional(),
  api: z.boolean().default(true),
  schedules: z.array(z.string()).default([]),
  github: z.array(z.unknown()).default([]),
  lambdas: z.record(z.string(), z.unknown()).default({}),
  workflows: z.record(z.string(), z.string()).default({}),
  secrets: z.array(z.string()).default([]),
});

const ManifestFile = z.object({ workflows: z.array(ManifestSchema) });

export class WorkflowCatalog {
  private readonly byName: Map<string, WorkflowManifest>;

  constructor(workflows: WorkflowManifest[]) {
    this.byName = new Map(workflows.map((w) => [w.name, w]));
  }

  /** Reads the manifest file the stack bundles; a bad file is a deploy bug, said in one line. */
  static fromFile(path: string): WorkflowCatalog {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new Error(`Baton manifest ${path}: ${(error as Error).message}`);
    }
    const parsed = ManifestFile.safeParse(json);
    if (!parsed.success) throw new Error(`Baton manifest ${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return new WorkflowCatalog(parsed.data.workflows as WorkflowManifest[]);
  }

  find(name: string): WorkflowManifest | undefined {
    return this.byName.get(name);
  }

  /** The manifest of `name`; `WorkflowNotFoundError` if none is deployed. */
  get(name: string): WorkflowManifest {
    const found = this.byName.get(name);
    if (!found) throw new WorkflowNotFoundError(name);
    return found;
  }

  list(): WorkflowManifest[] {
    return [...this.byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}
