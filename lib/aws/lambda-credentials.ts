/**
 * The AWS credentials a Lambda has: its execution role's, which Lambda puts in the environment
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN). The SDK's default chain finds
 * them there first too, but bundling the chain also bundles its SSO, STS, INI-file, process and
 * IMDS providers with their nested clients: about 90 KiB a consumer parses at every cold start
 * and never runs. infra/lambda-bundling.ts therefore aliases `@aws-sdk/credential-provider-node`
 * to this module in the Lambda bundles only; tests and the local stack keep the full chain.
 */
import { fromEnv, type FromEnvInit } from '@aws-sdk/credential-provider-env';

/** Stands in for `@aws-sdk/credential-provider-node`'s `defaultProvider`, which every client's runtime config imports. */
export const defaultProvider = (init: FromEnvInit = {}) => fromEnv(init);
