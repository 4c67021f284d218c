/**
 * Builds DynamoDB update and condition expressions from named parts.
 *
 * Every attribute name goes through a placeholder, so the store never trips over
 * DynamoDB's reserved words (`status`, `index`, `state`, `data`, `token`, …), and a
 * condition reads as the race it closes: `b.name('status')` next to `b.value('succeeded')`.
 */
export class UpdateBuilder {
  private readonly sets: string[] = [];
  private readonly removes: string[] = [];
  private readonly adds: string[] = [];
  private readonly names: Record<string, string> = {};
  private readonly values: Record<string, unknown> = {};
  private nameCount = 0;
  private valueCount = 0;

  /** The placeholder for an attribute name. */
  name(attribute: string): string {
    const existing = Object.entries(this.names).find(([, value]) => value === attribute);
    if (existing) return existing[0];
    const placeholder = `#n${this.nameCount++}`;
    this.names[placeholder] = attribute;
    return placeholder;
  }

  /** The placeholder for a value. */
  value(value: unknown): string {
    const placeholder = `:v${this.valueCount++}`;
    this.values[placeholder] = value;
    return placeholder;
  }

  /** `SET attribute = value`; an `undefined` value is skipped. */
  set(attribute: string, value: unknown): this {
    if (value !== undefined) this.sets.push(`${this.name(attribute)} = ${this.value(value)}`);
    return this;
  }

  /** `SET attribute = if_not_exists(attribute, value)`: the first writer's value stays. */
  setIfMissing(attribute: string, value: unknown): this {
    const n = this.name(attribute);
    this.sets.push(`${n} = if_not_exists(${n}, ${this.value(value)})`);
    return this;
  }

  /** A raw `SET` clause, for arithmetic; use `name()`/`value()` inside it. */
  setExpression(clause: string): this {
    this.sets.push(clause);
    return this;
  }

  remove(...attributes: string[]): this {
    for (const attribute of attributes) this.removes.push(this.name(attribute));
    return this;
  }

  /** `ADD attribute n`: an atomic counter that starts at 0. */
  add(attribute: string, amount: number): this {
    this.adds.push(`${this.name(attribute)} ${this.value(amount)}`);
    return this;
  }

  /** `ADD attribute {member}`: adds to a string set (created if missing); adding a member twice changes nothing. */
  addToSet(attribute: string, member: string): this {
    this.adds.push(`${this.name(attribute)} ${this.value(new Set([member]))}`);
    return this;
  }

  /** The parameters of an `UpdateCommand` (or, without updates, the condition of a `PutCommand`). */
  build(condition?: string): {
    UpdateExpression?: string;
    ConditionExpression?: string;
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues?: Record<string, unknown>;
  } {
    const clauses: string[] = [];
    if (this.sets.length > 0) clauses.push(`SET ${this.sets.join(', ')}`);
    if (this.removes.length > 0) clauses.push(`REMOVE ${this.removes.join(', ')}`);
    if (this.adds.length > 0) clauses.push(`ADD ${this.adds.join(', ')}`);
    return {
      ...(clauses.length > 0 ? { UpdateExpression: clauses.join(' ') } : {}),
      ...(condition ? { ConditionExpression: condition } : {}),
      ...(Object.keys(this.names).length > 0 ? { ExpressionAttributeNames: this.names } : {}),
      ...(Object.keys(this.values).length > 0 ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}
