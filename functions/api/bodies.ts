/**
 * The request bodies and query strings the API accepts, as zod schemas. Unknown
 * keys in a body are refused, so a typo (`input` for `inputs`) is a 400, not a
 * run started without its inputs. Every problem is listed, one per line.
 */
import { z } from 'zod';
import { ApiError } from './responses.ts';

export const StartBody = z.strictObject({
  inputs: z.record(z.string(), z.unknown()).optional(),
  run_id: z.string().optional(),
});

export const DecisionBody = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  comment: z.string().max(10_000).optional(),
});

/** Control requests take no body; an empty object is allowed. */
export const EmptyBody = z.strictObject({});

export const RunsQuery = z.object({
  workflow: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).optional(),
});

/** The body as JSON (`{}` when empty), or a 400 saying it is not JSON. */
export async function readJson(req: Request): Promise<unknown> {
  const text = await req.text();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError(400, 'BadRequest', `the body is not JSON: ${(error as Error).message}`, [`body: not JSON (${(error as Error).message})`]);
  }
}

/** `path: message` for every issue; the body itself is `body`. */
export function zodProblems(error: z.ZodError, root = 'body'): string[] {
  return error.issues.map((issue) => `${[root, ...issue.path.map(String)].join('.')}: ${issue.message}`);
}

/** Parses `value` with `schema`, or answers 400 with every problem. */
export function parseOr400<T extends z.ZodType>(schema: T, value: unknown, root = 'body'): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = zodProblems(parsed.error, root);
  throw new ApiError(400, 'BadRequest', `the request is wrong: ${problems.join('; ')}`, problems);
}
