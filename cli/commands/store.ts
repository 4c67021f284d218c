import { openLocalStore, type LocalStore } from '../engine/local-store.ts';

/** Opens the local store under `$BATON_HOME` for the length of a command. */
export async function withStore<T>(body: (local: LocalStore) => Promise<T>): Promise<T> {
  const local = await openLocalStore();
  try {
    return await body(local);
  } finally {
    await local.close();
  }
}
