/**
 * One compiled definition as a Step Functions state machine: the ASL from the
 * compiler as it is (`DefinitionBody.fromString`), every `${Key}` placeholder
 * substituted with the ARN it stands for, logging ALL to its own log group,
 * X-Ray on, and a top-level `TimeoutSeconds` so no execution, and no callback
 * task inside it, waits forever.
 */
import { Annotations, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { executionsArn, stateMachineArn } from './arns.ts';
import type { CompiledWorkflow } from './definitions.ts';
import { acknowledge, executionsFinding, REASONS } from './nag.ts';

export interface WorkflowStateMachineProps {
  workflow: CompiledWorkflow;
  /** The state machine's name (`baton-<stage>-<workflow>`). */
  stateMachineName: string;
  /** Workflow name → its state machine's name, for child workflows. */
  nameOf: (workflow: string) => string;
  /** Placeholder key → the Lambda it stands for. */
  lambdas: Record<string, IFunction>;
  timeoutSeconds: number;
  logRetention: RetentionDays;
}

/** Step Functions' limit on a state machine's name. */
const MAX_NAME = 80;

/** The rule Step Functions creates in the account to follow `.sync` child executions. */
const SYNC_RULE = 'StepFunctionsGetEventsForStepFunctionsExecutionRule';

export class WorkflowStateMachine extends Construct {
  readonly stateMachine: StateMachine;
  /** The substitutions given to CloudFormation, placeholder key → ARN (tokens at synth). */
  readonly substitutions: Record<string, string>;

  constructor(scope: Construct, id: string, props: WorkflowStateMachineProps) {
    super(scope, id);
    const { workflow } = props;
    if (props.stateMachineName.length > MAX_NAME) {
      throw new Error(`Baton: state machine name ${props.stateMachineName} is ${props.stateMachineName.length} characters, Step Functions allows ${MAX_NAME}: shorten the workflow name or the stage`);
    }

    const substitutions: Record<string, string> = {};
    for (const key of Object.keys(workflow.manifest.lambdas)) {
      const fn = props.lambdas[key];
      if (!fn) throw new Error(`Baton: ${workflow.name} calls ${key}, and the stack has no Lambda for it`);
      substitutions[key] = fn.functionArn;
    }
    const children = Object.entries(workflow.manifest.workflows);
    for (const [key, child] of children) substitutions[key] = stateMachineArn(this, props.nameOf(child));
    this.substitutions = substitutions;

    const definition = { ...workflow.asl, TimeoutSeconds: (workflow.asl.TimeoutSeconds as number | undefined) ?? props.timeoutSeconds };
    const text = JSON.stringify(definition);
    const missing = [...new Set([...text.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]))].filter((key) => !(key in substitutions));
    if (missing.length > 0) throw new Error(`Baton: ${workflow.name}'s definition has placeholders nothing substitutes: ${missing.join(', ')}`);
    warnAboutLongWaits(this, workflow, definition.TimeoutSeconds);

    const logGroup = new LogGroup(this, 'Logs', {
      // The /aws/vendedlogs/ prefix keeps Step Functions' log delivery off the account's log resource policy size limit.
      logGroupName: `/aws/vendedlogs/states/${props.stateMachineName}`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: StateMachineType.STANDARD,
      comment: workflow.manifest.description,
      definitionBody: DefinitionBody.fromString(text),
      definitionSubstitutions: substitutions,
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });

    acknowledge(this.stateMachine, 'AwsSolutions-IAM5[Resource::*]', REASONS.xrayWildcard);

    // The Task states invoke each function unqualified: its ARN, nothing wider.
    const functionArns = [...new Set(Object.values(props.lambdas).map((fn) => fn.functionArn))];
    this.stateMachine.addToRolePolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: functionArns }));
    if (children.length > 0) {
      // What `states:startExecution.sync:2` needs: start the child, follow and stop it, and the managed rule that reports its end.
      const names = [...new Set(children.map(([, child]) => props.nameOf(child)))];
      this.stateMachine.addToRolePolicy(new PolicyStatement({ actions: ['states:StartExecution'], resources: names.map((name) => stateMachineArn(this, name)) }));
      this.stateMachine.addToRolePolicy(new PolicyStatement({ actions: ['states:DescribeExecution', 'states:StopExecution'], resources: names.map((name) => executionsArn(this, name)) }));
      for (const name of names) acknowledge(this.stateMachine, executionsFinding(name), REASONS.executions);
      this.stateMachine.addToRolePolicy(
        new PolicyStatement({
          actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
          resources: [Stack.of(this).formatArn({ service: 'events', resource: 'rule', resourceName: SYNC_RULE })],
        }),
      );
    }
  }
}

/** A Task allowed to wait longer than the whole execution would be cut short by it: say so at synth. */
function warnAboutLongWaits(scope: Construct, workflow: CompiledWorkflow, executionSeconds: number): void {
  const visit = (states: Record<string, Record<string, any>>) => {
    for (const [name, state] of Object.entries(states ?? {})) {
      if (typeof state.TimeoutSeconds === 'number' && state.TimeoutSeconds >= executionSeconds) {
        Annotations.of(scope).addWarningV2(
          'baton:task-outlives-execution',
          `${workflow.name}: state '${name}' may wait ${state.TimeoutSeconds} s, as long as the whole execution may run (${executionSeconds} s, -c executionTimeout)`,
        );
      }
      for (const branch of state.Branches ?? []) visit(branch.States);
      if (state.ItemProcessor) visit(state.ItemProcessor.States);
    }
  };
  visit(workflow.asl.States as Record<string, Record<string, any>>);
}
