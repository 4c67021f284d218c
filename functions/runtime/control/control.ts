import { ErrorNames, isWaitTimestamp, type ControlEvent } from '../../../compiler/contract/index.ts';
import { BatonError } from '../errors.ts';
import { Redactor } from '../redact.ts';
import { resolveTemplates } from '../templates.ts';
import { signal, skipSteps, waitForNeeds, type BarrierDeps } from './barrier.ts';
import { failRun, finishFailed, finishSucceeded, startRun, type RunDeps } from './run.ts';

/**
 * The run's own Task states: `run.start`, `run.succeeded`/`run.failed`/`run.fail`, the
 * dependency barrier's `<id>.needs`/`<id>.signal`/`<first>+.skip-rest`, and values only
 * the runtime can assemble. Steps' work is in invoke-step.ts.
 */
export type ControlDeps = RunDeps & BarrierDeps;

/** Runs one parsed control event; answers what the Task state's Lambda returns. */
export async function runControl(event: ControlEvent, deps: ControlDeps): Promise<unknown> {
  switch (event.kind) {
    case 'run.start':
      return startRun(event, deps);
    case 'run.succeeded':
      return finishSucceeded(event, deps);
    case 'run.failed':
      return finishFailed(event, deps);
    case 'run.fail':
      return failRun(event);
    case 'barrier.wait':
      return waitForNeeds(event, deps);
    case 'barrier.signal':
      return signal(event, deps);
    case 'steps.skip':
      return skipSteps(event, deps);
    case 'values.render': {
      const { value } = await resolveTemplates({ value: event.value }, event.templates, deps.secrets, new Redactor());
      for (const path of event.timestamps ?? []) {
        const at = path.slice(1).reduce<unknown>((node, key) => (node as Record<string | number, unknown> | null)?.[key], value);
        if (!isWaitTimestamp(at)) throw new BatonError(ErrorNames.TimestampInvalid, `${event.what ?? 'the value'} is ${JSON.stringify(at)}, not a timestamp to wait for: write it as RFC 3339, such as 2026-12-02T10:00:00Z`);
      }
      return value;
    }
  }
}

export { plainCause, type Compensation } from './run.ts';
