/**
 * A Node HTTP request as API Gateway's REST proxy integration hands it to a
 * Lambda, and the Lambda's proxy result back: `baton serve` runs the very API
 * handler the stack deploys, so the translation is all it adds.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { ProxyEvent, ProxyResult } from '../../functions/api/proxy.ts';

export interface PlainRequest {
  method: string;
  /** Path and query, as in the request line (`/runs?limit=5`). */
  url: string;
  headers?: IncomingHttpHeaders | Record<string, string>;
  body?: string;
  /** `body` is base64 of the request's bytes. */
  base64?: boolean;
  sourceIp?: string;
  /** Who is asking, as IAM would say (locally: the user running `baton serve`). */
  user?: string;
}

export function toProxyEvent(request: PlainRequest): ProxyEvent {
  const url = new URL(request.url, 'http://localhost');
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [String(value)];
    headers[name] = values.join(', ');
    multiValueHeaders[name] = values;
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [name, value] of url.searchParams) {
    query[name] = value;
    (multiQuery[name] ??= []).push(value);
  }
  const hasQuery = Object.keys(query).length > 0;
  return {
    resource: '/{proxy+}',
    path: url.pathname,
    httpMethod: request.method.toUpperCase(),
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters: { proxy: url.pathname.slice(1) },
    stageVariables: null,
    requestContext: {
      requestId: randomUUID(),
      stage: 'local',
      domainName: headers.host ?? 'localhost',
      httpMethod: request.method.toUpperCase(),
      path: url.pathname,
      identity: { sourceIp: request.sourceIp ?? '127.0.0.1', user: request.user ?? null, userArn: null, caller: null },
    },
    body: request.body === undefined || request.body === '' ? null : request.body,
    isBase64Encoded: request.base64 === true && request.body !== undefined && request.body !== '',
  };
}

/** The proxy result's body, status and headers, as an HTTP response wants them. */
export function fromProxyResult(result: ProxyResult): { status: number; headers: Record<string, string | string[]>; body: Buffer } {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(value);
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) headers[name.toLowerCase()] = values.map(String);
  const body = result.isBase64Encoded ? Buffer.from(result.body, 'base64') : Buffer.from(result.body ?? '', 'utf8');
  return { status: result.statusCode, headers, body };
}
