import { Duration, Names } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  CONSUMER_ENV,
  deadLetterQueueName,
  deadLetterQueueUrlEnvVar,
  queueUrlEnvVar,
  type Entity,
} from '../../lib/entities.js';
import type { InfraConfig } from '../config.js';
import { alarmName } from './monitoring.js';
import { fifoQueueWithDeadLetter } from './fifo-queues.js';
import { SyncFunction } from './sync-function.js';

/**
 * What a consumer calls on the sync-state table: item reads and (conditional) writes of the sync
 * state, the rate budget and the create lock. No Scan and no transaction calls; the contacts
 * consumer alone also queries and batch-deletes the children waiting notes (wireChildrenWaiting).
 */
const SYNC_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];

/**
 * On its own queue: what the event source mapping polls with (receive, delete, attributes) and
 * the consumer's ChangeMessageVisibilityBatch (authorised as sqs:ChangeMessageVisibility) for
 * records it backs off. Not GetQueueUrl, which SqsEventSource's grant adds: the URL is in the
 * environment.
 */
const OWN_QUEUE_ACTIONS = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'];


export interface EntityPipelineProps {
  readonly entity: Entity;
  readonly config: InfraConfig;
  readonly syncTable: dynamodb.ITable;
  readonly ghlCredentials: secretsmanager.ISecret;
  readonly relatelApiToken: secretsmanager.ISecret;
  readonly alarmTopic: sns.ITopic;
}

/**
 * One entity's path from queue to GHL: its FIFO queue, the FIFO dead-letter queue beside it,
 * the consumer Lambda reading it in batches, and the alarm that calls on-call when anything
 * is parked.
 */
export class EntityPipeline extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly consumer: SyncFunction;
  readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: EntityPipelineProps) {
    super(scope, id);
    const { entity, config } = props;
    const consumerTimeout = Duration.seconds(config.consumerTimeoutSeconds);

    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = fifoQueueWithDeadLetter(this, entity, config));

    this.consumer = new SyncFunction(this, 'Consumer', {
      name: entity,
      description: `Applies Relatel ${entity} events to GHL`,
      timeout: consumerTimeout,
      memorySize: config.consumerMemoryMb,
      logRetention: config.logRetentionDays,
      environment: consumerEnvironment(entity, config, {
        syncTableName: props.syncTable.tableName,
        ghlSecretId: props.ghlCredentials.secretArn,
        relatelSecretId: props.relatelApiToken.secretArn,
        queueUrl: this.queue.queueUrl,
        deadLetterQueueUrl: this.deadLetterQueue.queueUrl,
      }),
    });

    // The mapping SqsEventSource would make (same construct id, so a deploy updates it in place)
    // without its grant, which adds sqs:GetQueueUrl; grantConsumerAccess grants what is used.
    this.consumer.function.addEventSourceMapping(`SqsEventSource:${Names.nodeUniqueId(this.queue.node)}`, {
      eventSourceArn: this.queue.queueArn,
      batchSize: config.consumerBatchSize,
      maxConcurrency: config.consumerMaxConcurrency,
      reportBatchItemFailures: true,
    });
    this.grantConsumerAccess(props);

    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
      alarmName: alarmName(config.resourcePrefix, `${entity}DeadLetter`),
      alarmDescription:
        `Relatel ${entity} events are parked in ${deadLetterQueueName(entity, config.resourcePrefix)} and did not reach GHL. ` +
        `Runbook: docs/RUNBOOK.md#${entity}-dlq-not-empty`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        // SQS publishes queue metrics once a minute.
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
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

  /** Exactly what the consumer and its event source mapping call (test/infra/runtime-grants.test.ts). */
  private grantConsumerAccess(props: EntityPipelineProps): void {
    const role = this.consumer.role;
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: OWN_QUEUE_ACTIONS, resources: [this.queue.queueArn] }));
    // Permanent failures are parked by the consumer itself, with their reason as attributes.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }),
    );
    // Item reads and (conditional) writes only: no Scan, no table management.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: SYNC_TABLE_ACTIONS,
        resources: [props.syncTable.tableArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [props.ghlCredentials.secretArn, props.relatelApiToken.secretArn],
      }),
    );
    // A refreshed OAuth refresh token replaces the old one, which GHL invalidates.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:PutSecretValue'], resources: [props.ghlCredentials.secretArn] }),
    );
  }
}

