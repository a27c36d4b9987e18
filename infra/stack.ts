import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ENTITIES, GHL_FLOW_NAMES, type Entity, type GhlFlow } from '../lib/entities.js';
import type { InfraConfig } from './config.js';
import { EntityPipeline, wireChildrenWaiting } from './constructs/entity-pipeline.js';
import { GhlFlowResources } from './constructs/ghl-flow.js';
import { IngestApi } from './constructs/ingest-api.js';
import { Monitoring } from './constructs/monitoring.js';
import { Reconciliation } from './constructs/reconciliation.js';
import { GhlCatchUp } from './constructs/ghl-catch-up.js';
import { SyncSecrets } from './constructs/secrets.js';
import { SyncState } from './constructs/sync-state.js';

export interface RelatelGhlSyncStackProps extends StackProps {
  readonly config: InfraConfig;
}

/** `contacts` -> `Contacts`, for construct ids and output names. */
function pascal(entity: Entity | GhlFlow): string {
  return entity
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/**
 * Relatel --HTTPS--> HTTP API --> webhook Lambda --> FIFO queue per entity --> consumer --> GHL,
 * with a DLQ per entity alarming to on-call. Environment-agnostic: synthesises with no account.
 */
export class RelatelGhlSyncStack extends Stack {
  readonly secrets: SyncSecrets;
  readonly syncState: SyncState;
  readonly monitoring: Monitoring;
  readonly pipelines: Readonly<Record<Entity, EntityPipeline>>;
  readonly ingest: IngestApi;
  readonly reconciliation: Reconciliation;
  /** With the GHL -> Relatel flow only. */
  readonly ghlCatchUp?: GhlCatchUp;
  /** GHL -> Relatel, one per row of GHL_FLOWS; empty unless `ghlLocationId` is set (opt-in). */
  readonly ghlFlows: readonly GhlFlowResources[];

  constructor(scope: Construct, id: string, props: RelatelGhlSyncStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.secrets = new SyncSecrets(this, 'Secrets', { resourcePrefix: config.resourcePrefix });
    this.syncState = new SyncState(this, 'SyncState', { resourcePrefix: config.resourcePrefix });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      resourcePrefix: config.resourcePrefix,
      alarmEmail: config.alarmEmail,
    });

    this.pipelines = Object.fromEntries(
      ENTITIES.map((entity) => [
        entity,
        new EntityPipeline(this, `${pascal(entity)}Pipeline`, {
          entity,
          config,
          syncTable: this.syncState.table,
          ghlCredentials: this.secrets.ghlCredentials,
          relatelApiToken: this.secrets.relatelApiToken,
          alarmTopic: this.monitoring.alarmTopic,
        }),
      ]),
    ) as Record<Entity, EntityPipeline>;
    wireChildrenWaiting(this.pipelines, this.syncState.table);

    this.ingest = new IngestApi(this, 'Ingest', {
      config,
      queues: Object.fromEntries(ENTITIES.map((entity) => [entity, this.pipelines[entity].queue])) as Record<
        Entity,
        EntityPipeline['queue']
      >,
      signingSecret: this.secrets.webhookSigningSecret,
    });

    const ghlLocationId = config.ghlLocationId;
    this.ghlFlows =
      ghlLocationId === undefined
        ? []
        : GHL_FLOW_NAMES.map(
            (flow) =>
              new GhlFlowResources(this, `${pascal(flow)}Flow`, {
                flow,
                config: { ...config, ghlLocationId },
                api: this.ingest.api,
                syncTable: this.syncState.table,
                relatelApiToken: this.secrets.relatelApiToken,
                alarmTopic: this.monitoring.alarmTopic,
              }),
          );

    const ghlContactsFlow = this.ghlFlows.find((flow) => flow.flow === 'ghl-contacts');
    if (ghlContactsFlow !== undefined && ghlLocationId !== undefined) {
      this.ghlCatchUp = new GhlCatchUp(this, 'GhlCatchUp', {
        config: { ...config, ghlLocationId },
        queue: ghlContactsFlow.queue,
        syncTable: this.syncState.table,
        ghlCredentials: this.secrets.ghlCredentials,
      });
    }

    this.reconciliation = new Reconciliation(this, 'Reconciliation', {
      config,
      contactsQueue: this.pipelines.contacts.queue,
      syncTable: this.syncState.table,
      relatelApiToken: this.secrets.relatelApiToken,
    });

    this.monitoring.watch({
      config,
      pipelines: this.pipelines,
      ingest: this.ingest,
      reconciliation: this.reconciliation,
      ghlCatchUp: this.ghlCatchUp,
    });
    for (const flow of this.ghlFlows) this.monitoring.dashboard?.addWidgets(...flow.dashboardRow());

    this.addOutputs();
  }

  private addOutputs(): void {
    new CfnOutput(this, 'WebhookUrl', {
      description: "Enter this URL in Relatel's webhook settings",
      value: this.ingest.webhookUrl,
    });
    for (const entity of ENTITIES) {
      new CfnOutput(this, `${pascal(entity)}QueueUrl`, { value: this.pipelines[entity].queue.queueUrl });
      new CfnOutput(this, `${pascal(entity)}DeadLetterQueueUrl`, {
        value: this.pipelines[entity].deadLetterQueue.queueUrl,
      });
    }
    new CfnOutput(this, 'SyncTableName', { value: this.syncState.table.tableName });
    new CfnOutput(this, 'WebhookSigningSecretArn', { value: this.secrets.webhookSigningSecret.secretArn });
    new CfnOutput(this, 'GhlCredentialsSecretArn', { value: this.secrets.ghlCredentials.secretArn });
    new CfnOutput(this, 'RelatelApiTokenSecretArn', { value: this.secrets.relatelApiToken.secretArn });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.alarmTopic.topicArn });
    for (const flow of this.ghlFlows) {
      const name = pascal(flow.flow);
      new CfnOutput(this, `${name}WebhookUrl`, { description: "Enter this URL in GHL (app webhook URL, workflow webhook action)", value: flow.webhookUrl });
      new CfnOutput(this, `${name}QueueUrl`, { value: flow.queue.queueUrl });
      new CfnOutput(this, `${name}DeadLetterQueueUrl`, { value: flow.deadLetterQueue.queueUrl });
      new CfnOutput(this, `${name}WorkflowSecretArn`, { value: flow.workflowSecret.secretArn });
    }
    new CfnOutput(this, 'ReconcileFunctionName', { value: this.reconciliation.function.function.functionName });
    if (this.ghlCatchUp) new CfnOutput(this, 'GhlCatchUpFunctionName', { value: this.ghlCatchUp.function.function.functionName });
  }
}

/** Stack name of a deployment stage; one stack per stage in an account and region. */
export function stackName(config: Pick<InfraConfig, 'stage'>): string {
  return `RelatelGhlSync-${config.stage}`;
}
