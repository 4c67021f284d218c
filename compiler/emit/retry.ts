import { LAMBDA_TRANSIENT_ERRORS, NEVER_RETRIED_BY_DEFAULT } from '../contract/index.ts';
import type { Step } from '../model.ts';
import type { Retrier } from './states.ts';

/**
 * Every Lambda task retries Lambda's own transient errors, whatever the step's
 * policy: 3 times, 1 s then doubling (ASL's defaults, so not written out), with jitter.
 */
export function transientRetrier(): Retrier {
  return { ErrorEquals: [...LAMBDA_TRANSIENT_ERRORS], JitterStrategy: 'FULL' };
}

/** Lambda's transient errors (for Lambda tasks), then the step's policy: `max_attempts` counts the first try. */
export function retriers(step: Step, lambda = true): Retrier[] {
  const out: Retrier[] = lambda ? [transientRetrier()] : [];
  const policy = step.retry;
  if (!policy || policy.maxAttempts <= 1) return out;
  const timing = {
    IntervalSeconds: policy.intervalSeconds,
    MaxAttempts: policy.maxAttempts - 1,
    BackoffRate: policy.backoff,
    ...(policy.maxDelaySeconds !== undefined ? { MaxDelaySeconds: policy.maxDelaySeconds } : {}),
    JitterStrategy: policy.jitter === 'full' ? ('FULL' as const) : ('NONE' as const),
  };
  if (policy.on) return [...out, { ErrorEquals: policy.on, ...timing }];
  return [...out, { ErrorEquals: [...NEVER_RETRIED_BY_DEFAULT], MaxAttempts: 0 }, { ErrorEquals: ['States.ALL'], ...timing }];
}
