/**
 * Which runs a pull request started (`PR#<owner/repo>#<number>`/`RUN#<id>`): a
 * `/approve` comment on the pull request finds the runs it may decide with one
 * query, never a scan. One item per run, so writing it needs no condition (a
 * rewrite carries the same values) and the list never outgrows an item.
 */
import { keys, type Item, type Table } from './table.ts';

const DAY_SECONDS = 24 * 60 * 60;

/**
 * An approval can wait up to a year (the longest duration the compiler takes);
 * the index outlives that, and the run's own retention after it.
 */
const PULL_REQUEST_RETENTION_DAYS = 366;

export interface PullRequestRun {
  repository: string;
  number: number;
  run_id: string;
  workflow: string;
  created_at: string;
}

export class PullRequestStore {
  private readonly table: Table;

  constructor(table: Table) {
    this.table = table;
  }

  /** Notes that `runId` was started for the pull request. `repository` is `owner/repo`, compared without case as GitHub does. */
  async addRun(repository: string, number: number, runId: string, workflow: string): Promise<void> {
    const retention = PULL_REQUEST_RETENTION_DAYS + (this.table.retentionDays ?? 0);
    await this.table.put({
      pk: keys.pullRequest(repository, number),
      sk: keys.run(runId),
      item_type: 'pull-request-run',
      repository: repository.toLowerCase(),
      number,
      run_id: runId,
      workflow,
      created_at: this.table.timestamp(),
      expires_at: this.table.epochSeconds() + retention * DAY_SECONDS,
    });
  }

  /** The runs started for the pull request, oldest first. */
  async runs(repository: string, number: number): Promise<PullRequestRun[]> {
    const items = await this.table.itemsOf(keys.pullRequest(repository, number), 'RUN#');
    return items.map(toPullRequestRun).sort((a, b) => a.created_at.localeCompare(b.created_at) || a.run_id.localeCompare(b.run_id));
  }
}

function toPullRequestRun(item: Item): PullRequestRun {
  return {
    repository: String(item.repository),
    number: Number(item.number),
    run_id: String(item.run_id),
    workflow: String(item.workflow),
    created_at: String(item.created_at),
  };
}
