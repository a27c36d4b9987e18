/**
 * PLACEHOLDER so the stack synthesises before the real appointments consumer exists (issue 3 replaces
 * this file). It applies nothing and reports every record as failed, so SQS keeps each message
 * and nothing is lost; after maxReceiveCount receives they reach the DLQ, whose alarm fires.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => ({
  batchItemFailures: event.Records.map((record) => ({ itemIdentifier: record.messageId })),
});
