import { createHmac } from 'node:crypto';

/** One forged delivery: what was changed, the body's bytes, and its signature headers. */
export interface Forgery {
  kind: string;
  body: Buffer;
  headers: Record<string, string | string[]>;
}

/** A small seeded generator (mulberry32): the same corpus on every run. */
export function seeded(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)] };
}

export function hmac256(secret: string | Buffer, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

const EMOJI = ['🚀', '👍🏽', '🏳️‍🌈', '🧑‍💻', '\u{1F600}', '👨‍👩‍👧‍👦', 'é', 'e\u0301', '\u200d', '\uFEFF'];

/**
 * Deliveries an attacker could send, each refused by a correct check: signed
 * with a wrong secret, the right signature cut short, SHA-1 instead of SHA-256,
 * no signature, the hex with a letter's case changed, the body changed by one
 * byte, the JSON re-serialised, emoji bodies signed over other bytes, the
 * signature of another body, a signature header sent twice, and more.
 * `bodies` are genuine JSON bodies; every forgery is built from one.
 */
export function forgedDeliveries(secret: string, bodies: string[], count: number, seed = 9): Forgery[] {
  const random = seeded(seed);
  const forgeries: Forgery[] = [];
  const makers: Array<(body: Buffer, text: string) => Forgery | undefined> = [
    (body) => ({ kind: 'wrong secret', body, headers: { 'x-hub-signature-256': hmac256(random.pick([`${secret} `, secret.toUpperCase(), secret.slice(1), 'secret', `${secret}\n`, 'It’s a Secret to Everybody']), body) } }),
    (body) => ({ kind: 'truncated signature', body, headers: { 'x-hub-signature-256': hmac256(secret, body).slice(0, 7 + random.int(64)) } }),
    (body) => ({ kind: 'sha1 signature', body, headers: { 'x-hub-signature-256': `sha1=${createHmac('sha1', secret).update(body).digest('hex')}` } }),
    (body) => ({ kind: 'sha1 header only', body, headers: { 'x-hub-signature': `sha1=${createHmac('sha1', secret).update(body).digest('hex')}` } }),
    (body) => ({ kind: 'missing signature', body, headers: {} }),
    (body) => {
      const good = hmac256(secret, body);
      const letters = [...good.matchAll(/[a-f]/g)].map((m) => m.index!).filter((i) => i >= 7);
      if (letters.length === 0) return undefined;
      const at = random.pick(letters);
      return { kind: 'hex case changed', body, headers: { 'x-hub-signature-256': good.slice(0, at) + good[at].toUpperCase() + good.slice(at + 1) } };
    },
    (body) => {
      const changed = Buffer.from(body);
      const at = random.int(changed.length);
      changed[at] = changed[at] ^ (1 << random.int(8));
      return { kind: 'body changed by one byte', body: changed, headers: { 'x-hub-signature-256': hmac256(secret, body) } };
    },
    (body, text) => {
      const reserialised = Buffer.from(JSON.stringify(JSON.parse(text), null, random.pick([1, 2, '\t'])));
      return { kind: 'JSON re-serialised', body: reserialised, headers: { 'x-hub-signature-256': hmac256(secret, body) } };
    },
    (body, text) => {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      const reordered = Buffer.from(JSON.stringify(Object.fromEntries(Object.entries(parsed).reverse())));
      if (reordered.equals(body)) return undefined;
      return { kind: 'JSON keys reordered', body: reordered, headers: { 'x-hub-signature-256': hmac256(secret, body) } };
    },
    () => {
      const emoji = random.pick(EMOJI);
      const signedText = JSON.stringify({ comment: { body: `ship it ${emoji}` } });
      const sentText = signedText.normalize(random.pick(['NFC', 'NFD', 'NFKC', 'NFKD'] as const));
      const asLatin1 = Buffer.from(signedText, 'latin1');
      // Signed over other bytes than the ones sent: another normalisation, UTF-16, Latin-1.
      const signedOver = sentText !== signedText ? Buffer.from(signedText) : random.pick([Buffer.from(signedText, 'utf16le'), asLatin1]);
      return { kind: 'emoji body signed over other bytes', body: Buffer.from(sentText), headers: { 'x-hub-signature-256': hmac256(secret, signedOver) } };
    },
    () => {
      const text = JSON.stringify({ action: 'created', comment: { body: random.pick(EMOJI).repeat(1 + random.int(40)) } });
      return { kind: 'emoji body, wrong secret', body: Buffer.from(text), headers: { 'x-hub-signature-256': hmac256(`${secret}${random.pick(EMOJI)}`, text) } };
    },
    (body) => {
      const other = Buffer.from(random.pick(bodies));
      if (other.equals(body)) return undefined;
      return { kind: "another body's signature", body, headers: { 'x-hub-signature-256': hmac256(secret, other) } };
    },
    (body) => ({ kind: 'signature sent twice', body, headers: { 'x-hub-signature-256': [hmac256('wrong', body), hmac256(secret, body)] } }),
    (body) => ({ kind: 'prefix changed', body, headers: { 'x-hub-signature-256': hmac256(secret, body).replace('sha256=', random.pick(['SHA256=', 'sha256:', 'sha-256=', '', ' sha256=', 'sha512='])) } }),
    (body) => ({ kind: 'extra characters', body, headers: { 'x-hub-signature-256': random.pick([`${hmac256(secret, body)}0`, `${hmac256(secret, body)} `, `${hmac256(secret, body)},sha256=00`]) } }),
    (body) => ({ kind: 'signed with the secret as hex', body, headers: { 'x-hub-signature-256': hmac256(Buffer.from(secret).toString('hex'), body) } }),
    (body) => ({ kind: 'hmac of the secret keyed by the body', body, headers: { 'x-hub-signature-256': hmac256(body, secret) } }),
    (body) => ({ kind: 'byte order mark added', body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]), headers: { 'x-hub-signature-256': hmac256(secret, body) } }),
    (body) => ({ kind: 'body cut short', body: body.subarray(0, Math.max(1, random.int(body.length))), headers: { 'x-hub-signature-256': hmac256(secret, body) } }),
    (body) => ({ kind: 'invalid UTF-8 byte', body: Buffer.concat([body.subarray(0, body.length - 1), Buffer.from([0xff]), body.subarray(body.length - 1)]), headers: { 'x-hub-signature-256': hmac256(secret, body) } }),
    (body) => ({ kind: 'zero signature', body, headers: { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` } }),
  ];
  let round = 0;
  while (forgeries.length < count) {
    const text = bodies[round % bodies.length];
    const forged = makers[round % makers.length](Buffer.from(text), text);
    if (forged) forgeries.push(forged);
    round++;
  }
  return forgeries;
}
