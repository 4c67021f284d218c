import { describe, expect, it } from 'vitest';
import { slackText } from '../../infra/alerts/slack-forwarder.ts';

describe('infra: the Slack forwarder', () => {
  it('turns an alarm notification into one line per fact', () => {
    const message = JSON.stringify({ AlarmName: 'baton-dev-pr-processing-run-failed', AlarmDescription: 'A pr-processing run failed.', NewStateValue: 'ALARM', NewStateReason: 'Threshold Crossed' });
    expect(slackText('ALARM: "baton-dev-pr-processing-run-failed"', message)).toBe(':rotating_light: *baton-dev-pr-processing-run-failed* is ALARM\nA pr-processing run failed.\nThreshold Crossed');
    expect(slackText(null, JSON.stringify({ AlarmName: 'x', NewStateValue: 'OK' }))).toBe(':white_check_mark: *x* is OK');
  });

  it('forwards any other message as it is, under its subject', () => {
    expect(slackText('Hello', 'not json')).toBe('*Hello*\nnot json');
    expect(slackText(undefined, '{"a":1}')).toBe('{"a":1}');
  });
});
