/** Example compatibility check: interfaces named "v1" are frozen and may not change. */
export async function handler(input: { interfaces: string[] }) {
  const breaking = input.interfaces.filter((name) => /v1/.test(name));
  return { compatible: breaking.length === 0, breaking };
}
