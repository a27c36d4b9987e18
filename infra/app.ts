/** The CDK app (`npx cdk synth`, `npx cdk deploy`): one stack per stage, checked by cdk-nag. */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadInfraConfig } from './config.js';
import { RelatelGhlSyncStack, stackName } from './stack.js';

const app = new App();
const config = loadInfraConfig(app.node);

// No env: the stack is environment-agnostic, so synth needs no AWS account or network.
new RelatelGhlSyncStack(app, stackName(config), { config });

// cdk-nag 3 runs as a CDK validation plugin: an unacknowledged finding fails synth. Every
// accepted exception is a Validations.of(construct).acknowledge() next to the construct, with its reason.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
