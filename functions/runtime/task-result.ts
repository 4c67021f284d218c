import type { StepResponse } from './contract.ts';

/**
 * What the step Lambda returns to `lambda:invoke` (the state machine reads it
 * through `ResultSelector`: `$.Payload.status`, `$.Payload.outputs`). `running`
 * tells the poll loop of a long agent run to wait and ask again.
 */
export function taskResult(response: StepResponse): { status: 'running' | 'succeeded'; outputs: unknown } {
  return { status: response.done === false ? 'running' : 'succeeded', outputs: response.outputs ?? null };
}
