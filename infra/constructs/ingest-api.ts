import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENTITIES, queueUrlEnvVar, type Entity } from '../../lib/entities.js';
import type { InfraConfig } from '../config.js';
import { SyncFunction } from './sync-function.js';

/** The one route Relatel posts to. */
export const WEBHOOK_PATH = '/webhooks/relatel';

export interface IngestApiProps {
  readonly config: InfraConfig;
  readonly queues: Readonly<Record<Entity, sqs.IQueue>>;
  readonly signingSecret: secretsmanager.ISecret;
}

/** Relatel -> HTTP API -> webhook Lambda -> the entity's FIFO queue. */
export class IngestApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly webhook: SyncFunction;
  readonly accessLogs: logs.LogGroup;
  /** Full URL to enter in Relatel's webhook settings. */
  readonly webhookUrl: string;

  constructor(scope: Construct, id: string, props: IngestApiProps) {
    super(scope, id);
    const { config, queues, signingSecret } = props;

    this.webhook = new SyncFunction(this, 'Webhook', {
      name: 'webhook',
      description: 'Verifies Relatel webhooks and queues them per entity',
      // Secrets Manager (on a cache miss) plus one SendMessage: seconds at worst. Well under the
      // HTTP API's 30 s integration limit, so Relatel gets our 503, not a gateway timeout.
      timeout: Duration.seconds(10),
      memorySize: config.webhookMemoryMb,
      logRetention: config.logRetentionDays,
      environment: {
        ...Object.fromEntries(ENTITIES.map((entity) => [queueUrlEnvVar(entity), queues[entity].queueUrl])),
        WEBHOOK_SECRET_ID: signingSecret.secretArn,
        SIGNATURE_TOLERANCE_SECONDS: String(config.signatureToleranceSeconds),
        PREVIOUS_SIGNING_SECRET_GRACE_SECONDS: String(config.previousSigningSecretGraceSeconds),
        LOG_LEVEL: config.logLevel,
      },
    });
    this.webhook.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['sqs:SendMessage'],
        resources: ENTITIES.map((entity) => queues[entity].queueArn),
      }),
    );
    // AWSPREVIOUS is read with the same action, so a rotation needs no extra permission.
    this.webhook.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [signingSecret.secretArn] }),
    );

    this.api = new apigw.HttpApi(this, 'Api', {
      description: 'Receives Relatel webhooks',
      createDefaultStage: false,
    });
    this.api.addRoutes({
      path: WEBHOOK_PATH,
      methods: [apigw.HttpMethod.POST],
      integration: new HttpLambdaIntegration('Webhook', this.webhook.function),
    });

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: config.logRetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: config.apiThrottleRateLimit, burstLimit: config.apiThrottleBurstLimit },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        // Request metadata only: bodies carry personal data and never belong in access logs.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            sourceIp: '$context.identity.sourceIp',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            integrationStatus: '$context.integrationStatus',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    // The $default stage is served at the API's root, so no stage name in the URL.
    this.webhookUrl = `${this.api.apiEndpoint}${WEBHOOK_PATH}`;

    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Relatel authenticates each webhook with an HMAC-SHA256 signature over the raw body, which only the webhook Lambda can verify (API Gateway authorizers never see the body); unsigned requests get 401 there.',
    });
  }
}
