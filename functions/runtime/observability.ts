/**
 * Logs, traces and metrics of Baton's Lambdas, through Powertools for AWS
 * Lambda: JSON log lines (Logger), X-Ray subsegments with the AWS SDK clients
 * captured (Tracer), and CloudWatch metrics as EMF (Metrics), namespace
 * `Baton`, under the names the stack's dashboard reads (`MetricNames`).
 *
 * Local runs need none of it: the core code takes the small interfaces below,
 * and `quietObservability` does nothing. Powertools is loaded only by
 * `lambdaEntry`, at a Lambda's cold start, so the CLI never imports it (the
 * X-Ray SDK alone costs ~60 ms to load).
 */
import { coldStart } from './aws-deps.ts';

export const METRICS_NAMESPACE = 'Baton';

/** The metric names, exactly: the dashboard and alarms of the stack use them. Every one has the single dimension `workflow`. */
export const MetricNames = {
  RunsStarted: 'RunsStarted',
  RunsSucceeded: 'RunsSucceeded',
  RunsFailed: 'RunsFailed',
  /** Milliseconds. */
  StepDuration: 'StepDuration',
  /** Count: a step attempt after the first. */
  StepRetries: 'StepRetries',
} as const;

export const WORKFLOW_DIMENSION = 'workflow';

export interface BatonLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface BatonMetrics {
  runStarted(workflow: string): void;
  runSucceeded(workflow: string): void;
  /** Failed or timed out. */
  runFailed(workflow: string): void;
  stepDuration(workflow: string, milliseconds: number): void;
  stepRetried(workflow: string): void;
}

/** What a Lambda's context says about the invocation, as far as Baton reads it. */
export interface LambdaContext {
  functionName?: string;
  awsRequestId?: string;
  [key: string]: unknown;
}

export interface Observability {
  logger: BatonLogger;
  metrics: BatonMetrics;
  /** An AWS SDK client, captured for X-Ray. */
  capture<T>(client: T): T;
  /**
   * The step runtime's `log`: each event (already redacted by the runtime, keyed
   * by run_id, step, attempt) as a log line, plus the step metrics it implies.
   */
  stepLog(): (event: object) => void;
  /** One invocation: the Lambda context on every log line, an X-Ray subsegment, errors logged. */
  invocation<E, R>(handler: (event: E, context?: LambdaContext) => Promise<R>): (event: E, context?: LambdaContext) => Promise<R>;
}

const nothing = () => {};

/** For local runs and tests: no log lines, no traces, no metrics, no AWS. */
export const quietObservability: Observability = {
  logger: { debug: nothing, info: nothing, warn: nothing, error: nothing },
  metrics: { runStarted: nothing, runSucceeded: nothing, runFailed: nothing, stepDuration: nothing, stepRetried: nothing },
  capture: (client) => client,
  stepLog: () => nothing,
  invocation: (handler) => (event, context) => handler(event, context),
};

/**
 * The step metrics a step runtime's events imply: `StepRetries` for an attempt
 * after the first, `StepDuration` from an attempt's start to its end within one
 * invocation. A step that waits across invocations (an approval, an agent run
 * polled later) has no duration here: its wait is not the code's time.
 */
export function stepEventMetrics(metrics: BatonMetrics, clock: () => number = Date.now): (event: object) => void {
  const started = new Map<string, number>();
  return (raw) => {
    const event = raw as { event?: string; run_id?: string; workflow?: string; step?: string; index?: number; attempt?: number; phase?: string };
    if (!event.workflow) return;
    const id = `${event.run_id}\u0000${event.step}\u0000${event.index ?? ''}`;
    switch (event.event) {
      case 'step.started':
        if (event.phase === 'poll') return;
        started.set(id, clock());
        if ((event.attempt ?? 1) > 1) metrics.stepRetried(event.workflow);
        return;
      case 'step.succeeded':
      case 'step.failed': {
        const at = started.get(id);
        started.delete(id);
        if (at !== undefined) metrics.stepDuration(event.workflow, clock() - at);
        return;
      }
      case 'step.waiting':
      case 'step.working':
        started.delete(id);
    }
  };
}

