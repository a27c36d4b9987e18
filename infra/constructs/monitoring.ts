import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { ENTITIES, type Entity } from '../../lib/entities.js';
import { WEBHOOK_SIGNATURE_FAILURES_METRIC } from '../../lib/ingest/observe.js';
import { DELETION_SWEEP_METRICS } from '../../lib/reverse/deletion-sweep-observe.js';
import type { InfraConfig } from '../config.js';
import { buildDashboard } from './dashboard.js';
import type { EntityPipeline } from './entity-pipeline.js';
import type { GhlCatchUp } from './ghl-catch-up.js';
import type { IngestApi } from './ingest-api.js';
import { WINDOW, ghlCircuitOpen, ghlDailyQuotaPercent, webhook5xxPercent, webhookMetric, webhookRefusedPercent } from './metrics.js';
import type { Reconciliation } from './reconciliation.js';
import {
  INCOMPLETE_SWEEPS_TO_ALARM,
  deletionSweepMetric,
  deletionSweepPeriod,
  scheduledJobErrors,
  scheduledJobsRow,
  type ScheduledJob,
} from './scheduled-job-alarms.js';

/** Where each alarm's description sends on-call: a section of docs/RUNBOOK.md. */
export const RUNBOOK_SECTIONS = {
  deadLetter: (entity: Entity) => `${entity}-dlq-not-empty`,
  queueAge: 'queue-message-age',
  consumerErrors: 'consumer-errors',
  webhook5xx: 'webhook-5xx',
  signatureFailures: 'signature-failures',
  webhookRefused: 'webhook-refused',
  ghlDailyQuota: 'ghl-daily-quota-low',
  ghlUnavailable: 'ghl-unavailable',
  reconcileErrors: 'reconcile-errors',
  ghlCatchUpErrors: 'ghl-catch-up-errors',
  ghlDeletionSweepRefused: 'ghl-deletion-sweep-refused',
  ghlDeletionSweepIncomplete: 'ghl-deletion-sweep-incomplete',
} as const;

export const runbookLink = (section: string) => `Runbook: docs/RUNBOOK.md#${section}`;

/**
 * Every alarm of the stack is named `<resourcePrefix>-<name>`: a name known before deploy lets
 * the topic policy admit exactly this stack's alarms (aws:SourceArn), and on-call can tell the
 * stage from the name in the notification.
 */
export function alarmName(resourcePrefix: string, name: string): string {
  return `${resourcePrefix}-${name}`;
}

export interface WatchProps {
  readonly config: InfraConfig;
  readonly pipelines: Readonly<Record<Entity, EntityPipeline>>;
  readonly ingest: IngestApi;
  /** The scheduled jobs: their failed runs page, as does a refused or never-finishing deletion sweep. */
  readonly reconciliation: Reconciliation;
  /** Deployed with the GHL -> Relatel flow only. */
  readonly ghlCatchUp?: GhlCatchUp | undefined;
}

export interface MonitoringProps {
  /** Prefix of every alarm name (see alarmName); the topic accepts only alarms named so. */
  readonly resourcePrefix: string;
  /** Subscribed to the alarm topic when given; AWS e-mails a confirmation link first. */
  readonly alarmEmail?: string | undefined;
}

