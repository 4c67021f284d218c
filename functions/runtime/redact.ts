/**
 * Masks resolved secret values, the way GitHub Actions masks secrets in logs.
 *
 * A secret is resolved inside the step, at the moment of use; after that, whatever
 * the step produces (its result, its outputs, an error message, a log line) may
 * contain it: an API echoing a header, a handler returning its config, a URL in an
 * error. Every value the runtime stores, returns, throws or logs passes through
 * `redact` first, so a secret never lands in DynamoDB or the execution history.
 */

export const MASK = '***';

export class Redactor {
  private readonly secrets = new Set<string>();
  private patterns: string[] = [];

  /**
   * Registers a value to mask, with the forms it takes when embedded elsewhere: JSON
   * string escaping (a body that quotes it) and URL encoding (a query string).
   * Empty values are ignored: masking "" would mask everything.
   */
  add(secret: string): void {
    if (secret.length === 0 || this.secrets.has(secret)) return;
    this.secrets.add(secret);
    const forms = new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]);
    this.patterns = [...new Set([...this.patterns, ...forms])].filter((form) => form.length > 0);
    // Longest first, so a secret that contains another is masked whole.
    this.patterns.sort((a, b) => b.length - a.length);
  }

  get size(): number {
    return this.secrets.size;
  }

  redactText(text: string): string {
    let out = text;
    for (const pattern of this.patterns) out = out.split(pattern).join(MASK);
    return out;
  }

  /** A copy of a JSON-like value with every string (and object key) masked. */
  redact<T>(value: T): T {
    if (this.patterns.length === 0) return value;
    return this.walk(value) as T;
  }

  private walk(node: unknown): unknown {
    if (typeof node === 'string') return this.redactText(node);
    if (Array.isArray(node)) return node.map((element) => this.walk(element));
    if (typeof node === 'object' && node !== null) {
      return Object.fromEntries(Object.entries(node).map(([key, value]) => [this.redactText(key), this.walk(value)]));
    }
    return node;
  }
}
