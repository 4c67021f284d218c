import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';

/** The table the local engine uses (dynalite wants names of 3 characters or more). */
export const LOCAL_TABLE = 'baton-runs';

export interface LocalDynamo {
  endpoint: string;
  client: DynamoDBDocumentClient;
  /** True when this process serves the database; it then stops it on close. */
  owner: boolean;
  close(): Promise<void>;
}

interface LockFile {
  pid: number;
  port: number;
}

/**
 * DynamoDB on this machine: dynalite persisted under `$BATON_HOME/db`.
 * LevelDB allows one process per directory, so the first `baton` process serves
 * it on 127.0.0.1 and writes its port to `$BATON_HOME/dynalite.json`; a second
 * process (`baton status`, `baton approve` during a run) connects to that port.
 */
export async function openLocalDynamo(home: string): Promise<LocalDynamo> {
  await mkdir(home, { recursive: true });
  const lockPath = join(home, 'dynalite.json');
  const existing = await readLock(lockPath);
  if (existing && processAlive(existing.pid) && (await portOpen(existing.port))) {
    const endpoint = `http://127.0.0.1:${existing.port}`;
    return { endpoint, client: documentClient(endpoint), owner: false, close: async () => {} };
  }
  const server: Server = dynalite({ path: join(home, 'db'), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  await writeFile(lockPath, JSON.stringify({ pid: process.pid, port } satisfies LockFile));
  const endpoint = `http://127.0.0.1:${port}`;
  const client = documentClient(endpoint);
  let closed = false;
  return {
    endpoint,
    client,
    owner: true,
    close: async () => {
      if (closed) return;
      closed = true;
      client.destroy();
      await rm(lockPath, { force: true });
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An in-memory dynalite for tests and benchmarks. */
export async function openMemoryDynamo(): Promise<LocalDynamo> {
  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const client = documentClient(endpoint);
  return {
    endpoint,
    client,
    owner: true,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function documentClient(endpoint: string): DynamoDBDocumentClient {
  const raw = new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 5 });
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
