/**
 * The ContactWaiters port (lib/sync/contact-waiters.ts) on the sync-state table.
 *   pk `waiting-for#<relatelContactId>`  sk `<entity>#<messageId>`  receiptHandle, expiresAt
 * One item per waiting message, so a child noted again (a later receive) replaces its receipt
 * handle; a Query on the contact's key finds every child of every entity. Each note goes to
 * whoever deletes it (a take or a withdraw): a delete returns the item only to the one that
 * removed it.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ENTITIES, SYNC_TABLE, type Entity } from '../entities.js';
import type { ContactWaiters, WaitingChild } from '../sync/contact-waiters.js';

const PK = SYNC_TABLE.partitionKey;
const SK = SYNC_TABLE.sortKey;
const EXPIRES_AT = SYNC_TABLE.ttlAttribute;
const partitionOf = (relatelContactId: string) => `waiting-for#${relatelContactId}`;

export class DynamoContactWaiters implements ContactWaiters {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    dynamo: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.documents = DynamoDBDocumentClient.from(dynamo);
  }

  async add(relatelContactId: string, child: WaitingChild, now: Date, ttlMs: number): Promise<void> {
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          [PK]: partitionOf(relatelContactId),
          [SK]: `${child.entity}#${child.messageId}`,
          receiptHandle: child.receiptHandle,
          [EXPIRES_AT]: Math.ceil((now.getTime() + ttlMs) / 1000),
        },
      }),
    );
  }

  async take(relatelContactId: string, now: Date): Promise<WaitingChild[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': PK },
          ExpressionAttributeValues: { ':pk': partitionOf(relatelContactId) },
          ConsistentRead: true,
          ...(startKey && { ExclusiveStartKey: startKey }),
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);

    // One delete per note, not a batch: only a delete that removed the note hands it out, so a
    // child that withdrew its note meanwhile is not woken as well (usually a note or three).
    const removed = await Promise.all(items.map((item) => this.remove(item[PK], item[SK])));
    const nowSeconds = now.getTime() / 1000;
    return removed.flatMap((item) => {
      const child = item && childOf(item);
      return child !== undefined && Number(item![EXPIRES_AT]) > nowSeconds ? [child] : [];
    });
  }

  async withdraw(relatelContactId: string, child: Pick<WaitingChild, 'entity' | 'messageId'>): Promise<boolean> {
    return (await this.remove(partitionOf(relatelContactId), `${child.entity}#${child.messageId}`)) !== undefined;
  }

  /** Deletes one note; answers it when this delete removed it, undefined when it was gone. */
  private async remove(pk: unknown, sk: unknown): Promise<Record<string, unknown> | undefined> {
    const { Attributes } = await this.documents.send(new DeleteCommand({ TableName: this.tableName, Key: { [PK]: pk, [SK]: sk }, ReturnValues: 'ALL_OLD' }));
    return Attributes;
  }
}

function childOf(item: Record<string, unknown>): WaitingChild | undefined {
  const [entity, ...rest] = String(item[SK]).split('#');
  const messageId = rest.join('#');
  if (!ENTITIES.includes(entity as Entity) || messageId === '' || typeof item.receiptHandle !== 'string') return undefined;
  return { entity: entity as Entity, messageId, receiptHandle: item.receiptHandle };
}
