import type { Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { afterEach, describe, expect, it } from 'vitest';
import { InProcessHttpHandler } from '../../../cli/engine/in-process-http.ts';
import { openLocalDynamo } from '../../../cli/engine/local-dynamo.ts';
import { CheckpointStore } from '../../../functions/runtime/store/index.ts';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

function client(endpoint: string, server: () => Server | undefined) {
  return new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1, requestHandler: new InProcessHttpHandler(server) });
}

describe('the local DynamoDB transport', () => {
  it('hands the serving process its requests in memory: dynalite answers without listening on any port', async () => {
    const server = dynalite({ createTableMs: 0 });
    servers.push(server);
    // Port 9 is discard: nothing answers there, so only an in-memory request can succeed.
    const answer = await client('http://127.0.0.1:9', () => server).send(new ListTablesCommand({}));
    expect(answer.TableNames).toEqual([]);
  });

  it('goes over HTTP when this process does not serve the database', async () => {
    const server = dynalite({ createTableMs: 0 });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    let requests = 0;
    server.on('request', () => requests++);
    const port = (server.address() as { port: number }).port;
    await client(`http://127.0.0.1:${port}`, () => undefined).send(new ListTablesCommand({}));
    expect(requests).toBe(1);
  });

  it('keeps the real API: a conditional write refused in memory is the same domain error as over HTTP', async () => {
    const home = mkdtempSync(join(tmpdir(), 'baton-transport-'));
    const dynamo = await openLocalDynamo(home);
    try {
      expect(dynamo.owner).toBe(true);
      const store = new CheckpointStore({ client: dynamo.client, tableName: 'baton-runs', retentionDays: null });
      await store.createTableIfMissing();
      await store.runs.create({ run_id: 'r-1', workflow: 'w', inputs: { note: 'ünï "q" \\ 😀' } });
      await expect(store.runs.create({ run_id: 'r-1', workflow: 'w', inputs: {} })).rejects.toThrow(/r-1/);
      expect((await store.runs.get('r-1'))?.inputs).toEqual({ note: 'ünï "q" \\ 😀' });
    } finally {
      await dynamo.close();
    }
  });
});
