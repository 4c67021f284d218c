import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
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

/**
 * The AWS side of the runtime's dependencies: DynamoDB, Secrets Manager, Step
 * Functions. `capture` wraps each client it creates (X-Ray, through
 * observability.ts); clients passed in are used as they are.
 */
export function awsDeps(env: LambdaEnv, clients: { dynamo?: DynamoDBClient; sfn?: SFNClient; capture?: <T>(client: T) => T } = {}) {
  const capture = clients.capture ?? (<T>(client: T) => client);
  const dynamo = DynamoDBDocumentClient.from(clients.dynamo ?? capture(new DynamoDBClient({})), { marshallOptions: { removeUndefinedValues: true } });
  const sfn = clients.sfn ?? capture(new SFNClient({}));
  const store = new CheckpointStore({ client: dynamo, tableName: env.BATON_TABLE, retentionDays: env.BATON_RETENTION_DAYS });
  const secrets = new SecretsManagerSecrets({ prefix: env.BATON_SECRETS_PREFIX, client: capture(new SecretsManagerClient({})) });
  return { store, sfn, tokens: new SfnTaskTokens(sfn), executions: new SfnExecutions(sfn), secrets };
}

/**
 * A handler built on its first call, that is at the container's cold start, and
 * reused after. `build` may be async (Powertools is loaded then); if it fails
 * (a wrong environment), every call says so until it succeeds.
 */
export function coldStart<E, R, C = unknown>(build: () => ((event: E, context?: C) => Promise<R>) | Promise<(event: E, context?: C) => Promise<R>>): (event: E, context?: C) => Promise<R> {
  let built: Promise<(event: E, context?: C) => Promise<R>> | undefined;
  return async (event, context) => {
    built ??= Promise.resolve()
      .then(build)
      .catch((error: unknown) => {
        built = undefined;
        throw error;
      });
    return (await built)(event, context);
  };
}
