/**
 * The GHL contact links (lib/reverse/links.ts) on DynamoDB, in the sync-state table:
 *   pk `ghl-contacts#<ghlId>`  sk `link`  the GhlContactLink as plain attributes
 * Every write is one conditional PutItem on the version, so the two directions writing one link
 * are serialised by DynamoDB; reads are strongly consistent.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { SYNC_TABLE } from '../entities.js';
import { isConditionFailure, versionedPutCondition } from './dynamo-sync-state.js';
import { LinkConflictError, type GhlContactLink, type GhlContactLinkStore } from '../reverse/links.js';

const PK = SYNC_TABLE.partitionKey;
const SK = SYNC_TABLE.sortKey;
const linkKey = (ghlId: string) => ({ [PK]: `ghl-contacts#${ghlId}`, [SK]: 'link' });

const storedLink = z.object({
  ghlId: z.string(),
  relatelId: z.optional(z.string()),
  origin: z.optional(z.enum(['created', 'linked'])),
  relatelHash: z.optional(z.string()),
  lastWrittenTo: z.optional(z.enum(['relatel', 'ghl'])),
  lastOccurredAt: z.optional(z.string()),
  pendingCreateSince: z.optional(z.string()),
  deleted: z.optional(z.boolean()),
  version: z.number().check(z.int(), z.positive()),
});

export class DynamoGhlContactLinkStore implements GhlContactLinkStore {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    dynamo: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.documents = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  }

  async get(ghlId: string): Promise<GhlContactLink | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: linkKey(ghlId), ConsistentRead: true }));
    return Item === undefined ? undefined : storedLink.parse(Item);
  }

  async save(link: GhlContactLink, expectedVersion: number): Promise<GhlContactLink> {
    const saved = { ...link, version: expectedVersion + 1 };
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...saved, ...linkKey(link.ghlId) },
          ...versionedPutCondition(expectedVersion),
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new LinkConflictError(link.ghlId, error);
      throw error;
    }
    return storedLink.parse(saved);
  }
}
