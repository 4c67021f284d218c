import { appendFileSync } from 'node:fs';

/**
 * Sleeps `sleep_ms`, and appends when it ran to the file `log`, one JSON line:
 * the step's own start and end, as the benchmark measures hops between them.
 */
export async function handler(input: { sleep_ms: number; log: string }, ctx: { step: string }) {
  const start = Date.now();
  await new Promise((resolve) => setTimeout(resolve, input.sleep_ms));
  const end = Date.now();
  appendFileSync(input.log, JSON.stringify({ step: ctx.step, start, end }) + '\n');
  return { slept: input.sleep_ms };
}
