import { resolve } from 'node:path';
import { CheckpointStore } from '../../functions/runtime/store/index.ts';
import { LOCAL_TABLE, openLocalDynamo, type LocalDynamo } from './local-dynamo.ts';

export interface LocalStore {
  home: string;
  dynamo: LocalDynamo;
  store: CheckpointStore;
  close(): Promise<void>;
}

/** `$BATON_HOME` (default `./.baton`). */
export function batonHome(): string {
  return resolve(process.env.BATON_HOME || '.baton');
}

/** The checkpoint store on the local DynamoDB under `$BATON_HOME`; local runs are kept (no TTL). */
export async function openLocalStore(home = batonHome()): Promise<LocalStore> {
  const dynamo = await openLocalDynamo(home);
  const store = new CheckpointStore({ client: dynamo.client, tableName: LOCAL_TABLE, retentionDays: null });
  await store.createTableIfMissing();
  return { home, dynamo, store, close: () => dynamo.close() };
}
