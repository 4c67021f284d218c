import type { ProgressEvent, StepView } from './progress.ts';

const SYMBOLS: Record<StepView['status'], string> = {
  running: '▶',
  retrying: '↻',
  waiting: '⏸',
  succeeded: '✓',
  failed: '✗',
  skipped: '–',
};

/**
 * Shows a run's progress on stderr. On a terminal: one line per step, redrawn in
 * place as states, attempts and durations change. Otherwise (CI logs, pipes):
 * one plain line per change.
 */
export function progressView(stream: NodeJS.WriteStream = process.stderr): { onProgress: (event: ProgressEvent) => void; close: () => void } {
  return stream.isTTY ? liveView(stream) : plainView(stream);
}

function describe(view: StepView, now: number): string {
  const ms = (view.endedAt ?? now) - view.startedAt;
  const took = ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`;
  const parts: string[] = [view.status];
  if (view.attempt > 1) parts.push(`attempt ${view.attempt}`);
  if (view.items) parts.push(`${view.items.done}/${view.items.started} items`);
  if (view.status !== 'skipped') parts.push(took);
  if (view.error) parts.push(view.error);
  return parts.join('  ');
}

function plainView(stream: NodeJS.WriteStream) {
  const clock = () => new Date().toISOString().slice(11, 19);
  return {
    onProgress(event: ProgressEvent) {
      if (event.type === 'run') {
        stream.write(event.status === 'started' ? `[${clock()}] run ${event.runId} started (attempt ${event.attempt})\n` : `[${clock()}] run ${event.runId} ${event.status}\n`);
        return;
      }
      stream.write(`[${clock()}] ${event.view.step}  ${describe(event.view, Date.now())}\n`);
    },
    close() {},
  };
}

function liveView(stream: NodeJS.WriteStream) {
  const views = new Map<string, StepView>();
  let header = '';
  let drawn = 0;
  const draw = () => {
    const width = Math.max(8, ...[...views.keys()].map((k) => k.length));
    const lines = [header, ...[...views.values()].map((v) => `  ${SYMBOLS[v.status]} ${v.step.padEnd(width)}  ${describe(v, Date.now())}`)];
    let out = drawn > 0 ? `\x1b[${drawn}A` : '';
    for (const line of lines) out += `\x1b[2K${line.slice(0, (stream.columns || 120) - 1)}\n`;
    stream.write(out);
    drawn = lines.length;
  };
  const ticker = setInterval(() => views.size > 0 && draw(), 200);
  ticker.unref();
  return {
    onProgress(event: ProgressEvent) {
      if (event.type === 'run') header = event.status === 'started' ? `run ${event.runId} (attempt ${event.attempt})` : `run ${event.runId}: ${event.status}`;
      else views.set(event.view.step, event.view);
      draw();
    },
    close() {
      clearInterval(ticker);
      draw();
    },
  };
}