/**
 * Powertools, loaded now. `service` names the Lambda in logs and traces
 * (`baton-api`, `baton-step`, …); metrics carry no service dimension, only
 * `workflow`, so one dashboard widget sums a metric over every Lambda.
 */
export async function powertoolsObservability(service: string): Promise<Observability> {
  const [{ Logger }, { Metrics, MetricUnit }, { Tracer }] = await Promise.all([
    import('@aws-lambda-powertools/logger'),
    import('@aws-lambda-powertools/metrics'),
    import('@aws-lambda-powertools/tracer'),
  ]);
  const powertoolsLogger = new Logger({ serviceName: service });
  const tracer = new Tracer({ serviceName: service });
  const emf = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: service });
  emf.clearDefaultDimensions();
  // One EMF document per data point: each has its own `workflow`, and nothing waits for a flush.
  const put = (name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number, workflow: string) => {
    emf.addDimension(WORKFLOW_DIMENSION, workflow);
    emf.addMetric(name, unit, value);
    emf.publishStoredMetrics();
  };
  const metrics: BatonMetrics = {
    runStarted: (w) => put(MetricNames.RunsStarted, MetricUnit.Count, 1, w),
    runSucceeded: (w) => put(MetricNames.RunsSucceeded, MetricUnit.Count, 1, w),
    runFailed: (w) => put(MetricNames.RunsFailed, MetricUnit.Count, 1, w),
    stepDuration: (w, ms) => put(MetricNames.StepDuration, MetricUnit.Milliseconds, ms, w),
    stepRetried: (w) => put(MetricNames.StepRetries, MetricUnit.Count, 1, w),
  };
  const logger: BatonLogger = {
    debug: (message, fields) => powertoolsLogger.debug(message, fields ?? {}),
    info: (message, fields) => powertoolsLogger.info(message, fields ?? {}),
    warn: (message, fields) => powertoolsLogger.warn(message, fields ?? {}),
    error: (message, fields) => powertoolsLogger.error(message, fields ?? {}),
  };
  return {
    logger,
    metrics,
    capture: (client) => tracer.captureAWSv3Client(client),
    stepLog: () => {
      const stepMetrics = stepEventMetrics(metrics);
      return (event) => {
        const { event: name, ...fields } = event as { event?: string };
        logger.info(String(name ?? 'step'), fields);
        stepMetrics(event);
      };
    },
    invocation: (handler) => async (event, context) => {
      if (context) powertoolsLogger.addContext(context as never);
      const segment = tracer.isTracingEnabled() ? tracer.getSegment() : undefined;
      const subsegment = segment?.addNewSubsegment(`## ${process.env._HANDLER ?? service}`);
      if (subsegment) {
        tracer.setSegment(subsegment);
        tracer.annotateColdStart();
        tracer.addServiceNameAnnotation();
      }
      try {
        return await handler(event, context);
      } catch (error) {
        if (subsegment) tracer.addErrorAsMetadata(error as Error);
        // The thrown error's name is what Step Functions matches; its message is already masked.
        logger.error('invocation.failed', { error: (error as Error).name, message: (error as Error).message });
        throw error;
      } finally {
        if (subsegment && segment) {
          subsegment.close();
          tracer.setSegment(segment);
        }
      }
    },
  };
}

/**
 * A Lambda's exported handler: Powertools and the handler are built once, at
 * cold start (`build` reads the environment then), and every invocation goes
 * through `invocation`.
 */
export function lambdaEntry<E, R>(service: string, build: (observability: Observability) => (event: E, context?: LambdaContext) => Promise<R>): (event: E, context?: LambdaContext) => Promise<R> {
  return coldStart<E, R, LambdaContext>(async () => {
    const observability = await powertoolsObservability(service);
    return observability.invocation(build(observability));
  });
}
