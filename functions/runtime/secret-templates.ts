/**
 * Turns the compiler's `SecretTemplate`s (contract.ts) back into strings, inside the
 * step, and only at the paths the invocation lists in `secrets`.
 *
 * Resolving only listed paths means a value that merely looks like a template (a
 * user's data, a webhook payload) is never expanded into a secret: the compiler,
 * which saw the YAML, is the only one that says where secrets go.
 */

import type { SecretTemplate } from './contract.ts';
import type { Redactor } from './redact.ts';
import type { SecretResolver } from './secrets.ts';

export function isSecretTemplate(value: unknown): value is SecretTemplate {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Array.isArray((value as Record<string, unknown>)['baton:secret'])
  );
}

/** Joins a template's parts; every secret value read is registered with the redactor. */
export async function renderSecretTemplate(
  template: SecretTemplate,
  secrets: SecretResolver,
  redactor: Redactor,
): Promise<string> {
  let out = '';
  for (const part of template['baton:secret']) {
    if (typeof part === 'string') {
      out += part;
    } else if ('secret' in part) {
      const value = await secrets.get(part.secret);
      redactor.add(value);
      out += value;
    } else {
      const arg = template.args?.[part.arg];
      // Like States.Format: strings as they are, anything else as JSON.
      out += typeof arg === 'string' ? arg : arg === undefined ? '' : JSON.stringify(arg);
    }
  }
  return out;
}

/**
 * A copy of `root` where each listed path that holds a template holds its rendered
 * string. A path that does not lead to a template is left alone.
 */
export async function resolveSecretPaths<T>(
  root: T,
  paths: ReadonlyArray<ReadonlyArray<string | number>> | undefined,
  secrets: SecretResolver,
  redactor: Redactor,
): Promise<T> {
  if (!paths || paths.length === 0) return root;
  const copy = structuredClone(root);
  for (const path of paths) {
    if (path.length === 0) continue;
    let parent: unknown = copy;
    for (const segment of path.slice(0, -1)) {
      parent = typeof parent === 'object' && parent !== null ? (parent as Record<string | number, unknown>)[segment] : undefined;
    }
    if (typeof parent !== 'object' || parent === null) continue;
    const last = path[path.length - 1];
    const holder = parent as Record<string | number, unknown>;
    const value = holder[last];
    if (isSecretTemplate(value)) holder[last] = await renderSecretTemplate(value, secrets, redactor);
  }
  return copy;
}
