/** Placeholder so the stack can bundle the api Lambda; the branch that builds the api handler replaces this file. */
export async function handler(): Promise<never> {
  throw new Error('the api Lambda is not built yet');
}
