/** The compiler's public face: DSL text in, ASL and located diagnostics out. Pure, no I/O. */
export { compile, graphOf, type CompileResult, type Graph } from './compile.ts';
export { Codes, formatDiagnostic, type Diagnostic } from './diagnostics.ts';
export { renderGraph } from './graph.ts';
export { workflowJsonSchema } from './schema.ts';
export type { Workflow, Step } from './model.ts';
export type { Block, Plan } from './plan.ts';
export { workflowManifest, secretsOf, type WorkflowManifest, type GithubTrigger } from './manifest.ts';
