/**
 * Secret values chosen to break naive masking, and the forms a secret takes when a
 * server or a careless step encodes it. The secrets tests check that none of these
 * forms of any value survives anywhere Baton writes.
 */

/** Each named after what it tries to break. Every one is long enough (≥ 5 bytes) to be masked in every form. */
export const HOSTILE_SECRETS: Record<string, string> = {
  QUOTES: `q"uo'te"d`,
  BACKSLASHES: 'back\\sl\\ash\\n\\u0041',
  AMPERSAND: 'a&b=c&d',
  PERCENT: '100%25off%',
  PLUS_SPACE: 'plus+and space',
  UNICODE: 'ünïcødé-秘密',
  EMOJI: '🔑emoji🚀key',
  NEWLINE: 'first line\nsecond',
  WORDS: 'other',
  EVERYTHING: `k"\\&%+ é🔑\n</z>`,
};

/** Secret values that can travel in an HTTP header (no line break, no character above U+00FF). */
export function headerSafe(value: string): boolean {
  return !/[\r\n]/.test(value) && [...value].every((c) => c.codePointAt(0)! <= 0x7e && c.codePointAt(0)! >= 0x20);
}

/** The forms a secret takes in transit, each as its encoder writes it. */
export function encodedForms(secret: string): Record<string, string> {
  const json = JSON.stringify(secret).slice(1, -1);
  return {
    raw: secret,
    json,
    jsonAscii: json.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    jsonAsciiUpper: json.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`),
    jsonInJson: JSON.stringify(JSON.stringify(secret)).slice(3, -3),
    uri: encodeURIComponent(secret),
    uriLower: encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    form: new URLSearchParams({ v: secret }).toString().slice(2),
    html: secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;'),
    base64: Buffer.from(secret).toString('base64'),
    base64url: Buffer.from(secret).toString('base64url'),
    basicUser: Buffer.from(`user:${secret}`).toString('base64'),
    basicToken: Buffer.from(`x-access-token:${secret}`).toString('base64'),
    basicLong: Buffer.from(`deploy-bot:${secret}`).toString('base64'),
  };
}

/** `"name: form"` for each form of `secret` found in `text`; [] when none leaked. */
export function leaks(text: string, secret: string): string[] {
  return Object.entries(encodedForms(secret))
    .filter(([, form]) => text.includes(form))
    .map(([name, form]) => {
      const at = text.indexOf(form);
      return `${name}: ${JSON.stringify(text.slice(Math.max(0, at - 20), at + form.length + 20))}`;
    });
}

/**
 * Every string a stored value holds, at every depth: attribute values, binary parts
 * as UTF-8, and, for a string that is JSON text (user values are stored as JSON),
 * the keys and strings inside it, so a value with quotes is checked as it is, not as
 * an escaped copy that would hide it from a plain `includes`.
 */
export function allStrings(value: unknown, out: string[] = []): string[] {
  if (value instanceof Uint8Array) return allStrings(Buffer.from(value).toString('utf8'), out);
  if (typeof value === 'string') {
    out.push(value);
    try {
      const parsed: unknown = JSON.parse(value);
      if (typeof parsed === 'object' && parsed !== null) allStrings(parsed, out);
      else if (typeof parsed === 'string' && parsed !== value) allStrings(parsed, out);
    } catch {
      // not JSON text
    }
    return out;
  }
  if (Array.isArray(value)) for (const element of value) allStrings(element, out);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, element] of Object.entries(value)) {
      out.push(key);
      allStrings(element, out);
    }
  }
  return out;
}
