/** A hotfix comes from a hotfix/* branch and names a commit. */
export async function handler(input: { ref: string; commit: string }) {
  const branch = input.ref.replace(/^refs\/heads\//, '');
  if (!branch.startsWith('hotfix/')) {
    throw Object.assign(new Error(`'${branch}' is not a hotfix branch (hotfix/*)`), { name: 'InputInvalid' });
  }
  if (!/^[0-9a-f]{7,40}$/.test(input.commit)) {
    throw Object.assign(new Error(`'${input.commit}' is not a commit id`), { name: 'InputInvalid' });
  }
  return { branch, commit: input.commit };
}
