/** Placeholder so the stack can bundle the schedule Lambda; the branch that builds the schedule handler replaces this file. */
export async function handler(): Promise<never> {
  throw new Error('the schedule Lambda is not built yet');
}
