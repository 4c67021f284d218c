/**
 * GitHub does not retry a failed delivery by itself; it keeps it for three
 * days and lets the App redeliver it. A scheduled Lambda does that: it lists
 * the App's deliveries of the last hour (`GET /app/hook/deliveries`, newest
 * first, page by page with GitHub's cursor, as the App's JWT) and redelivers
 * (`POST /app/hook/deliveries/{id}/attempts`) each delivery whose latest
 * attempt failed (status code 400 or more, or 0 for no answer). The webhook's
 * dedupe makes a needless redelivery harmless; the limits keep a delivery that
 * can never succeed (a wrong secret) from being sent forever.
 */
import type { Octokit } from '@octokit/rest';
import { describeGithubError } from './github-client.ts';

export interface RedeliverOptions {
  /** Deliveries first sent this long ago or less are looked at. Default one hour. */
  windowMs?: number;
  /** A delivery that failed this many times (its first attempt included) is left alone. Default 3. */
  maxAttempts?: number;
  now?: () => Date;
  log?: (event: object) => void;
}

/** One attempt of a delivery, as GitHub lists it. */
export interface DeliveryAttempt {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  status_code: number;
  event: string;
  action?: string | null;
}

export interface RedeliverReport {
  /** Attempts listed within the window. */
  examined: number;
  redelivered: Array<{ guid: string; id: number; event: string; status_code: number }>;
  /** Deliveries that failed `maxAttempts` times. */
  gave_up: Array<{ guid: string; attempts: number }>;
  /** Redeliveries GitHub refused. */
  errors: Array<{ guid: string; id: number; message: string }>;
}

export function failed(attempt: Pick<DeliveryAttempt, 'status_code'>): boolean {
  return attempt.status_code === 0 || attempt.status_code >= 400;
}

export async function redeliverFailed(app: Octokit, options: RedeliverOptions = {}): Promise<RedeliverReport> {
  const now = (options.now ?? (() => new Date()))().getTime();
  const cutoff = now - (options.windowMs ?? 60 * 60_000);
  const maxAttempts = options.maxAttempts ?? 3;
  const attempts = await attemptsSince(app, cutoff);
  const report: RedeliverReport = { examined: attempts.length, redelivered: [], gave_up: [], errors: [] };

  for (const list of groupByGuid(attempts).values()) {
    // Only deliveries first sent within the window: one whose first attempt is
    // older has had its chances, however recent its last redelivery.
    if (!list.some((a) => !a.redelivery)) continue;
    const latest = list.at(-1)!;
    if (!failed(latest)) continue;
    const failures = list.filter(failed).length;
    if (failures >= maxAttempts) {
      report.gave_up.push({ guid: latest.guid, attempts: failures });
      continue;
    }
    try {
      await app.rest.apps.redeliverWebhookDelivery({ delivery_id: latest.id });
      report.redelivered.push({ guid: latest.guid, id: latest.id, event: latest.event, status_code: latest.status_code });
      options.log?.({ event: 'github.redelivered', guid: latest.guid, id: latest.id, github_event: latest.event, status_code: latest.status_code, failures });
    } catch (error) {
      report.errors.push({ guid: latest.guid, id: latest.id, message: describeGithubError(error) });
      options.log?.({ event: 'github.redeliver_failed', guid: latest.guid, id: latest.id, error: describeGithubError(error) });
    }
  }
  return report;
}

/** The attempts delivered at `cutoff` or later; GitHub lists newest first, so paging stops at the first older one. */
async function attemptsSince(app: Octokit, cutoff: number): Promise<DeliveryAttempt[]> {
  const found: DeliveryAttempt[] = [];
  for await (const page of app.paginate.iterator(app.rest.apps.listWebhookDeliveries, { per_page: 100 })) {
    let older = false;
    for (const attempt of page.data as DeliveryAttempt[]) {
      if (Date.parse(attempt.delivered_at) >= cutoff) found.push(attempt);
      else older = true;
    }
    if (older) break;
  }
  return found;
}

/** Each delivery's attempts, oldest first. */
function groupByGuid(attempts: DeliveryAttempt[]): Map<string, DeliveryAttempt[]> {
  const byGuid = new Map<string, DeliveryAttempt[]>();
  for (const attempt of attempts) byGuid.set(attempt.guid, [...(byGuid.get(attempt.guid) ?? []), attempt]);
  for (const list of byGuid.values()) list.sort((a, b) => Date.parse(a.delivered_at) - Date.parse(b.delivered_at) || a.id - b.id);
  return byGuid;
}
