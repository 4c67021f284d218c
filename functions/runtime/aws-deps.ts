import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { SecretsManagerSecrets } from './secrets.ts';
import { CheckpointStore } from './store.ts';
import { SfnTaskTokens } from './task-tokens.ts';

/** The Lambda's environment, read once at cold start; a missing variable is a deploy bug, said plainly. */
export const LambdaEnv = z.object({
  BATON_TABLE: z.string().min(3),
  BATON_SECRETS_PREFIX: z.string().default('baton/'),
  BATON_RETENTION_DAYS: z.coerce.number().int().positive().default(30),
});
export type LambdaEnv = z.infer<typeof LambdaEnv>;

export function readEnv(env: Record<string, string | undefined> = process.env): LambdaEnv {
  const parsed = LambdaEnv.safeParse(env);
  if (!parsed.success) throw new Error(`Baton Lambda environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** The AWS side of the runtime's dependencies: DynamoDB, Secrets Manager, Step Functions. */
export function awsDeps(env: LambdaEnv, clients: { dynamo?: DynamoDBClient; sfn?: SFNClient } = {}) {
  const dynamo = DynamoDBDocumentClient.from(clients.dynamo ?? new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
  const sfn = clients.sfn ?? new SFNClient({});
  const store = new CheckpointStore({ client: dynamo, tableName: env.BATON_TABLE, retentionDays: env.BATON_RETENTION_DAYS });
  return { store, sfn, tokens: new SfnTaskTokens(sfn), secrets: new SecretsManagerSecrets({ prefix: env.BATON_SECRETS_PREFIX }) };
}
