/**
 * Every Baton Lambda: one NodejsFunction subclass fixes the defaults once
 * (Node 24 on ARM, local esbuild, ESM with source maps, X-Ray, its own log
 * group with a retention), and `bindTable()` / `bindSecrets()` set an
 * environment variable and grant what it names in one call, so the two never
 * drift apart.
 */
import { Duration, RemovalPolicy, Stack, ArnFormat } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, SourceMapMode, type ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { join } from 'node:path';
import { executionsArn, stateMachineArn } from './arns.ts';
import { PROJECT_ROOT } from './entries.ts';
import { acknowledge, executionsFinding, REASONS } from './nag.ts';
import type { BatonTable } from './table.ts';

export interface BatonFunctionProps {
  /** Absolute path of the entry file (entries.ts, or a generated one under the project root). */
  entry: string;
  /** `POWERTOOLS_SERVICE_NAME`: how logs, traces and metrics name this function. */
  service: string;
  description: string;
  logRetention: RetentionDays;
  timeout?: Duration;
  memorySize?: number;
  environment?: Record<string, string>;
  /**
   * For a Lambda invoked asynchronously (EventBridge, Scheduler, SNS): Lambda
   * retries a failed event twice, then sends it here with the error.
   */
  asyncFailures?: IQueue;
  /** Files copied next to the bundle's index.mjs: bundle name → absolute source path. */
  extraFiles?: Record<string, string>;
}

/**
 * ESM output still meets CommonJS dependencies that call `require` on Node
 * built-ins; a module-scoped `require` made from `import.meta.url` serves them.
 */
const REQUIRE_SHIM = "import { createRequire as __batonCreateRequire } from 'node:module'; const require = __batonCreateRequire(import.meta.url);";

export class BatonFunction extends NodejsFunction {
  /** The function's own role (the base class's `role` is optional in its type). */
  readonly serviceRole: Role;

  constructor(scope: Construct, id: string, props: BatonFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    // Its own role instead of AWSLambdaBasicExecutionRole: it writes to its own log group, not to every log group.
    const role = new Role(scope, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com'), description: `Baton: ${props.service}` });
    logGroup.grantWrite(role);
    super(scope, id, {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: Tracing.ACTIVE,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      role,
      ...(props.asyncFailures ? { onFailure: new SqsDestination(props.asyncFailures), retryAttempts: 2 } : {}),
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      environment: {
        POWERTOOLS_SERVICE_NAME: props.service,
        POWERTOOLS_METRICS_NAMESPACE: 'Baton',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        mainFields: ['module', 'main'],
        banner: REQUIRE_SHIM,
        minify: true,
        // Error names are part of the compiled contract; keep every name as written anyway.
        keepNames: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        // The AWS SDK is bundled too: the version the tests ran is the version that runs.
        externalModules: [],
        forceDockerBundling: false,
        logLevel: LogLevel.WARNING,
        commandHooks: props.extraFiles ? copyInto(props.extraFiles) : undefined,
      },
    });
    this.serviceRole = role;
    acknowledge(role, 'AwsSolutions-IAM5[Resource::*]', REASONS.xrayWildcard);
    acknowledge(this, 'Serverless-LambdaDLQ', props.asyncFailures ? REASONS.asyncLambda : REASONS.syncLambda);
  }

  /**
   * Step Functions `actions` on the named state machines of this stack, or on
   * all their executions. ARNs are built from names (arns.ts), never from the
   * state machine resources, which depend on the Lambdas.
   */
  allowStates(actions: string[], on: 'stateMachines' | 'executions', names: string[]): this {
    if (actions.length === 0 || names.length === 0) return this;
    const unique = [...new Set(names)].sort();
    const resources = unique.map((name) => (on === 'executions' ? executionsArn(this, name) : stateMachineArn(this, name)));
    this.addToRolePolicy(new PolicyStatement({ actions, resources }));
    if (on === 'executions') for (const name of unique) acknowledge(this.serviceRole, executionsFinding(name), REASONS.executions);
    return this;
  }

  /** `BATON_TABLE` and read/write access to the table's items and its GSI, nothing else. */
  bindTable(table: BatonTable): this {
    this.addEnvironment('BATON_TABLE', table.tableName);
    table.grantItems(this);
    return this;
  }

  /**
   * `BATON_SECRETS_PREFIX`, and `secretsmanager:GetSecretValue` on exactly the
   * named secrets: `<prefix><NAME>-??????` (Secrets Manager appends six random
   * characters to a secret's ARN), and `<prefix><NAME>` itself, the ARN a read
   * of a secret that does not exist is authorized against, so that an optional
   * secret nobody created reads as absent (ResourceNotFound), not as
   * AccessDenied. No names, no grant.
   */
  bindSecrets(prefix: string, names: Iterable<string>): this {
    this.addEnvironment('BATON_SECRETS_PREFIX', prefix);
    const arns = [...new Set(names)].sort().flatMap((name) => [secretArn(this, `${prefix}${name}`), secretArn(this, `${prefix}${name}`, { bare: true })]);
    if (arns.length > 0) this.addToRolePolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: arns }));
    return this;
  }
}

/** The ARN of a secret by its name, with the `-??????` suffix Secrets Manager adds (`bare`: without it). */
export function secretArn(scope: Construct, name: string, options: { bare?: boolean } = {}): string {
  return Stack.of(scope).formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: options.bare ? name : `${name}-??????`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

function copyInto(files: Record<string, string>): ICommandHooks {
  const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir, outputDir) => Object.entries(files).map(([name, source]) => `cp ${quote(source)} ${quote(join(outputDir, name))}`),
  };
}
