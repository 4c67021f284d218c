import { it, expect } from 'vitest';
import { startHarness } from '../support/engine-harness.ts';
it('explore', async () => {
  const h = await startHarness();
  const file = h.write('x-timeout', `name: x-timeout
steps:
  slow: { function: ../steps/probe.ts, timeout: 1s, with: { sleep_ms: 2000 }, on_failure: h }
  h: { function: ../steps/probe.ts, with: { name: "\${{ error.name }}", cause: "\${{ error.cause }}" } }
`);
  const t0 = Date.now();
  const r = await h.run(file);
  console.log(Date.now() - t0, JSON.stringify(r, null, 1), JSON.stringify(h.calls()));
  await new Promise((r) => setTimeout(r, 1500));
  console.log(JSON.stringify(await h.result(r.run_id), null, 1));
  await h.close();
});
