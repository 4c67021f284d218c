import { DescribeExecutionCommand, SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { compile } from '../../compiler/index.ts';
import { workflowManifest, type WorkflowManifest } from '../../compiler/manifest.ts';
import { createApi } from '../../functions/api/app.ts';
import type { ProxyResult } from '../../functions/api/proxy.ts';
import { createEventsHandler } from '../../functions/events/handler.ts';
import { StepFunctionsExecutions } from '../../functions/runtime/starter/sfn-executions.ts';
import { RunStarter } from '../../functions/runtime/starter/starter.ts';
import { WorkflowCatalog } from '../../functions/runtime/starter/workflows.ts';
import { StoreTaskTokens } from '../../functions/runtime/task-tokens.ts';
import { toProxyEvent } from '../../cli/serve/proxy-event.ts';
import { startRuntimeHarness, type RuntimeHarness } from './runtime-harness.ts';

export const PREFIX = 'arn:aws:states:eu-west-1:123456789012:stateMachine:baton-';

/** A workflow file's manifest, compiled for real. */
export function manifestOf(yaml: string): WorkflowManifest {
  const result = compile(yaml);
  const manifest = workflowManifest(result);
  if (!manifest) throw new Error(`fixture does not compile: ${JSON.stringify(result.diagnostics)}`);
  return manifest;
}

interface FakeExecution {
  arn: string;
  name: string;
  input: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
}

/**
 * Step Functions through aws-sdk-client-mock, behaving as the service does where
 * Baton relies on it: a name started again with the same input is the same
 * execution (while it runs), with another input `ExecutionAlreadyExists`;
 * DescribeExecution of an unknown ARN `ExecutionDoesNotExist`; StopExecution aborts.
 */
export function fakeStepFunctions() {
  const mock = mockClient(SFNClient);
  const executions = new Map<string, FakeExecution>();
  const fail = (name: string, message: string) => Object.assign(new Error(message), { name });
  mock.on(StartExecutionCommand).callsFake(async (input: { stateMachineArn: string; name: string; input: string }) => {
    const arn = `${input.stateMachineArn.replace(':stateMachine:', ':execution:')}:${input.name}`;
    // A network round trip: requests racing this one see no execution yet.
    await new Promise((resolve) => setTimeout(resolve, 15));
    const existing = executions.get(arn);
    if (existing && (existing.input !== input.input || existing.status !== 'RUNNING')) throw fail('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    if (!existing) executions.set(arn, { arn, name: input.name, input: input.input, status: 'RUNNING' });
    return { executionArn: arn, startDate: new Date() };
  });
  mock.on(DescribeExecutionCommand).callsFake(async (input: { executionArn: string }) => {
    const found = executions.get(input.executionArn);
    if (!found) throw fail('ExecutionDoesNotExist', `Execution Does Not Exist: '${input.executionArn}'`);
    return { executionArn: found.arn, name: found.name, input: found.input, status: found.status, startDate: new Date() };
  });
  mock.on(StopExecutionCommand).callsFake(async (input: { executionArn: string }) => {
    const found = executions.get(input.executionArn);
    if (!found) throw fail('ExecutionDoesNotExist', `Execution Does Not Exist: '${input.executionArn}'`);
    if (found.status === 'RUNNING') found.status = 'ABORTED';
    return { stopDate: new Date() };
  });
  return {
    mock,
    executions,
    starts: (name?: string) => mock.commandCalls(StartExecutionCommand).filter((c) => name === undefined || c.args[0].input.name === name),
    stops: () => mock.commandCalls(StopExecutionCommand).map((c) => c.args[0].input),
    /** The event Step Functions sends to EventBridge when an execution ends. */
    end(arn: string, status: FakeExecution['status'], extra: { error?: string; cause?: string } = {}) {
      const found = executions.get(arn);
      if (!found) throw new Error(`no execution ${arn}`);
      found.status = status;
      return {
        version: '0',
        source: 'aws.states',
        'detail-type': 'Step Functions Execution Status Change',
        detail: { executionArn: arn, stateMachineArn: arn.replace(/:execution:([^:]+):.*$/, ':stateMachine:$1'), name: found.name, status, input: found.input, error: extra.error ?? null, cause: extra.cause ?? null },
      };
    },
  };
}

export interface ApiHarness {
  runtime: RuntimeHarness;
  sfn: ReturnType<typeof fakeStepFunctions>;
  starter: RunStarter;
  events: ReturnType<typeof createEventsHandler>;
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

/** The API handler as the Lambda builds it, on dynalite and the fake Step Functions. */
export async function startApiHarness(workflows: WorkflowManifest[]): Promise<ApiHarness> {
  const runtime = await startRuntimeHarness();
  const sfn = fakeStepFunctions();
  const executions = new StepFunctionsExecutions(new SFNClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }), PREFIX);
  const starter = new RunStarter({ store: runtime.store, executions, workflows: new WorkflowCatalog(workflows) });
  const api = createApi({ store: runtime.store, starter, tokens: new StoreTaskTokens(runtime.store) });
  const events = createEventsHandler({ starter });
  return {
    runtime,
    sfn,
    starter,
    events,
    async call(method, path, body) {
      const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const result: ProxyResult = await api(toProxyEvent({ method, url: path, headers: { 'content-type': 'application/json', host: 'api.example.com' }, body: text, user: 'ada' }));
      return { status: result.statusCode, body: result.body ? JSON.parse(result.body) : undefined };
    },
    async stop() {
      sfn.mock.restore();
      await runtime.stop();
    },
  };
}
