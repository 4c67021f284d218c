/**
 * Where alarms go: one SNS topic, encrypted with a key of the stack's own
 * (CloudWatch cannot publish to a topic under the AWS-managed SNS key), with
 * an optional email subscription and an optional Slack forwarder.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { BatonFunction, secretArn } from '../baton-function.ts';
import { entryPath } from '../entries.ts';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';

export interface AlertTopicProps {
  topicName: string;
  email?: string;
  /** Secrets Manager secret name holding a Slack incoming-webhook URL. */
  slackWebhookSecret?: string;
  logRetention: RetentionDays;
  /** Undeliverable notifications and failed forwards end here. */
  failures: IQueue;
}

export class AlertTopic extends Construct {
  readonly topic: Topic;
  readonly slackForwarder?: BatonFunction;

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    const key = new Key(this, 'Key', {
      description: 'Baton: encrypts the alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // CloudWatch alarms publish to the topic, so they must be able to use its key.
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'Topic', { topicName: props.topicName, displayName: 'Baton alarms', masterKey: key, enforceSSL: true });

    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email, { deadLetterQueue: props.failures }));
    if (props.slackWebhookSecret) {
      const forwarder = new BatonFunction(this, 'SlackForwarder', {
        entry: entryPath('slack'),
        service: 'baton-slack',
        description: 'Baton: forwards alarms to Slack',
        logRetention: props.logRetention,
        timeout: Duration.seconds(30),
        memorySize: 256,
        asyncFailures: props.failures,
        environment: { SLACK_WEBHOOK_SECRET: props.slackWebhookSecret },
      });
      forwarder.addToRolePolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secretArn(this, props.slackWebhookSecret)] }));
      this.topic.addSubscription(new LambdaSubscription(forwarder, { deadLetterQueue: props.failures }));
      this.slackForwarder = forwarder;
    }
  }
}
