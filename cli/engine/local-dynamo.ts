import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { InProcessHttpHandler } from './in-process-http.ts';

/** The table the local engine uses (dynalite wants names of 3 characters or more). */
export const LOCAL_TABLE = 'baton-runs';

export interface LocalDynamo {
  endpoint: string;
  client: DynamoDBDocumentClient;
  /** True when this process serves the database (now); it then stops it on close. */
  owner: boolean;
  close(): Promise<void>;
}

interface LockFile {
  pid: number;
  /** 0 while the owner is still starting its server. */
  port: number;
}

/**
 * DynamoDB on this machine: dynalite persisted under `$BATON_HOME/db`.
 * LevelDB allows one process per directory, so one `baton` process serves it on
 * 127.0.0.1 and writes its port to `$BATON_HOME/dynalite.json`; the others
 * (`baton status`, `baton approve`, a second `baton run`) connect to that port.
 *
 * Two races are closed here. Processes starting together: the lock file is
 * created exclusively (`wx`), so exactly one of them serves. The server's process
 * exiting while others still use it (a short `baton status` served, a long
 * `baton run` connected): a request refused by a vanished server makes this
 * process take over (serve, or connect to whoever took over first) and the SDK's
 * retry sends it again to the new port.
 */
export async function openLocalDynamo(home: string): Promise<LocalDynamo> {
  await mkdir(home, { recursive: true });
  const lockPath = join(home, 'dynalite.json');
  let server: Server | undefined;
  let port = 0;
  let closed = false;
  let takingOver: Promise<void> | undefined;

  const attach = async () => {
    const found = await acquire(lockPath, join(home, 'db'));
    server = found.server;
    port = found.port;
  };
  await attach();

  const client = documentClient(`http://127.0.0.1:${port}`, () => server, {
    port: () => port,
    async refused(refusedPort) {
      // Only the first request to see the server gone takes over; the others wait for it.
      if (closed || server || refusedPort !== port) return takingOver;
      takingOver ??= attach().finally(() => {
        takingOver = undefined;
      });
      return takingOver;
    },
  });
  return {
    get endpoint() {
      return `http://127.0.0.1:${port}`;
    },
    client,
    get owner() {
      return server !== undefined;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      // A takeover in flight (a request of a timer, refused at the very end) may be
      // about to serve: let it finish, so the server it starts is closed below
      // instead of keeping this process alive.
      await takingOver?.catch(() => undefined);
      client.destroy();
      if (!server) return;
      // Closing the server closes LevelDB; only then may another process take the lock.
      // The server closes once its connections do, and other processes keep theirs
      // alive between requests: close each one the moment it is idle. From here on
      // this process's own requests go over HTTP too, and find no server.
      const s = server;
      server = undefined;
      const stopped = new Promise<void>((resolve) => s.close(() => resolve()));
      const sweep = setInterval(() => s.closeIdleConnections(), 10);
      await stopped.finally(() => clearInterval(sweep));
      const lock = await readLock(lockPath);
      if (lock?.pid === process.pid) await rm(lockPath, { force: true });
    },
  };
}

/** Serves the database (when nobody does) or finds the process that does. */
async function acquire(lockPath: string, dbPath: string): Promise<{ server?: Server; port: number }> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    let handle;
    try {
      handle = await open(lockPath, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (handle) {
      // This process won the lock: serve, then tell the others where.
      try {
        await handle.writeFile(JSON.stringify({ pid: process.pid, port: 0 } satisfies LockFile));
      } finally {
        await handle.close();
      }
      try {
        const server: Server = dynalite({ path: dbPath, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve());
        });
        const port = (server.address() as { port: number }).port;
        await writeFile(lockPath, JSON.stringify({ pid: process.pid, port } satisfies LockFile));
        return { server, port };
      } catch (error) {
        await rm(lockPath, { force: true });
        throw error;
      }
    }
    const lock = await readLock(lockPath);
    const stale = lock !== undefined && (!processAlive(lock.pid) || (lock.pid === process.pid && lock.port > 0 && !(await portOpen(lock.port))));
    if (stale) {
      // Left behind by a process that died (killed, crashed): take it.
      await rm(lockPath, { force: true });
      continue;
    }
    if (lock && lock.port > 0 && (await portOpen(lock.port))) return { port: lock.port };
    // The owner is still starting or stopping, or the file is being written: look again.
    if (Date.now() > deadline) throw new Error(`${lockPath}: process ${lock?.pid} holds the local database but does not serve it`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** An in-memory dynalite for tests and benchmarks. */
export async function openMemoryDynamo(): Promise<LocalDynamo> {
  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  let serving = true;
  const client = documentClient(endpoint, () => (serving ? server : undefined));
  return {
    endpoint,
    client,
    owner: true,
    close: async () => {
      serving = false;
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** How many servers in a row one request may find gone before it gives up. */
const MAX_REFUSALS = 50;

/**
 * dynalite checks that a request is signed, not the signature. Signing costs
 * about a fifth of a local request's time, on every step's way: locally an
 * unsigned request with a well-formed Authorization header goes out instead.
 */
const LOCAL_SIGNER = {
  sign: async <T extends { headers: Record<string, string> }>(request: T): Promise<T> => {
    request.headers.authorization = 'AWS4-HMAC-SHA256 Credential=local/20260101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=local';
    request.headers['x-amz-date'] = '20260101T000000Z';
    return request;
  },
};

interface Failover {
  /** The port every request goes to now. */
  port(): number;
  /** A request to `port` was refused: resolves once there is a server again. */
  refused(port: number): Promise<void> | undefined;
}

/** A client of the local database; `server()` is dynalite when this process serves it (its requests then stay in memory). */
function documentClient(endpoint: string, server: () => Server | undefined, failover?: Failover): DynamoDBDocumentClient {
  const raw = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 5,
    signer: LOCAL_SIGNER,
    requestHandler: new InProcessHttpHandler(server),
  });
  if (failover) {
    // Runs inside the SDK's retry loop, once per attempt: the attempt goes to the
    // current port, and a refused connection first finds a new server and is sent
    // there. A refused connection delivered nothing, so sending it again is safe;
    // this loop, not the SDK's five attempts, absorbs servers that come and go
    // (several short runs, each serving in turn).
    raw.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { port?: number; headers?: Record<string, string> };
        for (let refusals = 0; ; refusals++) {
          const port = failover.port();
          request.port = port;
          if (request.headers?.host) request.headers.host = `127.0.0.1:${port}`;
          try {
            return await next(args);
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'ECONNREFUSED' || refusals >= MAX_REFUSALS) throw error;
            await failover.refused(port);
          }
        }
      },
      { step: 'finalizeRequest', priority: 'low', name: 'batonLocalFailover' },
    );
  }
  return DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
}

async function readLock(path: string): Promise<LockFile | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockFile;
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
