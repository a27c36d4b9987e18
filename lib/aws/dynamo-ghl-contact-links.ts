/**
 * The GHL contact links (lib/reverse/links.ts) on DynamoDB, in the sync-state table:
 *   pk `ghl-contacts#<ghlId>`  sk `link`  the GhlContactLink as plain attributes
 * Every write is one conditional PutItem on the version, so the two directions writing one link
 * are serialised by DynamoDB; reads are strongly consistent.
 *
 * `list()` is a Scan: it reads (and is billed for) every item of the table, links or not, about
 * 0.5 read units per 4 KB scanned (eventually consistent), so the deletion sweep that uses it
 * runs at most once per GHL_DELETION_SWEEP_INTERVAL_HOURS.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { SYNC_TABLE } from '../entities.js';
import { isConditionFailure, versionedPutCondition } from './dynamo-sync-state.js';
import { LinkConflictError, type GhlContactLink, type GhlContactLinkListing, type GhlContactLinkStore } from '../reverse/links.js';

const PK = SYNC_TABLE.partitionKey;
const SK = SYNC_TABLE.sortKey;
const LINK_PREFIX = 'ghl-contacts#';
const LINK_SORT_KEY = 'link';
const linkKey = (ghlId: string) => ({ [PK]: `${LINK_PREFIX}${ghlId}`, [SK]: LINK_SORT_KEY });

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

export class DynamoGhlContactLinkStore implements GhlContactLinkStore, GhlContactLinkListing {
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

  /** Every link, page by page (a filtered Scan: the filter saves no read cost, only transfer). */
  async *list(): AsyncIterable<GhlContactLink> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'begins_with(#pk, :prefix) AND #sk = :sk',
          ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
          ExpressionAttributeValues: { ':prefix': LINK_PREFIX, ':sk': LINK_SORT_KEY },
          ...(startKey && { ExclusiveStartKey: startKey }),
        }),
      );
      for (const item of page.Items ?? []) yield toLink(item);
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
  }
}

function toLink(item: Record<string, unknown>): GhlContactLink {
  const parsed = storedLink.safeParse(item);
  // Names the fields, never their values.
  if (!parsed.success) throw new Error(`Malformed GHL contact link item: ${parsed.error.issues.map((issue) => issue.path.join('.')).join(', ')}`);
  return parsed.data;
}
