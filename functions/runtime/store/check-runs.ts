/**
 * The GitHub check run that shows a run on a commit (`RUN#<id>`/`CHECK`): where
 * it is (repository, head SHA, installation) and its id, so every later update
 * of the run PATCHes the same check run. Nothing here is a secret: the
 * installation id only says which installation token to ask for.
 */
import { keys, type Item, type Table } from './table.ts';
import { UpdateBuilder } from './update-expression.ts';

export interface CheckRunLink {
  run_id: string;
  owner: string;
  repo: string;
  head_sha: string;
  check_run_id: number;
  /** The GitHub App installation that created it (absent with a plain token). */
  installation_id?: number;
  /** The check run's name on GitHub. */
  name: string;
  created_at: string;
}

export class CheckRunStore {
  private readonly table: Table;

  constructor(table: Table) {
    this.table = table;
  }

  /**
   * Records the run's check run, once. Answers the link that stands: this one, or
   * the one another request recorded first (then the caller's check run is a
   * duplicate to close).
   */
  async link(link: Omit<CheckRunLink, 'created_at'>): Promise<{ link: CheckRunLink; first: boolean }> {
    const created = { ...link, created_at: this.table.timestamp() };
    const b = new UpdateBuilder().set('item_type', 'check-run');
    for (const [name, value] of Object.entries(created)) b.set(name, value);
    // Closes: two requests handling one delivery (a takeover of a stale claim) each
    // creating a check run: the first one recorded is the run's.
    const { written } = await this.table.updateWhereReturningOld(keys.run(link.run_id), keys.checkRun, b, `attribute_not_exists(${b.name('pk')})`);
    if (written) return { link: created, first: true };
    return { link: (await this.get(link.run_id)) ?? created, first: false };
  }

  async get(runId: string): Promise<CheckRunLink | undefined> {
    const item = await this.table.get(keys.run(runId), keys.checkRun);
    return item ? toLink(item) : undefined;
  }
}

function toLink(item: Item): CheckRunLink {
  return {
    run_id: String(item.run_id),
    owner: String(item.owner),
    repo: String(item.repo),
    head_sha: String(item.head_sha),
    check_run_id: Number(item.check_run_id),
    ...(item.installation_id === undefined ? {} : { installation_id: Number(item.installation_id) }),
    name: String(item.name),
    created_at: String(item.created_at),
  };
}
