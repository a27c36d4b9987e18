import { Duration, Names, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  GHL_FLOWS,
  deadLetterQueueName,
  deadLetterQueueUrlEnvVar,
  queueUrlEnvVar,
  type GhlFlow,
} from '../../lib/entities.js';
import { GHL_WEBHOOK_SERVICE_NAME } from '../../lib/ingest/ghl-webhook.js';
import { WEBHOOK_METRICS, WEBHOOK_SIGNATURE_FAILURES_METRIC } from '../../lib/ingest/observe.js';
import { METRICS_NAMESPACE } from '../../lib/observability.js';
import { RELATEL_CALLS_METRIC } from '../../lib/reverse/observe.js';
import { CONSUMER_METRICS, consumerServiceName } from '../../lib/sync/observe.js';
import type { InfraConfig } from '../config.js';
import { alarmName } from './monitoring.js';
import { fifoQueueWithDeadLetter } from './fifo-queues.js';
import { SyncFunction } from './sync-function.js';

export interface GhlFlowProps {
  readonly flow: GhlFlow;
  readonly config: InfraConfig & { ghlLocationId: string };
  /** The stack's HTTP API: the flow's door is a route on it, beside Relatel's. */
  readonly api: apigw.HttpApi;
  readonly syncTable: dynamodb.ITable;
  readonly relatelApiToken: secretsmanager.ISecret;
  readonly alarmTopic: sns.ITopic;
}


/**
 * One GHL -> Relatel flow (a row of GHL_FLOWS in lib/entities.ts): its door (`POST
 * /webhooks/ghl`, functions/ghl-webhook), the workflow secret, its FIFO queue and DLQ, the
 * Relatel writer consuming it, and the DLQ alarm. Grants are exactly what each function's code
 * calls (test/infra/runtime-grants.test.ts).
 */
export class GhlFlowResources extends Construct {
  readonly flow: GhlFlow;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly door: SyncFunction;
  readonly writer: SyncFunction;
  readonly workflowSecret: secretsmanager.Secret;
  readonly deadLetterAlarm: cloudwatch.Alarm;
  /** The URL to give GHL (app webhook URL, workflow webhook action). */
  readonly webhookUrl: string;

  constructor(scope: Construct, id: string, props: GhlFlowProps) {
    super(scope, id);
    const { flow, config } = props;
    const row = GHL_FLOWS[flow];
    this.flow = flow;

    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = fifoQueueWithDeadLetter(this, flow, config));

