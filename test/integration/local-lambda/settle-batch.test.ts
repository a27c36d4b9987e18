/** How the local event source reads a handler's answer: Lambda's ReportBatchItemFailures rules, as plain data. */
import { describe, expect, it } from 'vitest';
import { settleBatch } from '../../../local/lambda/index.js';
import { sqsEvent, sqsRecord } from '../../factories/sqs-records.js';

const first = sqsRecord({ messageId: 'm-1' });
const second = sqsRecord({ messageId: 'm-2' });
const batch = sqsEvent(first, second);

describe('settleBatch', () => {
  it.each([
    ['no response', undefined],
    ['a null response', null],
    ['a response without batchItemFailures', {}],
    ['an empty batchItemFailures list', { batchItemFailures: [] }],
  ])('treats %s as every record processed', (_, response) => {
    expect(settleBatch(batch, response)).toEqual({ failedMessageIds: [] });
  });

  it('leaves exactly the listed records for redelivery', () => {
    expect(settleBatch(batch, { batchItemFailures: [{ itemIdentifier: 'm-2' }] })).toEqual({ failedMessageIds: ['m-2'] });
  });

  it('counts a record listed twice once', () => {
    const response = { batchItemFailures: [{ itemIdentifier: 'm-1' }, { itemIdentifier: 'm-1' }] };
    expect(settleBatch(batch, response)).toEqual({ failedMessageIds: ['m-1'] });
  });

  it.each([
    ['an empty itemIdentifier', { batchItemFailures: [{ itemIdentifier: '' }] }],
    ['a missing itemIdentifier', { batchItemFailures: [{ id: 'm-1' }] }],
    ['an itemIdentifier from another batch', { batchItemFailures: [{ itemIdentifier: 'm-9' }] }],
    ['batchItemFailures that is not a list', { batchItemFailures: 'm-1' }],
    ['a response that is not an object', 'ok'],
  ])('fails the whole batch on %s', (_, response) => {
    expect(settleBatch(batch, response)).toEqual({ failedMessageIds: ['m-1', 'm-2'], error: expect.stringMatching(/^Invalid function response/) });
  });
});
