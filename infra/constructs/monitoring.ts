import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface MonitoringProps {
  /** Subscribed to the alarm topic when given; AWS e-mails a confirmation link first. */
  readonly alarmEmail?: string | undefined;
}

/** Where alarms go: one encrypted, TLS-only SNS topic for on-call. */
export class Monitoring extends Construct {
  readonly alarmTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);

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
      }),
    );

    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'relatel-ghl-sync alarms',
      masterKey: key,
      enforceSSL: true,
    });

    if (props.alarmEmail) {
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }
  }
}
