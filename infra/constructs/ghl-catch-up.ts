import { Duration } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CONSUMER_ENV, queueUrlEnvVar } from '../../lib/entities.js';
import type { InfraConfig } from '../config.js';
import { SyncFunction } from './sync-function.js';

export interface GhlCatchUpProps {
  readonly config: InfraConfig & { ghlLocationId: string };
  /** The ghl-contacts flow's queue (the Relatel writer's). */
  readonly queue: sqs.IQueue;
  readonly syncTable: dynamodb.ITable;
  readonly ghlCredentials: secretsmanager.ISecret;
}

/**
 * The scheduled GHL catch-up: functions/ghl-catch-up reads GHL contacts changed since its last
 * run and queues, for the Relatel writer, those the links do not reflect (a lost GHL webhook).
 * Deployed with the GHL -> Relatel flow; the function always exists (on-call can invoke it by
 * hand), its schedule is enabled only with `ghlCatchUpEnabled`, as a run costs GHL reads.
 */
export class GhlCatchUp extends Construct {
  readonly function: SyncFunction;
  readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: GhlCatchUpProps) {
    super(scope, id);
    const { config } = props;

    const environment: Record<string, string> = {
      [queueUrlEnvVar('ghl-contacts')]: props.queue.queueUrl,
      [CONSUMER_ENV.syncTableName]: props.syncTable.tableName,
      [CONSUMER_ENV.ghlSecretId]: props.ghlCredentials.secretArn,
      [CONSUMER_ENV.ghlBaseUrl]: config.ghlBaseUrl,
      // The consumers' shared GHL budget and circuit: the catch-up reads within them.
      [CONSUMER_ENV.rateLimitRequests]: String(config.ghlRateLimitRequests),
      [CONSUMER_ENV.rateLimitIntervalMs]: String(config.ghlRateLimitIntervalMs),
      [CONSUMER_ENV.circuitFailureThreshold]: String(config.ghlCircuitFailureThreshold),
      [CONSUMER_ENV.circuitFailureWindowMs]: String(config.ghlCircuitFailureWindowMs),
      [CONSUMER_ENV.circuitProbeIntervalMs]: String(config.ghlCircuitProbeIntervalMs),
      GHL_LOCATION_ID: config.ghlLocationId,
      CATCH_UP_RATE_PER_SECOND: String(config.ghlCatchUpRatePerSecond),
      GHL_DELETION_SWEEP_INTERVAL_HOURS: String(config.ghlDeletionSweepIntervalHours),
      [CONSUMER_ENV.logLevel]: config.logLevel,
    };
    if (config.mapping) environment[CONSUMER_ENV.mappingConfig] = JSON.stringify(config.mapping);

    this.function = new SyncFunction(this, 'Function', {
      name: 'ghl-catch-up',
      description: 'Queues GHL contact changes the GHL -> Relatel links do not reflect (lost GHL webhooks)',
      // Lambda's maximum: a run stops a minute early with a checkpoint, and the next continues it.
      timeout: Duration.minutes(15),
      memorySize: 256,
      logRetention: config.logRetentionDays,
      environment,
    });
    const role = this.function.role;
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [props.queue.queueArn] }));
    // Links and checkpoints (Get, Put); the GHL client's rate budget (Update), lock (Put, Delete)
    // and health (Get, Put), shared with the consumers; the deletion sweep lists the links (Scan:
    // it reads the whole table, at most once per ghlDeletionSweepIntervalHours).
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Scan'],
        resources: [props.syncTable.tableArn],
      }),
    );
    // Reads the GHL credentials; an OAuth refresh writes the new refresh token back.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
        resources: [props.ghlCredentials.secretArn],
      }),
    );

    this.schedule = new events.Rule(this, 'Schedule', {
      description: 'Runs the GHL catch-up',
      schedule: events.Schedule.expression(config.ghlCatchUpSchedule),
      enabled: config.ghlCatchUpEnabled,
      // Not retried by EventBridge: the next scheduled run resumes from the checkpoint.
      targets: [new targets.LambdaFunction(this.function.function, { retryAttempts: 0 })],
    });
  }
}
