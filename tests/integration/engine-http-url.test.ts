import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvSecrets } from '../../functions/runtime/secrets.ts';
import { sendJson, startHttpServer, type TestServer } from '../support/http-server.ts';
import { startHarness, type Harness } from '../support/engine-harness.ts';

/**
 * A value interpolated into an `http.url` is percent-encoded for its place in the
 * URL: a query value or a fragment whole, a path segment keeping its `/`, while
 * a value that is the whole URL (or starts it) is used as written.
 */

const SECRET = 'a&b=c d+e%f/g?h#i';
let h: Harness;
let server: TestServer;
beforeAll(async () => {
  h = await startHarness({ secrets: new EnvSecrets({ T: SECRET, BASE: '' }) });
  server = await startHttpServer((_req, res) => sendJson(res, 200, { ok: true }));
});
afterAll(async () => {
  await server.close();
  await h.close();
});

describe('engine: http urls', () => {
  it('encodes a secret and an input for their places: query values whole, path segments keeping /', async () => {
    const file = h.write('http-url', `name: http-url
inputs:
  repo: { type: string }
  q: { type: string }
steps:
  call:
    http:
      url: "${server.url}/repos/\${{ inputs.repo }}/search?token=\${{ secrets.T }}&q=\${{ inputs.q }}#\${{ inputs.q }}"
`);
    const result = await h.run(file, { repo: 'acme/wid gets', q: 'x&y=z' });
    expect(result.status).toBe('succeeded');
    const url = new URL(server.requests.at(-1)!.url, server.url);
    expect(url.pathname).toBe('/repos/acme/wid%20gets/search');
    expect(url.searchParams.get('token')).toBe(SECRET);
    expect(url.searchParams.get('q')).toBe('x&y=z');
    expect([...url.searchParams.keys()]).toEqual(['token', 'q']);
    // The secret never reaches the store in any form.
    expect(JSON.stringify(result)).not.toContain('a&b=c');
  });

  it('uses a whole-URL value as written', async () => {
    const file = h.write('http-whole-url', `name: http-whole-url
inputs:
  url: { type: string }
steps:
  call:
    http: { url: "\${{ inputs.url }}" }
`);
    const result = await h.run(file, { url: `${server.url}/a?b=c&d=e` });
    expect(result.status).toBe('succeeded');
    expect(server.requests.at(-1)!.url).toBe('/a?b=c&d=e');
  });
});
