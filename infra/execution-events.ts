/**
 * Execution status changes of the stack's state machines go to the events
 * Lambda: when a run ends, however it ends (even a timeout or a StopExecution
 * from the console, which no Task state sees), it records the end and starts
 * the next queued run of the concurrency group.
 */
import { Duration } from 'aws-cdk-lib';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface ExecutionEventsProps {
  stateMachineArns: string[];
  target: IFunction;
  deadLetterQueue: IQueue;
}

export class ExecutionEvents extends Construct {
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: ExecutionEventsProps) {
    super(scope, id);
    this.rule = new Rule(this, 'Rule', {
      description: 'Baton: execution status changes of the Baton state machines',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: props.stateMachineArns },
      },
    });
    this.rule.addTarget(new LambdaFunction(props.target, { deadLetterQueue: props.deadLetterQueue, retryAttempts: 8, maxEventAge: Duration.hours(6) }));
  }
}
