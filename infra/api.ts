/**
 * The REST API of docs/api.md: IAM (SigV4) auth on every route but GitHub's
 * webhook, the request envelopes validated by API Gateway before the Lambda
 * runs, JSON access logs, X-Ray, and stage throttling. One proxy Lambda (the
 * Powertools router in functions/api) serves every run route.
 *
 * `POST /github/webhook` has no IAM auth and no request model: GitHub cannot
 * sign with SigV4, it signs the body (`X-Hub-Signature-256`, HMAC-SHA256 of
 * the raw bytes), so the body must reach the webhook Lambda
 * (functions/github/webhook-handler.ts) untouched, and that Lambda checks the
 * signature before it reads anything else.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  JsonSchemaType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RequestValidator,
  ResponseType,
  RestApi,
  type IModel,
  type IResource,
} from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge, REASONS } from './nag.ts';

export interface BatonApiProps {
  name: string;
  stage: string;
  handler: IFunction;
  /** GitHub's webhook Lambda, behind `POST /github/webhook`. */
  webhook: IFunction;
  logRetention: RetentionDays;
  rateLimit: number;
  burstLimit: number;
}

/** The routes, as docs/api.md lists them; `body` names the request model a POST must match. */
export const ROUTES: ReadonlyArray<{ method: 'GET' | 'POST'; path: string; body?: 'StartRun' | 'Decision' }> = [
  { method: 'GET', path: '/workflows' },
  { method: 'POST', path: '/workflows/{name}/runs', body: 'StartRun' },
  { method: 'GET', path: '/runs' },
  { method: 'GET', path: '/runs/{id}' },
  { method: 'POST', path: '/runs/{id}/cancel' },
  { method: 'POST', path: '/runs/{id}/pause' },
  { method: 'POST', path: '/runs/{id}/resume' },
  { method: 'POST', path: '/runs/{id}/retry' },
  { method: 'POST', path: '/runs/{id}/approvals/{step}', body: 'Decision' },
];

export const WEBHOOK_PATH = '/github/webhook';

export class BatonApi extends Construct {
  readonly api: RestApi;

  constructor(scope: Construct, id: string, props: BatonApiProps) {
    super(scope, id);
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.api = new RestApi(this, 'Api', {
      restApiName: props.name,
      description: 'Baton: start, watch and control workflow runs',
      endpointTypes: [EndpointType.REGIONAL],
      // API Gateway writes logs through an account-wide role; the stack sets it (and keeps it when deleted).
      cloudWatchRole: true,
      defaultMethodOptions: { authorizationType: AuthorizationType.IAM },
      deployOptions: {
        stageName: props.stage,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
        throttlingRateLimit: props.rateLimit,
        throttlingBurstLimit: props.burstLimit,
      },
    });

    acknowledge(this.api, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]', REASONS.apiCloudWatchRole);
    acknowledge(this.api.deploymentStage, 'AwsSolutions-APIG3', REASONS.waf);

    const validator = new RequestValidator(this, 'Validator', { restApi: this.api, validateRequestBody: true, validateRequestParameters: true });
    // A rejected envelope says what is wrong, as JSON like the Lambda's own 400s.
    this.api.addGatewayResponse('BadBody', {
      type: ResponseType.BAD_REQUEST_BODY,
      templates: { 'application/json': '{ "message": "$context.error.message", "problems": "$context.error.validationErrorString" }' },
    });
    const models = this.models();

    // Test invocations (the console's Test button, `aws apigateway test-invoke-method`) may call it too: an operator with API Gateway access can try a route without signing an execute-api request.
    const integration = new LambdaIntegration(props.handler, { proxy: true });
    for (const route of ROUTES) {
      const resource = this.resourceAt(route.path);
      const pathParameters = Object.fromEntries([...route.path.matchAll(/\{(\w+)\}/g)].map((m) => [`method.request.path.${m[1]}`, true]));
      const method = resource.addMethod(route.method, integration, {
        requestValidator: validator,
        requestParameters: pathParameters,
        ...(route.body ? { requestModels: { 'application/json': models[route.body] } } : {}),
      });
      acknowledge(method, 'AwsSolutions-COG4', REASONS.iamNotCognito);
    }

    // No binaryMediaTypes. They are API-wide: `application/json` among them
    // would also hand the run routes' JSON bodies to the API Lambda and its
    // request models as binary. Without them API Gateway passes a UTF-8 body
    // to the proxy Lambda as text, and valid UTF-8 decodes to text and encodes
    // back to the very same bytes, so the HMAC the webhook computes over the
    // text's UTF-8 is the one GitHub computed over the bytes it sent (GitHub
    // sends UTF-8 JSON). Should a body ever come base64-encoded, the
    // webhook Lambda decodes it to its exact bytes, so that stays correct too.
    // Bytes that are not UTF-8 may not survive as text: their signature fails
    // (401), and GitHub never sends such a body.
    const webhook = this.resourceAt(WEBHOOK_PATH).addMethod('POST', new LambdaIntegration(props.webhook, { proxy: true }), { authorizationType: AuthorizationType.NONE });
    acknowledge(webhook, 'AwsSolutions-APIG4', REASONS.webhookAuth);
    acknowledge(webhook, 'AwsSolutions-COG4', REASONS.webhookAuth);
  }

  get webhookUrl(): string {
    return this.api.urlForPath(WEBHOOK_PATH);
  }

  private resourceAt(path: string): IResource {
    return this.api.root.resourceForPath(path);
  }

  /** The request envelopes; what the inputs themselves must be is the Lambda's check (every problem at once). */
  private models(): Record<'StartRun' | 'Decision', IModel> {
    return {
      StartRun: this.api.addModel('StartRun', {
        contentType: 'application/json',
        modelName: 'StartRun',
        schema: {
          type: JsonSchemaType.OBJECT,
          properties: {
            inputs: { type: JsonSchemaType.OBJECT },
            run_id: { type: JsonSchemaType.STRING, minLength: 1, maxLength: 80 },
          },
        },
      }),
      Decision: this.api.addModel('Decision', {
        contentType: 'application/json',
        modelName: 'Decision',
        schema: {
          type: JsonSchemaType.OBJECT,
          required: ['decision'],
          properties: {
            decision: { type: JsonSchemaType.STRING, enum: ['approve', 'reject'] },
            comment: { type: JsonSchemaType.STRING, maxLength: 4096 },
          },
        },
      }),
    };
  }
}
