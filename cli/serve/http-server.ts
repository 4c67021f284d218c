/**
 * Node's HTTP server in front of Lambda handlers: each request becomes an API
 * Gateway REST proxy event (proxy-event.ts), the handler's proxy result becomes
 * the response. Requests over API Gateway's 10 MB are refused as it would.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { userInfo } from 'node:os';
import type { ProxyHandler } from '../../functions/api/proxy.ts';
import { fromProxyResult, toProxyEvent } from './proxy-event.ts';

const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** A handler for the paths that start with `prefix`, tried in order; the last one usually takes `/`. */
export interface Mount {
  prefix: string;
  handler: ProxyHandler;
  /** The body as its exact bytes (base64, `isBase64Encoded`), as API Gateway sends a binary media type: a signature is over bytes. */
  binary?: boolean;
}

export function proxyServer(mounts: Mount[], options: { onError?: (error: Error) => void } = {}): Server {
  const user = safeUser();
  return createServer((req, res) => {
    void answer(req, res).catch((error: Error) => {
      options.onError?.(error);
      if (!res.headersSent) send(res, 500, { error: 'InternalError', message: 'baton serve could not answer; its output says why' });
      else res.destroy();
    });
  });

  async function answer(req: IncomingMessage, res: ServerResponse) {
    const bytes = await readBody(req);
    if (bytes === undefined) return send(res, 413, { error: 'RequestTooLarge', message: `the body is over ${MAX_BODY_BYTES} bytes` });
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const mount = mounts.find((m) => path === m.prefix || path.startsWith(m.prefix.endsWith('/') ? m.prefix : `${m.prefix}/`));
    if (!mount) return send(res, 404, { error: 'RouteNotFound', message: `nothing is served at ${path}` });
    const body = mount.binary ? bytes.toString('base64') : bytes.toString('utf8');
    const event = toProxyEvent({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body, base64: mount.binary, sourceIp: req.socket.remoteAddress, user });
    const result = fromProxyResult(await mount.handler(event, { awsRequestId: event.requestContext.requestId, functionName: 'baton-serve' }));
    res.writeHead(result.status, result.headers);
    res.end(result.body);
  }
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'local';
  }
}
