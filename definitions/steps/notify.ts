/** Example notifier: formats the message a chat or PR comment integration would send. */
export async function handler(input: { repository: string; pr_number?: number; error: string }) {
  const where = input.pr_number === undefined ? input.repository : `${input.repository}#${input.pr_number}`;
  return { message: `Baton: a step failed on ${where} with ${input.error}` };
}
