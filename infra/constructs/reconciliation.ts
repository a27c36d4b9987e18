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

export interface ReconciliationProps {
  readonly config: InfraConfig;
  readonly contactsQueue: sqs.IQueue;
  readonly syncTable: dynamodb.ITable;
  readonly relatelApiToken: secretsmanager.ISecret;
}

/**
 * The scheduled reconciliation: functions/reconcile backfills every Relatel contact onto the
 * contacts queue. The function always exists (on-call can invoke it by hand); its schedule is
 * enabled only with `reconcileEnabled`, because a run costs Relatel reads and SQS messages.
 */
export class Reconciliation extends Construct {
  readonly function: SyncFunction;
  readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: ReconciliationProps) {
    super(scope, id);
    const { config } = props;

    this.function = new SyncFunction(this, 'Function', {
      name: 'reconcile',
      description: 'Re-enqueues every Relatel contact so lost webhooks are repaired',
      // Lambda's maximum: a run stops a minute early with a checkpoint, and the next continues it.
      timeout: Duration.minutes(15),
      memorySize: 256,
      logRetention: config.logRetentionDays,
      environment: {
        [queueUrlEnvVar('contacts')]: props.contactsQueue.queueUrl,
        [CONSUMER_ENV.syncTableName]: props.syncTable.tableName,
        [CONSUMER_ENV.relatelSecretId]: props.relatelApiToken.secretArn,
        [CONSUMER_ENV.relatelApiBaseUrl]: config.relatelApiBaseUrl,
        BACKFILL_RATE_PER_SECOND: String(config.reconcileRatePerSecond),
        [CONSUMER_ENV.logLevel]: config.logLevel,
      },
    });
    const role = this.function.role;
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [props.contactsQueue.queueArn] }));
    // The checkpoint item only.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resources: [props.syncTable.tableArn] }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [props.relatelApiToken.secretArn] }),
    );

    this.schedule = new events.Rule(this, 'Schedule', {
      description: 'Runs the reconciliation backfill',
      schedule: events.Schedule.expression(config.reconcileSchedule),
      enabled: config.reconcileEnabled,
      // A failed run is not retried by EventBridge: the next scheduled run resumes from the checkpoint.
      targets: [new targets.LambdaFunction(this.function.function, { retryAttempts: 0 })],
    });
  }
}