/** The consumer's environment, named by lib/entities.ts CONSUMER_ENV. */
function consumerEnvironment(
  entity: Entity,
  config: InfraConfig,
  resources: {
    syncTableName: string;
    ghlSecretId: string;
    relatelSecretId: string;
    queueUrl: string;
    deadLetterQueueUrl: string;
  },
): Record<string, string> {
  const env: Record<string, string> = {
    [CONSUMER_ENV.entity]: entity,
    [CONSUMER_ENV.syncTableName]: resources.syncTableName,
    [CONSUMER_ENV.ghlSecretId]: resources.ghlSecretId,
    [CONSUMER_ENV.relatelSecretId]: resources.relatelSecretId,
    [CONSUMER_ENV.ghlBaseUrl]: config.ghlBaseUrl,
    [CONSUMER_ENV.relatelApiBaseUrl]: config.relatelApiBaseUrl,
    [CONSUMER_ENV.rateLimitRequests]: String(config.ghlRateLimitRequests),
    [CONSUMER_ENV.rateLimitIntervalMs]: String(config.ghlRateLimitIntervalMs),
    [CONSUMER_ENV.circuitFailureThreshold]: String(config.ghlCircuitFailureThreshold),
    [CONSUMER_ENV.circuitFailureWindowMs]: String(config.ghlCircuitFailureWindowMs),
    [CONSUMER_ENV.circuitProbeIntervalMs]: String(config.ghlCircuitProbeIntervalMs),
    [CONSUMER_ENV.logLevel]: config.logLevel,
    // On its last allowed receive a consumer parks a failing record itself, with the reason.
    [CONSUMER_ENV.maxReceiveCount]: String(config.maxReceiveCount),
    // The GHL -> Relatel flow is deployed only with a GHL location (infra/stack.ts).
    ...(entity === 'contacts' && config.ghlLocationId !== undefined && { [CONSUMER_ENV.ghlContactLinks]: 'on' }),
    [CONSUMER_ENV.retryHorizonMs]: String(config.retryHorizonHours * 3_600_000),
    // A create claim must outlive any consumer run, or a slow creator and a taker-over could both create.
    [CONSUMER_ENV.createLeaseMs]: String(config.consumerTimeoutSeconds * 2 * 1000),
    // Its own queue (to extend the visibility of records it backs off) and its own DLQ (to park
    // permanent failures with their reason).
    [queueUrlEnvVar(entity)]: resources.queueUrl,
    [deadLetterQueueUrlEnvVar(entity)]: resources.deadLetterQueueUrl,
  };
  if (config.ghlCalendarId) env[CONSUMER_ENV.ghlCalendarId] = config.ghlCalendarId;
  if (config.mapping) env[CONSUMER_ENV.mappingConfig] = JSON.stringify(config.mapping);
  return env;
}

/**
 * Children waiting for their contact (lib/sync/contact-wait.ts), between the pipelines: a child
 * consumer queues contacts it reads from Relatel on the contacts queue (SendMessage); the
 * contacts consumer takes the waiting notes (Query, then DeleteItem as every consumer may) and makes
 * the children visible in their queues (ChangeMessageVisibilityBatch, authorised as
 * sqs:ChangeMessageVisibility). Each learns the other queues' URLs from its environment.
 */
export function wireChildrenWaiting(pipelines: Readonly<Record<Entity, EntityPipeline>>, syncTable: dynamodb.ITable): void {
  const contacts = pipelines.contacts;
  const children = (Object.keys(pipelines) as Entity[]).filter((entity) => entity !== 'contacts');
  for (const entity of children) {
    const child = pipelines[entity];
    child.consumer.function.addEnvironment(queueUrlEnvVar('contacts'), contacts.queue.queueUrl);
    child.consumer.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [contacts.queue.queueArn] }));
    contacts.consumer.function.addEnvironment(queueUrlEnvVar(entity), child.queue.queueUrl);
  }
  contacts.consumer.role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['sqs:ChangeMessageVisibility'], resources: children.map((entity) => pipelines[entity].queue.queueArn) }),
  );
  contacts.consumer.role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [syncTable.tableArn] }),
  );
}
