/**
 * API Gateway REST proxy events and results, as far as Baton reads and writes
 * them (Powertools' router takes and answers the full shapes). `baton serve`
 * builds the same events from Node's HTTP requests.
 */
export interface ProxyEvent {
  resource: string;
  path: string;
  httpMethod: string;
  headers: Record<string, string | undefined> | null;
  multiValueHeaders: Record<string, string[] | undefined> | null;
  queryStringParameters: Record<string, string | undefined> | null;
  multiValueQueryStringParameters: Record<string, string[] | undefined> | null;
  pathParameters: Record<string, string | undefined> | null;
  stageVariables: Record<string, string | undefined> | null;
  requestContext: {
    requestId?: string;
    stage?: string;
    domainName?: string;
    identity?: { sourceIp?: string; userArn?: string | null; caller?: string | null; user?: string | null; [key: string]: unknown };
    [key: string]: unknown;
  };
  body: string | null;
  isBase64Encoded: boolean;
}

export interface ProxyResult {
  statusCode: number;
  headers?: Record<string, string | number | boolean>;
  multiValueHeaders?: Record<string, Array<string | number | boolean>>;
  body: string;
  isBase64Encoded?: boolean;
}

export type ProxyHandler = (event: ProxyEvent, context?: unknown) => Promise<ProxyResult>;
