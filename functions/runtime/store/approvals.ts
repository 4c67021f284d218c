/** Approvals (`RUN#<id>`/`APPROVAL#<step>[#<index>]`): the token a step waits on, and the one decision that ends it. */
import type { OutputsSpec } from '../../../compiler/contract/index.ts';
import { ApprovalAlreadyDecidedError, ApprovalNotFoundError } from '../errors.ts';
import { stepKeyString, type ApprovalDecision, type ApprovalRecord, type StepKey } from './records.ts';
import { dropUndefined, keys, type Item, type Table } from './table.ts';
import { UpdateBuilder } from './update-expression.ts';

export class ApprovalStore {
  private readonly table: Table;

  constructor(table: Table) {
    this.table = table;
  }

  /**
   * Stores the task token an approval waits on (a re-invoked approval replaces the old,
   * dead token) and returns the approval, decision included if a person already decided.
   */
  async put(runId: string, key: StepKey, request: { token: string; message: string; requested_at?: string; timeout_at?: string; outputs_spec?: OutputsSpec }): Promise<ApprovalRecord> {
    const b = new UpdateBuilder()
      .set('item_type', 'approval')
      .set('run_id', runId)
      .set('step', stepKeyString(key))
      .set('token', request.token)
      .set('message', request.message)
      .set('requested_at', request.requested_at ?? this.table.timestamp())
      .set('timeout_at', request.timeout_at)
      .set('outputs_spec', request.outputs_spec);
    return toApproval((await this.table.updateWhere(keys.run(runId), keys.approval(key), b, undefined))!);
  }

  /**
   * Records a person's decision, once. Returns the approval with the token to release.
   * `ApprovalNotFoundError` if no approval was asked for, `ApprovalAlreadyDecidedError`
   * for a second decision.
   */
  async decide(runId: string, key: StepKey, decision: { decision: ApprovalDecision; decided_by: string; comment?: string; decided_at?: string }): Promise<ApprovalRecord> {
    const b = new UpdateBuilder()
      .set('decision', decision.decision)
      .set('decided_by', decision.decided_by)
      .set('comment', decision.comment)
      .set('decided_at', decision.decided_at ?? this.table.timestamp());
    // Closes: two people (or a CLI and a `/approve` comment) deciding at once: the first
    // decision stands and the second is told so, rather than both releasing the token.
    const condition = `attribute_exists(${b.name('pk')}) AND attribute_not_exists(${b.name('decision')})`;
    const attributes = await this.table.updateWhere(keys.run(runId), keys.approval(key), b, condition, async () => {
      const current = await this.get(runId, key);
      return current ? new ApprovalAlreadyDecidedError(runId, stepKeyString(key), current.decision ?? 'unknown') : new ApprovalNotFoundError(runId, stepKeyString(key));
    });
    return toApproval(attributes!);
  }

  async get(runId: string, key: StepKey): Promise<ApprovalRecord | undefined> {
    const item = await this.table.get(keys.run(runId), keys.approval(key));
    return item ? toApproval(item) : undefined;
  }

  async list(runId: string): Promise<ApprovalRecord[]> {
    return (await this.table.itemsOf(keys.run(runId), 'APPROVAL#')).map(toApproval);
  }
}

function toApproval(item: Item): ApprovalRecord {
  return dropUndefined({
    run_id: String(item.run_id),
    step: String(item.step),
    token: String(item.token),
    message: String(item.message ?? ''),
    requested_at: String(item.requested_at),
    timeout_at: item.timeout_at as string | undefined,
    outputs_spec: item.outputs_spec as OutputsSpec | undefined,
    decision: item.decision as ApprovalDecision | undefined,
    comment: item.comment as string | undefined,
    decided_by: item.decided_by as string | undefined,
    decided_at: item.decided_at as string | undefined,
  });
}
