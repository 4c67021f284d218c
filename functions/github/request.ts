/**
 * A webhook request as the core sees it, whoever received it (API Gateway, the
 * local `baton serve`): headers by name in any case, and the body exactly as
 * it came. HTTP header names are case-insensitive, and a security header sent
 * twice is refused rather than guessed at.
 */

export interface WebhookRequest {
  /** Header names in any case; a header sent several times as an array. */
  headers: Record<string, string | string[] | undefined>;
  /** The raw body: bytes, or text when the receiver already has it as text. */
  body: Uint8Array | string;
}

/** Headers by lower-case name, each with every value it was sent with. */
export class HeaderMap {
  private readonly values = new Map<string, string[]>();

  constructor(raw: WebhookRequest['headers']) {
    for (const [name, value] of Object.entries(raw)) {
      if (value === undefined) continue;
      const key = name.toLowerCase();
      this.values.set(key, [...(this.values.get(key) ?? []), ...(Array.isArray(value) ? value : [value])]);
    }
  }

  /** The header's one value; undefined when absent; `duplicate` when it came more than once. */
  one(name: string): string | undefined | { duplicate: true } {
    const values = this.values.get(name.toLowerCase());
    if (!values || values.length === 0) return undefined;
    return values.length === 1 ? values[0] : { duplicate: true };
  }
}

/** The body's size in bytes. */
export function byteLength(body: WebhookRequest['body']): number {
  return typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.byteLength;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The body as text, byte for byte: a byte order mark is kept and bytes that are
 * not UTF-8 are refused (undefined), since the signature covers the bytes and
 * the text must be exactly what was signed.
 */
export function bodyText(body: WebhookRequest['body']): string | undefined {
  if (typeof body === 'string') return body;
  try {
    return UTF8.decode(body);
  } catch {
    return undefined;
  }
}

/** The media type of a `Content-Type` value, lower case, without parameters. */
export function mediaType(contentType: string): string {
  return contentType.split(';')[0].trim().toLowerCase();
}
