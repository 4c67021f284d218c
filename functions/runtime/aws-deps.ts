import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import type { Executions } from './runtime-deps.ts';
import { SecretsManagerSecrets } from './secrets.ts';
import { CheckpointStore } from './store/index.ts';
import { SfnTaskTokens } from './task-tokens.ts';

/** The Lambda's environment, read once at cold start; a missing variable is a deploy bug, said plainly. */
export const LambdaEnv = z.object({
  BATON_TABLE: z.string().min(3),
  BATON_SECRETS_PREFIX: z.string().default('baton/'),
  BATON_RETENTION_DAYS: z.coerce.number().int().positive().default(30),
});
export type LambdaEnv = z.infer<typeof LambdaEnv>;

/** Reads `schema` from the environment, or says in one line which variables are wrong. */
export function readEnv<T extends z.ZodType>(schema: T, env: Record<string, string | undefined> = process.env): z.infer<T> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new Error(`Baton Lambda environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** Pause and cancel stop the execution with StopExecution, at the step boundary. */
export class SfnExecutions implements Executions {
  private readonly sfn: SFNClient;
  constructor(sfn: SFNClient) {
    this.sfn = sfn;
  }
  async stop(executionArn: string, error: string, cause: string): Promise<void> {
    await this.sfn.send(new StopExecutionCommand({ executionArn, error, cause }));
  }
}

/** The AWS side of the runtime's dependencies: DynamoDB, Secrets Manager, Step Functions. */
export function awsDeps(env: LambdaEnv, clients: { dynamo?: DynamoDBClient; sfn?: SFNClient } = {}) {
  const dynamo = DynamoDBDocumentClient.from(clients.dynamo ?? new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
  const sfn = clients.sfn ?? new SFNClient({});
  const store = new CheckpointStore({ client: dynamo, tableName: env.BATON_TABLE, retentionDays: env.BATON_RETENTION_DAYS });
  return { store, sfn, tokens: new SfnTaskTokens(sfn), executions: new SfnExecutions(sfn), secrets: new SecretsManagerSecrets({ prefix: env.BATON_SECRETS_PREFIX }) };
}

/** A handler built on its first call, that is at the container's cold start, and reused after. */
export function coldStart<E, R>(build: () => (event: E) => Promise<R>): (event: E) => Promise<R> {
  let built: ((event: E) => Promise<R>) | undefined;
  return (event) => (built ??= build())(event);
}
