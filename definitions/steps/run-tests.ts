import { shortHash, type StepContext } from './context.ts';

/**
 * Example test runner: derives a deterministic test count for the task. A task
 * whose name contains "fails" fails, so a workflow's failure paths can be tried.
 */
export async function handler(input: { task: string; url: string }, ctx: StepContext) {
  if (/fails/i.test(input.task)) {
    throw Object.assign(new Error(`tests for '${input.task}' failed against ${input.url}`), { name: 'TestsFailed' });
  }
  const passed = 3 + (parseInt(shortHash(input.task), 16) % 20);
  return { task: input.task, passed, failed: 0, attempt: ctx.attempt };
}
