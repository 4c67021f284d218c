import { createHmac } from 'node:crypto';
import { sign } from '@octokit/webhooks-methods';
import { describe, expect, it } from 'vitest';
import { checkSignature, type WebhookSecretSource } from '../../../functions/github/signature.ts';

const SECRET = "It's a Secret to Everybody";

function secrets(current: string, previous?: string): WebhookSecretSource & { previousReads: number } {
  const source = {
    previousReads: 0,
    current: async () => current,
    previous: async () => {
      source.previousReads++;
      return previous;
    },
  };
  return source;
}

describe('signature: X-Hub-Signature-256', () => {
  it("accepts GitHub's documented test vector", async () => {
    const header = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

    expect(await sign(SECRET, 'Hello, World!')).toBe(header);
    expect(await checkSignature('Hello, World!', header, secrets(SECRET))).toStrictEqual({ ok: true, secret: 'current' });
  });

  it('refuses the test vector with another secret or another body', async () => {
    const header = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

    expect((await checkSignature('Hello, World!', header, secrets('another secret'))).ok).toBe(false);
    expect((await checkSignature('Hello, World?', header, secrets(SECRET))).ok).toBe(false);
  });

  it('accepts the previous secret during a rotation, and reads it only when the current one fails', async () => {
    const source = secrets('new secret', SECRET);

    const current = await checkSignature('{}', await sign('new secret', '{}'), source);
    expect(current).toStrictEqual({ ok: true, secret: 'current' });
    expect(source.previousReads).toBe(0);

    const previous = await checkSignature('{}', await sign(SECRET, '{}'), source);
    expect(previous).toStrictEqual({ ok: true, secret: 'previous' });
    expect(source.previousReads).toBe(1);
  });

  it('says what is wrong, in words, without repeating the secret or the signature', async () => {
    const body = '{"zen":"Design for failure."}';
    const good = await sign(SECRET, body);
    const sha1 = `sha1=${createHmac('sha1', SECRET).update(body).digest('hex')}`;
    const cases: Array<[string | undefined, string | undefined, RegExp]> = [
      [undefined, undefined, /no X-Hub-Signature-256 header/],
      [undefined, sha1, /SHA-1 only/],
      [sha1, undefined, /holds a SHA-1 signature/],
      ['sha256=abc', undefined, /not of the form sha256=<64 lowercase hex digits>/],
      [good.toUpperCase().replace('SHA256', 'sha256'), undefined, /not of the form/],
      [await sign('wrong', body), undefined, /does not match the body/],
    ];
    for (const [header, legacy, message] of cases) {
      const result = await checkSignature(body, header, secrets(SECRET), legacy);
      expect(result.ok).toBe(false);
      const text = (result as { message: string }).message;
      expect(text).toMatch(message);
      expect(text).not.toContain(SECRET);
      if (header) expect(text).not.toContain(header.slice(7, 20));
    }
  });
});
