/**
 * The run id a delivery gives a workflow's run. It is derived, never random: a
 * redelivery of the same delivery (GitHub keeps `X-GitHub-Delivery`) asks the
 * starter for the same run id, and the starter and Step Functions (for which it
 * is the execution name) refuse to start it twice.
 */
import { createHash } from 'node:crypto';
import { MAX_EXECUTION_NAME } from '../../compiler/names.ts';

/** Room for the workflow name and the delivery id in a run id; the rest is the digest. */
const WORKFLOW_CHARS = 30;
const DELIVERY_CHARS = 36;
const DIGEST_CHARS = MAX_EXECUTION_NAME - WORKFLOW_CHARS - DELIVERY_CHARS - 2;

/**
 * `<workflow>-<delivery>-<digest>`, at most 80 characters, made only of what
 * Step Functions takes in an execution name. The readable parts may be cut
 * short or have characters replaced; the digest of the whole pair keeps two
 * different pairs apart.
 */
export function runIdFor(deliveryId: string, workflow: string): string {
  const digest = createHash('sha256').update(JSON.stringify([deliveryId, workflow])).digest('hex').slice(0, DIGEST_CHARS);
  return `${readable(workflow, WORKFLOW_CHARS)}-${readable(deliveryId, DELIVERY_CHARS)}-${digest}`;
}

/** The first `max` characters, with anything but letters, digits, `-`, `_` and `.` made `_`. */
function readable(text: string, max: number): string {
  return [...text].slice(0, max).map((char) => (/^[A-Za-z0-9._-]$/.test(char) ? char : '_')).join('');
}
