import { shortHash, type StepContext } from './context.ts';

/**
 * Example deploy steps. They stand in for your real deploy tooling: they compute
 * the names a deploy would create, deterministically, and touch nothing.
 */
export async function handler(input: { repository: string; branch: string; pr_number: number }, ctx: StepContext) {
  const slug = input.branch.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  const environment = `pr-${input.pr_number}-${slug}`;
  return { environment, url: `https://${environment}.preview.example.com`, run: ctx.run_id };
}

export async function teardown(input: { environment: string | null }) {
  return { removed: input.environment ?? 'nothing' };
}

export async function deployProduction(input: { commit: string; services: string[] }) {
  if (!/^[0-9a-f]{7,40}$/.test(input.commit)) throw Object.assign(new Error(`'${input.commit}' is not a commit id`), { name: 'InputInvalid' });
  return { release: `release-${input.commit.slice(0, 7)}-${shortHash(input.services.join(','))}`, services: input.services };
}
