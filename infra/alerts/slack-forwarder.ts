/**
 * SNS → Slack: each alarm notification on the Baton alarm topic becomes one
 * message on a Slack incoming webhook. The webhook URL is a secret (whoever
 * holds it can post to the channel), so it lives in Secrets Manager and is read
 * here, once per container.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

interface SnsEvent {
  Records: Array<{ Sns: { Subject?: string | null; Message: string } }>;
}

interface AlarmMessage {
  AlarmName?: string;
  AlarmDescription?: string | null;
  NewStateValue?: string;
  NewStateReason?: string;
  Region?: string;
}

/** The Slack text of one SNS message: an alarm's state change, or the raw message otherwise. */
export function slackText(subject: string | null | undefined, message: string): string {
  let alarm: AlarmMessage | undefined;
  try {
    const parsed = JSON.parse(message) as unknown;
    if (parsed && typeof parsed === 'object' && 'AlarmName' in parsed) alarm = parsed as AlarmMessage;
  } catch {
    // Not JSON: forward it as it is.
  }
  if (!alarm) return subject ? `*${subject}*\n${message}` : message;
  const icon = alarm.NewStateValue === 'ALARM' ? ':rotating_light:' : alarm.NewStateValue === 'OK' ? ':white_check_mark:' : ':grey_question:';
  return [`${icon} *${alarm.AlarmName}* is ${alarm.NewStateValue}`, alarm.AlarmDescription, alarm.NewStateReason].filter(Boolean).join('\n');
}

let webhookUrl: Promise<string> | undefined;

async function readWebhookUrl(): Promise<string> {
  const secretId = process.env.SLACK_WEBHOOK_SECRET;
  if (!secretId) throw new Error('SLACK_WEBHOOK_SECRET is not set');
  const result = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretId }));
  const url = result.SecretString?.trim();
  if (!url?.startsWith('https://')) throw new Error(`secret ${secretId} does not hold an https:// webhook URL`);
  return url;
}

export async function handler(event: SnsEvent): Promise<void> {
  webhookUrl ??= readWebhookUrl().catch((error: unknown) => {
    webhookUrl = undefined;
    throw error;
  });
  const url = await webhookUrl;
  for (const record of event.Records) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: slackText(record.Sns.Subject, record.Sns.Message) }),
      signal: AbortSignal.timeout(10_000),
    });
    // A failed post throws, so Lambda retries the event and, after that, sends it to the failures queue.
    if (!response.ok) throw new Error(`Slack answered ${response.status} ${await response.text()}`);
  }
}
