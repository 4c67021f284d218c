/** Placeholder so the stack can bundle the events Lambda; the branch that builds the events handler replaces this file. */
export async function handler(): Promise<never> {
  throw new Error('the events Lambda is not built yet');
}