    this.workflowSecret = new secretsmanager.Secret(this, 'WorkflowSecret', {
      secretName: `${config.resourcePrefix}/ghl-workflow-secret`,
      description: "Shared secret GHL workflow webhooks present (x-workflow-secret header or ?secret=): enter it in the workflow's webhook action",
      generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
    });
    Validations.of(this.workflowSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        "Rotation needs the new value entered in each GHL workflow's webhook action, a manual step; the door accepts AWSCURRENT and AWSPREVIOUS for a grace window so a rotation loses no events (docs/RUNBOOK.md).",
    });

    this.door = new SyncFunction(this, 'Door', {
      name: 'ghl-webhook',
      description: 'Verifies GHL contact webhooks and queues them for the Relatel writer',
      timeout: Duration.seconds(10),
      memorySize: config.webhookMemoryMb,
      logRetention: config.logRetentionDays,
      environment: {
        [queueUrlEnvVar(flow)]: this.queue.queueUrl,
        GHL_LOCATION_ID: config.ghlLocationId,
        GHL_WORKFLOW_SECRET_ID: this.workflowSecret.secretArn,
        GHL_WEBHOOK_TOLERANCE_SECONDS: String(config.signatureToleranceSeconds),
        ...(config.ghlWebhookEd25519PublicKeys && { GHL_WEBHOOK_ED25519_PUBLIC_KEYS: config.ghlWebhookEd25519PublicKeys }),
        ...(config.ghlWebhookRsaPublicKeys && { GHL_WEBHOOK_RSA_PUBLIC_KEYS: config.ghlWebhookRsaPublicKeys }),
        LOG_LEVEL: config.logLevel,
      },
    });
    this.door.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }));
    // AWSPREVIOUS is read with the same action, so a rotation needs no extra permission.
    this.door.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [this.workflowSecret.secretArn] }),
    );
    props.api.addRoutes({
      path: row.path,
      methods: [apigw.HttpMethod.POST],
      integration: new HttpLambdaIntegration('GhlDoor', this.door.function),
    });
    this.webhookUrl = `${props.api.apiEndpoint}${row.path}`;

    this.writer = new SyncFunction(this, 'Writer', {
      name: 'relatel-writer',
      description: "Writes GHL contacts to Relatel's phonebook",
      timeout: Duration.seconds(config.consumerTimeoutSeconds),
      memorySize: config.consumerMemoryMb,
      logRetention: config.logRetentionDays,
      environment: {
        [queueUrlEnvVar(flow)]: this.queue.queueUrl,
        [deadLetterQueueUrlEnvVar(flow)]: this.deadLetterQueue.queueUrl,
        SYNC_TABLE_NAME: props.syncTable.tableName,
        RELATEL_SECRET_ID: props.relatelApiToken.secretArn,
        RELATEL_API_BASE_URL: config.relatelApiBaseUrl,
        RELATEL_RATE_LIMIT_REQUESTS: String(config.relatelRateLimitRequests),
        RELATEL_RATE_LIMIT_INTERVAL_MS: String(config.relatelRateLimitIntervalMs),
        MAX_RECEIVE_COUNT: String(config.maxReceiveCount),
        RETRY_HORIZON_MS: String(config.retryHorizonHours * 3_600_000),
        ...(config.mapping && { MAPPING_CONFIG: JSON.stringify(config.mapping) }),
        LOG_LEVEL: config.logLevel,
      },
    });
    // As for the entity consumers: the mapping without SqsEventSource's GetQueueUrl grant.
    this.writer.function.addEventSourceMapping(`SqsEventSource:${Names.nodeUniqueId(this.queue.node)}`, {
      eventSourceArn: this.queue.queueArn,
      batchSize: config.consumerBatchSize,
      maxConcurrency: config.consumerMaxConcurrency,
      reportBatchItemFailures: true,
    });
    const writerRole = this.writer.role;
    writerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'],
        resources: [this.queue.queueArn],
      }),
    );
    writerRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }));
    // Links, deliveries, the contacts state it tells of a twin, its rate schedule: item reads and conditional writes only.
    writerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], resources: [props.syncTable.tableArn] }),
    );
    writerRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [props.relatelApiToken.secretArn] }));

    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
      alarmName: alarmName(config.resourcePrefix, `${flow}DeadLetter`),
      alarmDescription:
        `GHL contact events are parked in ${deadLetterQueueName(flow, config.resourcePrefix)} and did not reach Relatel. ` +
        `Runbook: docs/RUNBOOK.md#${flow}-dlq-not-empty`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      // SQS stops publishing metrics for an idle, empty queue: silence means nothing is parked.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const notifyOnCall = new SnsAction(props.alarmTopic);
    this.deadLetterAlarm.addAlarmAction(notifyOnCall);
    this.deadLetterAlarm.addOkAction(notifyOnCall);
  }

  /** The flow's dashboard row (the stack adds it to the Monitoring dashboard). */
  dashboardRow(): cloudwatch.IWidget[] {
    const window = Duration.minutes(5);
    const minute = { period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM };
    const metric = (service: string, metricName: string, extra: Record<string, string> = {}, options: cloudwatch.MetricOptions = {}) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service, ...extra },
        period: window,
        statistic: cloudwatch.Stats.SUM,
        ...options,
      });
    const writer = (metricName: string, options: cloudwatch.MetricOptions = {}) =>
      metric(consumerServiceName(this.flow), metricName, { Entity: this.flow }, options);
    return [
      new cloudwatch.GraphWidget({
        title: `${this.flow} (GHL -> Relatel): door outcomes`,
        left: Object.values(WEBHOOK_METRICS).map((name) => metric(GHL_WEBHOOK_SERVICE_NAME, name, {}, { label: name })),
        right: [metric(GHL_WEBHOOK_SERVICE_NAME, WEBHOOK_SIGNATURE_FAILURES_METRIC, {}, { label: 'signature failures' })],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: `${this.flow}: queue depth`,
        left: [
          this.queue.metricApproximateNumberOfMessagesVisible({ ...minute, label: 'waiting' }),
          this.queue.metricApproximateNumberOfMessagesNotVisible({ ...minute, label: 'in flight' }),
        ],
        right: [this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ ...minute, label: 'DLQ' })],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: `${this.flow}: synced, skipped, Relatel calls`,
        left: [
          writer(CONSUMER_METRICS.synced, { label: 'synced' }),
          writer(CONSUMER_METRICS.retried, { label: 'retried' }),
          writer(RELATEL_CALLS_METRIC, { label: 'Relatel calls' }),
        ],
        right: [this.writer.function.metricErrors({ period: window, label: 'Lambda errors' })],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: `${this.flow}: sync lag (ms)`,
        left: [
          writer(CONSUMER_METRICS.syncLag, { statistic: cloudwatch.Stats.p(50), label: 'p50' }),
          writer(CONSUMER_METRICS.syncLag, { statistic: cloudwatch.Stats.p(99), label: 'p99' }),
        ],
        width: 6,
      }),
    ];
  }
}
