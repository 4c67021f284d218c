import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MASK, MIN_BASE64_LENGTH, MIN_EMBEDDED_LENGTH, Redactor } from '../../../functions/runtime/redact.ts';
import { encodedForms, HOSTILE_SECRETS, leaks } from '../../support/hostile-secrets.ts';

function redactorFor(...secrets: string[]): Redactor {
  const redactor = new Redactor();
  for (const secret of secrets) redactor.add(secret);
  return redactor;
}

describe('redact: the forms a secret travels in', () => {
  for (const [name, secret] of Object.entries(HOSTILE_SECRETS)) {
    it(`masks every encoded form of ${name}, inside other text`, () => {
      const redactor = redactorFor(secret);
      const forms = encodedForms(secret);

      const masked = Object.fromEntries(Object.entries(forms).map(([form, text]) => [form, redactor.redactText(`before ${text} after`)]));

      for (const [form, text] of Object.entries(masked)) {
        expect(leaks(text, secret), form).toStrictEqual([]);
        expect(text, form).toContain(MASK);
      }
      expect(masked.raw).toBe(`before ${MASK} after`);
      expect(masked.uri).toBe(`before ${MASK} after`);
      expect(masked.form).toBe(`before ${MASK} after`);
      expect(masked.json).toBe(`before ${MASK} after`);
    });
  }

  it('masks a JSON-escaped secret in whole JSON text, and in JSON nested in a JSON string', () => {
    const secret = 'p"a\\ss\n';
    const redactor = redactorFor(secret);

    const once = redactor.redactText(JSON.stringify({ token: secret }));
    const twice = redactor.redactText(JSON.stringify({ body: JSON.stringify({ token: secret }) }));

    expect(once).toBe(`{"token":"${MASK}"}`);
    expect(twice).toBe(`{"body":"{\\"token\\":\\"${MASK}\\"}"}`);
  });

  it('masks JSON escapes in any case and style: \\u00e9, \\u00E9, \\/ and surrogate pairs', () => {
    const redactor = redactorFor('é/🔑-key');

    expect(redactor.redactText('"\\u00e9\\/\\ud83d\\udd11-key"')).toBe(`"${MASK}"`);
    expect(redactor.redactText('"\\u00E9/\\uD83D\\uDD11-key"')).toBe(`"${MASK}"`);
  });

  it('masks percent-encoding with lowercase hex, encodeURI, and JSON inside a URL', () => {
    const secret = 'a"b c/d';
    const redactor = redactorFor(secret);

    expect(redactor.redactText(`?t=${encodeURIComponent(secret).toLowerCase()}&x=1`)).toBe(`?t=${MASK}&x=1`);
    expect(redactor.redactText(`https://h/${encodeURI(secret)}`)).toBe(`https://h/${MASK}`);
    expect(redactor.redactText(`?q=${encodeURIComponent(JSON.stringify({ t: secret }))}`)).toBe(`?q=%7B%22t%22%3A%22${MASK}%22%7D`);
  });

  it('masks HTML character references (an error page quoting its request)', () => {
    const redactor = redactorFor('<a & "b">');

    expect(redactor.redactText('<p>bad token &lt;a &amp; &quot;b&quot;&gt;</p>')).toBe(`<p>bad token ${MASK}</p>`);
    expect(redactor.redactText('&#60;a &#x26; &#34;b&#34;&#62;')).toBe(MASK);
  });

  it('masks a secret whose own text looks like an escape, as it is and escaped', () => {
    const secret = 'x%41\\u0041y';
    const redactor = redactorFor(secret);

    expect(redactor.redactText(`[${secret}]`)).toBe(`[${MASK}]`);
    expect(redactor.redactText(JSON.stringify([secret]))).toBe(`["${MASK}"]`);
    expect(redactor.redactText(`[${encodeURIComponent(secret)}]`)).toBe(`[${MASK}]`);
  });
});

