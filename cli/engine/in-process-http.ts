import type { RequestListener, Server } from 'node:http';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import inject from 'light-my-request';

type Handle = NodeHttpHandler['handle'];

/**
 * The DynamoDB client's transport on this machine. The process that serves the
 * database (`server()` is set) hands each request to dynalite's own request
 * handler in memory: the same DynamoDB JSON API, validated and answered by
 * dynalite exactly as over a socket, without the socket (about a fifth of a
 * local request's time, and on a step's way two or three times). Every other
 * process reaches the server over HTTP.
 */
export class InProcessHttpHandler {
  private readonly http = new NodeHttpHandler();
  private readonly server: () => Server | undefined;
  private listener?: { server: Server; handle: RequestListener };

  constructor(server: () => Server | undefined) {
    this.server = server;
  }

  async handle(request: Parameters<Handle>[0], options?: Parameters<Handle>[1]): ReturnType<Handle> {
    const server = this.server();
    if (!server) return this.http.handle(request, options);
    const handle = this.requestListener(server);
    const answer = await inject(handle, { method: request.method as 'POST', url: request.path, headers: request.headers, payload: bodyOf(request.body) });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined) headers[name] = String(value);
    return { response: { statusCode: answer.statusCode, headers, body: answer.rawPayload } };
  }

  updateHttpClientConfig(...args: Parameters<NodeHttpHandler['updateHttpClientConfig']>): void {
    this.http.updateHttpClientConfig(...args);
  }

  httpHandlerConfigs() {
    return this.http.httpHandlerConfigs();
  }

  destroy(): void {
    this.http.destroy();
  }

  private requestListener(server: Server): RequestListener {
    if (this.listener?.server !== server) this.listener = { server, handle: server.listeners('request')[0] as RequestListener };
    return this.listener.handle;
  }
}

/** The SDK serializes bodies to bytes; light-my-request takes a Buffer as it is (a bare Uint8Array it would send as JSON). */
function bodyOf(body: unknown): string | Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new TypeError('a DynamoDB request body is bytes or text');
}
