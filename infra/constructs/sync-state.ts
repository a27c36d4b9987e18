import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { SYNC_TABLE } from '../../lib/entities.js';

/** The sync-state table: Relatel id -> GHL id, last applied event, processed deliveries. */
export class SyncState extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: { readonly resourcePrefix: string }) {
    super(scope, id);

    this.table = new dynamodb.Table(this, 'Table', {
      tableName: SYNC_TABLE.name(props.resourcePrefix),
      partitionKey: { name: SYNC_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: SYNC_TABLE.sortKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: SYNC_TABLE.ttlAttribute,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // Losing the id map would make every later event create duplicates in GHL.
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
    });
  }
}
