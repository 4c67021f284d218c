import { z } from 'zod';

/**
 * The shape of a workflow file (docs/language.md), as one zod schema. The checker validates
 * with it; `npm run schema` exports the same schema as
 * definitions/workflow.schema.json for editors. Rules that span several keys
 * (exactly one step kind, references between steps) live in compiler/rules/.
 */

const description = (text: string) => ({ description: text });

export const STEP_ID = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
export const WORKFLOW_NAME = /^[a-z][a-z0-9-]{0,63}$/;
export const DURATION = /^([0-9]+)(s|m|h|d)$/;

const Duration = z
  .union([z.number().int().positive(), z.string()])
  .meta(description('A duration: `90s`, `15m`, `2h`, `1d`, or a whole number of seconds.'));

const Template = z.string();

export const RetrySchema = z.union([
  z.number().int().min(1).max(100),
  z.strictObject({
    max_attempts: z.number().int().min(1).max(100).optional().meta(description('Tries in all, the first one included.')),
    interval: Duration.optional(),
    backoff: z.number().min(1).max(10).optional(),
    max_interval: Duration.optional(),
    jitter: z.enum(['full', 'none']).optional(),
    on: z.array(z.string().min(1)).min(1).optional().meta(description('Error names to retry; default: every error but those never retried by default (docs/language.md, "Retries").')),
  }),
]);

const InputSchema = z.strictObject({
  type: z.enum(['string', 'number', 'integer', 'boolean', 'object', 'array']),
  required: z.boolean().optional(),
  default: z.unknown().optional(),
  enum: z.array(z.unknown()).min(1).optional(),
  description: z.string().optional(),
});

const AgentSchema = z.strictObject({
  provider: z.enum(['echo', 'anthropic', 'agentapi']),
  model: z.string().optional().meta(description('anthropic: the model id (required).')),
  api_key: Template.optional().meta(description('anthropic: the API key (required), normally ${{ secrets.X }}.')),
  url: Template.optional().meta(description('agentapi: the server URL (required); may be a secret.')),
  base_url: Template.optional().meta(description('anthropic: the API base URL. Default https://api.anthropic.com.')),
  max_tokens: z.number().int().positive().optional().meta(description('anthropic: the longest answer, in tokens. Default 4096.')),
  system: Template.optional().meta(description('anthropic: the system prompt.')),
  headers: z.record(z.string(), Template).optional().meta(description("agentapi: extra request headers (a proxy's auth); values may be secrets.")),
  description: z.string().optional(),
});

const GithubTriggerSchema = z.strictObject({
  event: z.string().min(1),
  actions: z.array(z.string()).optional(),
  branches: z.array(z.string()).optional(),
  authors: z.array(z.string()).optional(),
  command: z.string().optional(),
  with: z.record(z.string(), z.unknown()).optional(),
});

const HttpSchema = z.strictObject({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']).optional(),
  url: Template,
  headers: z.record(z.string(), Template).optional(),
  body: z.unknown().optional(),
  expect: z.array(z.union([z.number().int().min(100).max(599), z.string().regex(/^[1-5][0-9]{2}-[1-5][0-9]{2}$/)])).min(1).optional(),
});

const OneOrMany = z.union([z.string(), z.array(z.string()).min(1)]);

export const STEP_KINDS = ['agent', 'function', 'http', 'approval', 'workflow', 'wait', 'run'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

export const StepSchema = z.strictObject({
  description: z.string().optional(),
  // kinds: exactly one (compiler/rules/step-kind.ts)
  agent: z.string().optional(),
  function: z.string().optional(),
  http: HttpSchema.optional(),
  approval: z.strictObject({ message: Template.optional(), timeout: Duration.optional() }).optional(),
  workflow: z.string().optional(),
  wait: z.union([Duration, z.strictObject({ until: Template })]).optional(),
  run: z.string().optional(),
  // kind-specific
  prompt: Template.optional(),
  format: z.enum(['text', 'json']).optional(),
  output_schema: z.record(z.string(), z.unknown()).optional(),
  image: z.string().optional(),
  env: z.record(z.string(), Template).optional(),
  // common
  needs: OneOrMany.optional(),
  if: z.union([Template, z.boolean()]).optional(),
  with: z.record(z.string(), z.unknown()).optional(),
  for_each: z.union([Template, z.array(z.unknown())]).optional(),
  max_parallel: z.number().int().min(1).optional(),
  batch_size: z.number().int().min(1).optional(),
  timeout: Duration.optional(),
  retry: RetrySchema.optional(),
  on_failure: z.string().optional(),
  on_timeout: z.string().optional(),
  continue_on_error: z.boolean().optional(),
  compensate: z.string().optional(),
  outputs: z.union([z.array(z.string().min(1)), z.record(z.string(), z.string())]).optional(),
});

export const WorkflowSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().regex(WORKFLOW_NAME, 'a name is lowercase letters, digits and dashes, starting with a letter, at most 64 characters'),
  description: z.string().optional(),
  on: z
    .strictObject({
      github: z.array(GithubTriggerSchema).optional(),
      api: z.boolean().optional(),
      schedule: z.array(z.string()).optional(),
    })
    .optional(),
  inputs: z.record(z.string(), InputSchema).optional(),
  agents: z.record(z.string(), AgentSchema).optional(),
  concurrency: z.strictObject({ group: Template, cancel_in_progress: z.boolean().optional() }).optional(),
  defaults: z.strictObject({ timeout: Duration.optional(), retry: RetrySchema.optional() }).optional(),
  steps: z.record(z.string(), StepSchema),
  outputs: z.record(z.string(), z.unknown()).optional(),
});

export type WorkflowDoc = z.infer<typeof WorkflowSchema>;
export type StepDoc = z.infer<typeof StepSchema>;
export type RetryDoc = z.infer<typeof RetrySchema>;
export type InputDoc = z.infer<typeof InputSchema>;
export type AgentDoc = z.infer<typeof AgentSchema>;

/** The JSON Schema editors use (yaml-language-server, VS Code). */
export function workflowJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(WorkflowSchema, { target: 'draft-7', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, title: 'Baton workflow', $id: 'https://baton.dev/workflow.schema.json' };
}
