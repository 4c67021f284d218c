/** How the `baton` command prints runs: tables, durations, one run step by step. */
import type { RunResult } from '../functions/runtime/run-result.ts';

export function describeRun(result: RunResult): string {
  const lines = [`run ${result.run_id} (${result.workflow}): ${result.status}${result.ended_at ? ` in ${duration(result.started_at, result.ended_at)}` : ''}`];
  const rows = Object.entries(result.steps).map(([id, s]) => [
    id,
    // A process that died mid-step (kill -9) left the step `running` in the store;
    // nothing runs it now, and resume starts it again.
    result.status === 'interrupted' && s.status === 'running' ? 'interrupted' : s.status,
    s.attempts ? String(s.attempts) : '',
    s.started_at ? duration(s.started_at, s.ended_at) : '',
    s.error ? `${s.error.name}: ${s.error.message}`.slice(0, 100) : s.items ? `${s.items.filter((i) => i.status === 'succeeded').length}/${s.items.length} items` : '',
  ]);
  if (rows.length > 0) lines.push(table(['STEP', 'STATUS', 'TRIES', 'TOOK', ''], rows).trimEnd());
  if (result.error) lines.push(`error: ${result.error.step ? `${result.error.step}: ` : ''}${result.error.name}: ${result.error.cause}`);
  if (result.outputs !== undefined && result.status === 'succeeded') lines.push(`outputs: ${JSON.stringify(result.outputs, null, 2)}`);
  const next = nextStep(result.status, result.run_id);
  if (next) lines.push(next);
  return lines.join('\n') + '\n';
}

/** What to do about a run that stopped before its end. */
export function nextStep(status: string, runId: string): string | undefined {
  if (status === 'paused') return `paused: continue it with  baton resume ${runId}`;
  if (status === 'interrupted') return `interrupted: continue it with  baton resume ${runId}`;
  if (status === 'failed' || status === 'cancelled') return `run it again from where it stopped with  baton resume ${runId}`;
  return undefined;
}

export function duration(start: string, end: string | undefined): string {
  if (!end) return '';
  const ms = Date.parse(end) - Date.parse(start);
  return ms < 1000 ? `${ms}ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}

export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}