describe('redact: any value, any surroundings', () => {
  const encoders: Record<string, (text: string) => string> = {
    raw: (text) => text,
    json: (text) => JSON.stringify(text),
    jsonInJson: (text) => JSON.stringify(JSON.stringify(text)),
    uri: encodeURIComponent,
    form: (text) => new URLSearchParams({ v: text }).toString(),
    html: (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;'),
  };
  // Any character but `*`: a secret made of mask characters can seem to appear next to a mask.
  const text = (minLength: number) => fc.string({ unit: 'binary', minLength, maxLength: 12 }).filter((s) => !s.includes('*') && s.isWellFormed());

  it('leaves no encoded form of the secret in the encoded text', () => {
    fc.assert(
      fc.property(text(MIN_EMBEDDED_LENGTH), text(0), text(0), fc.constantFrom(...Object.keys(encoders)), (secret, before, after, name) => {
        const encode = encoders[name];
        const masked = redactorFor(secret).redactText(encode(before + secret + after));

        expect(leaks(masked, secret)).toStrictEqual([]);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('redact: base64', () => {
  const secret = 'ghp_s3cr3t-T0ken/with+chars';

  it('masks HTTP Basic credentials whatever the user name, so at any byte alignment', () => {
    const redactor = redactorFor(secret);

    for (const user of ['', 'u', 'us', 'user', 'x-access-token', 'deploy-bot']) {
      const header = `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
      const masked = redactor.redactText(header);

      expect(masked, user).toContain(MASK);
      expect(leaks(masked, secret), user).toStrictEqual([]);
    }
  });

  it('leaves visible at most the one character at each end that mixes in a neighbour\'s bits', () => {
    const redactor = redactorFor(secret);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }), fc.uint8Array({ maxLength: 12 }), fc.boolean(), (before, after, url) => {
        const bytes = Buffer.concat([before, Buffer.from(secret), after]);
        const encoded = bytes.toString(url ? 'base64url' : 'base64');
        const masked = redactor.redactText(encoded);
        const at = masked.indexOf(MASK);
        const maskedFrom = at;
        const maskedTo = encoded.length - (masked.length - at - MASK.length);
        // The characters holding any of the secret's bits.
        const firstBit = 8 * before.length;
        const lastBit = 8 * (before.length + Buffer.byteLength(secret));
        expect(at).toBeGreaterThanOrEqual(0);
        expect(maskedFrom).toBeLessThanOrEqual(Math.floor(firstBit / 6) + 1);
        expect(maskedTo).toBeGreaterThanOrEqual(Math.ceil(lastBit / 6) - 1);
      }),
    );
  });

  it(`does not mask base64 forms shorter than ${MIN_BASE64_LENGTH} characters`, () => {
    const redactor = redactorFor('abc');

    expect(redactor.redactText(`YWJj and ${Buffer.from('xabc').toString('base64')}`)).toBe('YWJj and eGFiYw==');
  });
});

describe('redact: short secrets and where they stand', () => {
  it(`masks a secret of fewer than ${MIN_EMBEDDED_LENGTH} characters only where no letter or digit touches it`, () => {
    const redactor = redactorFor('ab');

    const masked = ['ab', 'Bearer ab', '"ab"', 'x=ab&y=1', 'about', 'tab', 'ab1', '%61%62 and a%62c'].map((text) => redactor.redactText(text));

    expect(masked).toStrictEqual([MASK, `Bearer ${MASK}`, `"${MASK}"`, `x=${MASK}&y=1`, 'about', 'tab', 'ab1', `${MASK} and a%62c`]);
  });

  it('treats letters of any script and emoji neighbours by the same rule', () => {
    const redactor = redactorFor('🔑');

    expect(redactor.redactText('é🔑 🔑 x🔑')).toBe(`é🔑 ${MASK} x🔑`);
  });

  it(`masks a secret of ${MIN_EMBEDDED_LENGTH} characters or more inside ordinary words too`, () => {
    const redactor = redactorFor('pass');

    expect(redactor.redactText('password: compass')).toBe(`${MASK}word: com${MASK}`);
  });

  it('ignores the empty secret', () => {
    const redactor = redactorFor('');

    expect(redactor.size).toBe(0);
    expect(redactor.redactText('anything')).toBe('anything');
  });
});

describe('redact: multi-line and padded secrets', () => {
  it('masks each line of a multi-line secret on its own, since logs are written a line at a time', () => {
    const key = '-----BEGIN KEY-----\nMIIEvQIBADANBgkq\r\n-----END KEY-----\n';
    const redactor = redactorFor(key);

    expect(redactor.redactText(`got ${key}`)).toBe(`got ${MASK}`);
    expect(redactor.redactText('line: MIIEvQIBADANBgkq')).toBe(`line: ${MASK}`);
  });

  it('masks a secret whose whitespace a one-line message collapsed', () => {
    const redactor = redactorFor('tab\tand  two spaces');

    expect(redactor.redactText('body: tab and two spaces.')).toBe(`body: ${MASK}.`);
  });

  it('masks the trimmed value of a secret read with a trailing newline', () => {
    const redactor = redactorFor('s3cr3t-value\n');

    expect(redactor.redactText('token=s3cr3t-value;')).toBe(`token=${MASK};`);
  });
});

describe('redact: values', () => {
  it('masks strings and keys at any depth, and leaves other values alone', () => {
    const redactor = redactorFor('p"a ss');

    const masked = redactor.redact({ a: [{ 'p"a ss': 'x p"a ss' }, 3, null, true], b: JSON.stringify({ k: 'p"a ss' }) });

    expect(masked).toStrictEqual({ a: [{ [MASK]: `x ${MASK}` }, 3, null, true], b: `{"k":"${MASK}"}` });
  });

  it('masks overlapping secrets as one, and secrets side by side each', () => {
    const redactor = redactorFor('abcdef', 'defghi', 'zzzz');

    expect(redactor.redactText('abcdefghi zzzzzzzz')).toBe(`${MASK} ${MASK}`);
    expect(redactor.redactText('abcdef|zzzz')).toBe(`${MASK}|${MASK}`);
  });
});

describe('redact: cost', () => {
  it('stays linear on text built to make naive matching quadratic', () => {
    const secrets = Array.from({ length: 50 }, (_, i) => `${'a'.repeat(200 + i)}b`);
    const redactor = redactorFor(...secrets);
    const text = `${'a'.repeat(1_000_000)}\\%&+`;

    const started = performance.now();
    const masked = redactor.redactText(text);
    const took = performance.now() - started;

    expect(masked).toBe(text);
    // Generous on a shared machine; a quadratic scan would take minutes.
    expect(took).toBeLessThan(5000);
  });
});
