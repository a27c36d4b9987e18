import { SecretValue, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/**
 * Value of the secrets that operators fill after the first deploy (docs/DEPLOYMENT.md). It is
 * deliberately not valid credentials, so a consumer fails loudly until someone fills it.
 */
export const UNFILLED_SECRET_VALUE = JSON.stringify({ unfilled: 'see docs/DEPLOYMENT.md#fill-the-secrets' });

/** The three secrets of the sync. */
export class SyncSecrets extends Construct {
  /** HMAC key Relatel signs webhooks with; generated here, copied into Relatel by ops. */
  readonly webhookSigningSecret: secretsmanager.Secret;
  /** GHL credentials: `{type:"pit", ...}` or `{type:"oauth", ...}`; consumers write back refreshed OAuth tokens. */
  readonly ghlCredentials: secretsmanager.Secret;
  /** Relatel API token used to hydrate thin payloads. */
  readonly relatelApiToken: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: { readonly resourcePrefix: string }) {
    super(scope, id);

    this.webhookSigningSecret = new secretsmanager.Secret(this, 'WebhookSigningSecret', {
      secretName: `${props.resourcePrefix}/webhook-signing-secret`,
      description: 'HMAC-SHA256 key Relatel signs webhooks with (enter the same value in Relatel)',
      generateSecretString: {
        passwordLength: 64,
        // Letters and digits only: the value is pasted into Relatel's UI and must survive copying.
        excludePunctuation: true,
        includeSpace: false,
      },
    });

    this.ghlCredentials = new secretsmanager.Secret(this, 'GhlCredentials', {
      secretName: `${props.resourcePrefix}/ghl-credentials`,
      description: 'HighLevel credentials: {"type":"pit",...} or {"type":"oauth",...} (docs/DEPLOYMENT.md)',
      secretStringValue: SecretValue.unsafePlainText(UNFILLED_SECRET_VALUE),
    });

    this.relatelApiToken = new secretsmanager.Secret(this, 'RelatelApiToken', {
      secretName: `${props.resourcePrefix}/relatel-api-token`,
      description: 'Relatel API access token (docs/DEPLOYMENT.md)',
      secretStringValue: SecretValue.unsafePlainText(UNFILLED_SECRET_VALUE),
    });

    Validations.of(this.webhookSigningSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotation needs the same value entered in Relatel, a manual step; the webhook accepts AWSCURRENT and AWSPREVIOUS so a manual rotation loses no events (docs/DEPLOYMENT.md).',
    });
    Validations.of(this.ghlCredentials).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'OAuth tokens are refreshed and written back by the consumers themselves; a private integration token is issued and rotated in the GHL UI, which no rotation Lambda can do.',
    });
    Validations.of(this.relatelApiToken).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Relatel tokens come from its OAuth authorization-code flow or a personal access token made in its UI; neither can be minted unattended, so ops rotate it by hand.',
    });
  }
}
