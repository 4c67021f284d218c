import { shortHash } from './context.ts';

/** Example release steps: names and records, no real infrastructure. */
export async function build(input: { version: string }) {
  if (!/^\d+\.\d+\.\d+$/.test(input.version)) {
    throw Object.assign(new Error(`version '${input.version}' is not MAJOR.MINOR.PATCH`), { name: 'InputInvalid' });
  }
  return { artifact: `app-${input.version}-${shortHash(input.version)}.tgz` };
}

export async function deploy(input: { artifact: string; region: string }) {
  if (input.region.startsWith('broken-')) throw Object.assign(new Error(`region ${input.region} refused the deploy`), { name: 'DeployFailed' });
  return { region: input.region, artifact: input.artifact, endpoint: `https://${input.region}.example.com` };
}

export async function smokeTest(input: { regions: string[]; deployed: Array<{ region: string }> }) {
  const missing = input.regions.filter((r) => !input.deployed.some((d) => d.region === r));
  if (missing.length > 0) throw Object.assign(new Error(`no deploy answers in ${missing.join(', ')}`), { name: 'SmokeTestFailed' });
  return { healthy: input.regions };
}

export async function rollback(input: { artifact: string | null; regions: string[] }) {
  return { rolled_back: input.regions, from: input.artifact };
}