/** Where alarms go: one encrypted, TLS-only SNS topic for on-call. */
export class Monitoring extends Construct {
  readonly alarmTopic: sns.Topic;
  /** Every alarm of the stack by a stable name, for the dashboard and tests. */
  readonly alarms: Record<string, cloudwatch.Alarm> = {};
  dashboard?: cloudwatch.Dashboard;
  private readonly resourcePrefix: string;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.resourcePrefix = props.resourcePrefix;
    // CloudWatch acts for an alarm of this account and this stack only (confused deputy):
    // the same conditions on the topic and on its key.
    const fromOurAlarms = {
      StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
      ArnLike: {
        'aws:SourceArn': Stack.of(this).formatArn({
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: alarmName(props.resourcePrefix, '*'),
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
    };

    // SNS encryption needs a customer managed key here: CloudWatch alarms cannot publish to a
    // topic encrypted with the AWS managed aws/sns key, whose policy cannot be changed.
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the relatel-ghl-sync alarm topic',
      enableKeyRotation: true,
      // It protects alarm notifications in transit through SNS, nothing stored: no reason to
      // outlive the stack. Deletion still waits out KMS's pending window.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        // In a key policy "*" means this key and nothing else.
        resources: ['*'],
        conditions: fromOurAlarms,
      }),
    );

    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'relatel-ghl-sync alarms',
      masterKey: key,
      enforceSSL: true,
    });
    // enforceSSL writes a topic policy, and a topic policy replaces SNS's default one: without
    // this statement the policy holds only the TLS Deny and no alarm can publish (it turns red
    // and pages nobody).
    this.alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: fromOurAlarms,
      }),
    );

    if (props.alarmEmail) {
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }
  }

  /**
   * The dashboard and the alarms, once the things they watch exist (the pipelines need the topic
   * first, so this cannot happen in the constructor). Adopts each pipeline's DLQ alarm.
   */
  watch(props: WatchProps): void {
    const { config, pipelines, ingest } = props;
    for (const entity of ENTITIES) {
      const pipeline = pipelines[entity];
      this.alarms[`${entity}DeadLetter`] = pipeline.deadLetterAlarm;
      this.alarm(`${pascal(entity)}QueueAgeAlarm`, `${entity}QueueAge`, {
        alarmDescription:
          `Relatel ${entity} events have waited over ${config.queueAgeAlarmSeconds} s in their queue: the consumer is stuck, failing or throttled, and GHL is falling behind. ` +
          runbookLink(RUNBOOK_SECTIONS.queueAge),
        metric: pipeline.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
        threshold: config.queueAgeAlarmSeconds,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
      this.alarm(`${pascal(entity)}ConsumerErrorsAlarm`, `${entity}ConsumerErrors`, {
        alarmDescription:
          `The ${entity} consumer Lambda failed (crash, timeout, bad configuration) ${config.consumerErrorsAlarmCount}+ times in 5 minutes; its batches are retried. ` +
          runbookLink(RUNBOOK_SECTIONS.consumerErrors),
        metric: pipeline.consumer.function.metricErrors({ period: WINDOW, statistic: cloudwatch.Stats.SUM }),
        threshold: config.consumerErrorsAlarmCount,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
    }

    this.alarm('Webhook5xxAlarm', 'webhook5xx', {
      alarmDescription:
        `${config.webhook5xxAlarmPercent}%+ of Relatel webhooks in 5 minutes were answered 5xx: Relatel retries them, but events are delayed and may be lost if it gives up. ` +
        runbookLink(RUNBOOK_SECTIONS.webhook5xx),
      metric: webhook5xxPercent(ingest.api),
      threshold: config.webhook5xxAlarmPercent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    this.alarm('SignatureFailuresAlarm', 'signatureFailures', {
      alarmDescription:
        `${config.signatureFailuresAlarmCount}+ webhooks in 5 minutes failed the signature check: the signing secret differs from Relatel's (rotation) or someone is probing the endpoint. ` +
        runbookLink(RUNBOOK_SECTIONS.signatureFailures),
      metric: webhookMetric(WEBHOOK_SIGNATURE_FAILURES_METRIC),
      threshold: config.signatureFailuresAlarmCount,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    this.alarm('WebhookRefusedAlarm', 'webhookRefused', {
      alarmDescription:
        `${config.webhookRefusedAlarmPercent}%+ of Relatel webhooks in 5 minutes (and ${config.webhookRefusedAlarmMinCount}+) were refused with a 4xx other than a signature failure: ` +
        `Relatel may have changed its envelope (a header, the content type, a field), and every such event is lost. ` +
        runbookLink(RUNBOOK_SECTIONS.webhookRefused),
      metric: webhookRefusedPercent(config.webhookRefusedAlarmMinCount),
      threshold: config.webhookRefusedAlarmPercent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    this.alarm('GhlDailyQuotaAlarm', 'ghlDailyQuota', {
      alarmDescription:
        `Less than ${config.ghlDailyQuotaAlarmPercent}% of GHL's daily request quota is left; when it runs out the consumers pause until it resets. ` +
        runbookLink(RUNBOOK_SECTIONS.ghlDailyQuota),
      metric: ghlDailyQuotaPercent(),
      threshold: config.ghlDailyQuotaAlarmPercent,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });

    this.alarm('GhlUnavailableAlarm', 'ghlUnavailable', {
      alarmDescription:
        `GHL unavailable: the consumers' shared circuit to GHL has been open for ${config.ghlUnavailableAlarmMinutes}+ minutes (GHL failing, or its daily quota spent). ` +
        `Events wait in their queues and sync by themselves when GHL answers again; nothing is parked. ` +
        runbookLink(RUNBOOK_SECTIONS.ghlUnavailable),
      metric: ghlCircuitOpen(),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: config.ghlUnavailableAlarmMinutes,
      datapointsToAlarm: config.ghlUnavailableAlarmMinutes,
      // During a long outage the records come back every few minutes, so minutes pass without a
      // batch and without a gauge value: those keep the alarm as it is, and the first batch after
      // GHL is back (gauge 0) clears it.
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    });

    const scheduledJobs = this.watchScheduledJobs(props);
    this.dashboard = buildDashboard(this, props, Object.values(this.alarms));
    this.dashboard.addWidgets(...scheduledJobsRow(scheduledJobs.jobs, scheduledJobs.sweepPeriod));
  }

  /**
   * A failed run of a scheduled job (it throws: bad credentials, a configuration error at cold
   * start, Relatel or GHL down) is retried by nobody: the alarm is the only one who hears it.
   */
  private watchScheduledJobs({ config, reconciliation, ghlCatchUp }: WatchProps): { jobs: ScheduledJob[]; sweepPeriod?: Duration } {
    const jobs: ScheduledJob[] = [
      {
        name: 'reconcileErrors',
        title: 'reconciliation',
        function: reconciliation.function.function,
        schedule: config.reconcileSchedule,
        runbookSection: RUNBOOK_SECTIONS.reconcileErrors,
      },
    ];
    if (ghlCatchUp) {
      jobs.push({
        name: 'ghlCatchUpErrors',
        title: 'GHL catch-up',
        function: ghlCatchUp.function.function,
        schedule: config.ghlCatchUpSchedule,
        runbookSection: RUNBOOK_SECTIONS.ghlCatchUpErrors,
      });
    }
    for (const job of jobs) {
      const metric = scheduledJobErrors(job);
      this.alarm(`${job.name.charAt(0).toUpperCase()}${job.name.slice(1)}Alarm`, job.name, {
        alarmDescription:
          `A ${job.title} run failed (it threw or timed out) in the last ${metric.period.toHumanString()}; EventBridge does not retry it, and the next run may fail the same way. ` +
          runbookLink(job.runbookSection),
        metric,
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
    }
    if (!ghlCatchUp || !(config.ghlDeletionSweepIntervalHours > 0)) return { jobs };

    // The sweep's gauges come once per attempt, a day apart by default: missing data keeps the
    // state, so an alarm stays red until an attempt that decided says otherwise (its 0), and its
    // OK means the sweep works again, not that a few quiet minutes passed.
    this.alarm('GhlDeletionSweepRefusedAlarm', 'ghlDeletionSweepRefused', {
      alarmDescription:
        `The GHL deletion sweep refused: more linked GHL contacts were missing from its walk than lost webhooks explain, so no lost delete is caught until someone looks. ` +
        `Clears at the next sweep that is not refused. ` +
        runbookLink(RUNBOOK_SECTIONS.ghlDeletionSweepRefused),
      metric: deletionSweepMetric(DELETION_SWEEP_METRICS.refused, WINDOW),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    });
    const sweepPeriod = deletionSweepPeriod(config.ghlDeletionSweepIntervalHours);
    this.alarm('GhlDeletionSweepIncompleteAlarm', 'ghlDeletionSweepIncomplete', {
      alarmDescription:
        `The GHL deletion sweep's walk of every contact was cut short by the Lambda timeout ${INCOMPLETE_SWEEPS_TO_ALARM} attempts in a row: lost GHL deletes are not being caught. ` +
        runbookLink(RUNBOOK_SECTIONS.ghlDeletionSweepIncomplete),
      metric: deletionSweepMetric(DELETION_SWEEP_METRICS.incomplete, sweepPeriod),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: INCOMPLETE_SWEEPS_TO_ALARM,
      datapointsToAlarm: INCOMPLETE_SWEEPS_TO_ALARM,
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    });
    return { jobs, sweepPeriod };
  }

  /** An alarm that notifies on-call when it fires and when it clears; silence is not breaching. */
  private alarm(id: string, name: string, props: cloudwatch.AlarmProps): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmName: alarmName(this.resourcePrefix, name),
      // No traffic means no data points: nothing is wrong.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      ...props,
    });
    const notifyOnCall = new SnsAction(this.alarmTopic);
    alarm.addAlarmAction(notifyOnCall);
    alarm.addOkAction(notifyOnCall);
    this.alarms[name] = alarm;
    return alarm;
  }
}

function pascal(entity: Entity): string {
  return entity.charAt(0).toUpperCase() + entity.slice(1);
}
