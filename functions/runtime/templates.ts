/**
 * Assembles the contract's templates (compiler/contract/payloads.ts,
 * `TemplateValue`) inside the Lambda that uses them, and only at the paths the
 * event lists in `templates`: a value that merely looks like a template (a
 * user's data, a webhook payload) is never expanded, since only the compiler,
 * which saw the YAML, says where templates are.
 *
 * Text and arguments are joined byte for byte (strings as they are, anything else
 * as JSON, as `States.Format` would). A secret is read at this moment and
 * registered with the redactor. A template that is one argument alone is that
 * argument's value, with its JSON type. In a URL (`as: 'url'`) each argument and
 * secret is percent-encoded for its place: a path keeps its `/`, a query value or
 * fragment is encoded whole; a value that starts the URL is left as it is.
 */
import { TEMPLATE_KEY, TemplateValue, type PayloadPath } from '../../compiler/contract/index.ts';
import { formatValue } from '../../compiler/expr/index.ts';
import type { Redactor } from './redact.ts';
import type { SecretResolver } from './secrets.ts';

export function isTemplate(value: unknown): value is TemplateValue {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Array.isArray((value as Record<string, unknown>)[TEMPLATE_KEY]);
}

export async function renderTemplate(template: TemplateValue, secrets: SecretResolver, redactor: Redactor): Promise<unknown> {
  const parts = template[TEMPLATE_KEY];
  const args = template.args ?? {};
  if (parts.length === 1 && 'arg' in parts[0]) return args[String(parts[0].arg)] ?? null;
  let out = '';
  for (const part of parts) {
    if ('text' in part) {
      out += part.text;
      continue;
    }
    let text: string;
    if ('secret' in part) {
      text = await secrets.get(part.secret);
      redactor.add(text);
    } else {
      text = formatValue(args[String(part.arg)] ?? null);
    }
    out += template.as === 'url' ? encodeForPlace(out, text) : text;
  }
  return out;
}

/** A value placed after `prefix` in a URL: encoded as its place needs. */
function encodeForPlace(prefix: string, value: string): string {
  if (prefix === '') return value;
  if (prefix.includes('#') || prefix.includes('?')) return encodeURIComponent(value);
  const authorityEnd = prefix.indexOf('/', prefix.indexOf('//') >= 0 ? prefix.indexOf('//') + 2 : 0);
  // Still in `scheme://host:port`: a host is left as it is, but it cannot start a path, query or fragment.
  if (authorityEnd < 0) return value.replace(/[/?#@\s]/g, (c) => encodeURIComponent(c));
  return encodeURIComponent(value).replace(/%2F/gi, '/');
}

/**
 * A copy of `root` where each listed path that holds a template holds what it
 * renders to. A path that does not lead to a template is left alone.
 */
export async function resolveTemplates<T>(root: T, paths: ReadonlyArray<PayloadPath> | undefined, secrets: SecretResolver, redactor: Redactor): Promise<T> {
  if (!paths || paths.length === 0) return root;
  const copy = structuredClone(root);
  // Deepest first: a template inside a list whose element is a template itself stays right.
  const ordered = [...paths].sort((a, b) => b.length - a.length);
  for (const path of ordered) {
    if (path.length === 0) continue;
    let parent: unknown = copy;
    for (const segment of path.slice(0, -1)) {
      parent = typeof parent === 'object' && parent !== null ? (parent as Record<string | number, unknown>)[segment] : undefined;
    }
    if (typeof parent !== 'object' || parent === null) continue;
    const last = path[path.length - 1];
    const holder = parent as Record<string | number, unknown>;
    const value = holder[last];
    if (!isTemplate(value)) continue;
    const parsed = TemplateValue.safeParse(value);
    if (parsed.success) holder[last] = await renderTemplate(parsed.data, secrets, redactor);
  }
  return copy;
}
