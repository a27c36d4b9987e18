/** The CDK app (`npx cdk synth`, `npx cdk deploy`): one stack per stage, checked by cdk-nag. */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { InfraConfigError, loadInfraConfig, type InfraConfig } from './config.js';
import { RelatelGhlSyncStack, stackName } from './stack.js';

const app = new App();
const config = configOrExit(app);

// No env: the stack is environment-agnostic, so synth needs no AWS account or network.
new RelatelGhlSyncStack(app, stackName(config), { config });

// cdk-nag 3 runs as a CDK validation plugin: an unacknowledged finding fails synth. Every
// accepted exception is a Validations.of(construct).acknowledge() next to the construct, with its reason.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

/** A wrong context value is the user's to fix: its message alone, not a stack trace. */
function configOrExit(cdkApp: App): InfraConfig {
  try {
    return loadInfraConfig(cdkApp.node);
  } catch (error) {
    if (!(error instanceof InfraConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
