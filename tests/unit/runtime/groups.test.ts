import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRuntimeHarness, type RuntimeHarness } from '../../support/runtime-harness.ts';

let h: RuntimeHarness;
beforeAll(async () => {
  h = await startRuntimeHarness();
});
afterAll(() => h.stop());

let count = 0;
const key = () => `g-${process.pid}-${++count}`;
const slot = (run_id: string) => ({ run_id, workflow: 'wf' });

describe('store: concurrency groups', () => {
  it('lets exactly one of many runs starting at once hold a group, and the holder ask again', async () => {
    const k = key();
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => h.store.groups.acquire(k, slot(`r${i}`))));
    const winners = results.filter((r) => r.acquired);
    expect(winners).toHaveLength(1);
    const holder = (await h.store.groups.get(k))!.holder!;
    expect(results.filter((r) => !r.acquired).every((r) => !r.acquired && r.holder?.run_id === holder.run_id)).toBe(true);
    expect(await h.store.groups.acquire(k, holder)).toEqual({ acquired: true });
  });

  it('answers each displaced holder to exactly one taker when runs take over at once', async () => {
    const k = key();
    await h.store.groups.acquire(k, slot('old'));
    const displaced = await Promise.all(['a', 'b', 'c'].map((id) => h.store.groups.replace(k, slot(id))));
    const names = displaced.map((d) => (d ? d.run_id : d));
    const final = (await h.store.groups.get(k))!.holder!.run_id;
    // Every run but the final holder was displaced once; `old` among them.
    expect([...names, final].sort()).toEqual(['a', 'b', 'c', 'old']);
  });

  it('replaces a stale holder only while it still holds the group', async () => {
    const k = key();
    await h.store.groups.acquire(k, slot('stale'));
    expect(await h.store.groups.replace(k, slot('x'), 'stale')).toEqual(slot('stale'));
    expect(await h.store.groups.replace(k, slot('y'), 'stale')).toBe(false);
  });

  it('queues one run behind the holder, a newer one replacing it, and promotes it on release', async () => {
    const k = key();
    await h.store.groups.acquire(k, slot('first'));
    expect(await h.store.groups.enqueue(k, { ...slot('second'), attempt: 1 })).toEqual({ queued: true });
    expect(await h.store.groups.enqueue(k, { ...slot('third'), attempt: 2 })).toEqual({ queued: true, replaced: { ...slot('second'), attempt: 1 } });
    expect(await h.store.groups.release(k, 'second')).toEqual({ released: false });
    expect(await h.store.groups.release(k, 'first')).toEqual({ released: true, next: { ...slot('third'), attempt: 2 } });
    expect(await h.store.groups.release(k, 'first')).toEqual({ released: false });
    expect(await h.store.groups.release(k, 'third')).toEqual({ released: true });
    expect(await h.store.groups.get(k)).toBeUndefined();
  });

  it('does not queue behind nobody, nor behind the run itself', async () => {
    const k = key();
    expect(await h.store.groups.enqueue(k, { ...slot('a'), attempt: 1 })).toEqual({ queued: false });
    await h.store.groups.acquire(k, slot('a'));
    expect(await h.store.groups.enqueue(k, { ...slot('a'), attempt: 1 })).toEqual({ queued: false });
  });

  it('takes a cancelled run out of the queue, once', async () => {
    const k = key();
    await h.store.groups.acquire(k, slot('a'));
    await h.store.groups.enqueue(k, { ...slot('b'), attempt: 1 });
    expect(await h.store.groups.dequeue(k, 'b')).toBe(true);
    expect(await h.store.groups.dequeue(k, 'b')).toBe(false);
    expect(await h.store.groups.release(k, 'a')).toEqual({ released: true });
  });
});
