/**
 * The sync-state port (lib/sync/state.ts) on DynamoDB: one table, defined once in
 * lib/entities.ts (SYNC_TABLE) for infra/ and local/. Every check-and-write is a single
 * conditional request, so concurrent Lambdas are serialised by DynamoDB itself; reads are
 * strongly consistent so a read-decide-write cycle starts from the latest write.
 *
 * Key layout (pk and sk are strings):
 *   pk `<entity>#<relatelId>`  sk `state`      a record's RecordSyncState (entity, relatelId,
 *                                              ghlId, ..., version) as plain attributes
 *   pk `delivery#<deliveryId>` sk `delivery`   a processed delivery; `expiresAt` (epoch seconds,
 *                                              the table's TTL attribute) bounds how long it counts
 *
 * TTL deletion only keeps the table small: expiry is decided here by comparing `expiresAt` with
 * `now`, because DynamoDB deletes expired items up to days late (and dynalite never does).
 * `listStates` scans with a filter (there is no index by entity): fine for status and
 * verification tools, never on a consumer's path.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  type PutCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { ENTITIES, SYNC_TABLE, type Entity } from '../entities.js';
import {
  DEFAULT_DELIVERY_TTL_SECONDS,
  StaleStateError,
  epochSeconds,
  type ClaimCreateResult,
  type ListStatesOptions,
  type RecordSyncState,
  type StatePage,
  type SyncStateStore,
} from '../sync/state.js';

const PK = SYNC_TABLE.partitionKey;
const SK = SYNC_TABLE.sortKey;
const EXPIRES_AT = SYNC_TABLE.ttlAttribute;
const STATE_SORT_KEY = 'state';
const DELIVERY_SORT_KEY = 'delivery';

const stateKey = (entity: Entity, relatelId: string) => ({ [PK]: `${entity}#${relatelId}`, [SK]: STATE_SORT_KEY });
const deliveryKey = (deliveryId: string) => ({ [PK]: `delivery#${deliveryId}`, [SK]: DELIVERY_SORT_KEY });

/** What a state item must look like; unknown attributes (pk, sk, ...) are dropped. */
const storedState = z.object({
  entity: z.enum(ENTITIES),
  relatelId: z.string(),
  ghlId: z.optional(z.string()),
  ghlContactId: z.optional(z.string()),
  lastOccurredAt: z.optional(z.string()),
  bodyHash: z.optional(z.string()),
  tags: z.optional(z.array(z.string())),
  tagsInDoubt: z.optional(z.array(z.string())),
  deleted: z.optional(z.boolean()),
  deletedInGhl: z.optional(z.boolean()),
  pendingCreateSince: z.optional(z.string()),
  createInDoubt: z.optional(
    z.union([
      z.object({
        kind: z.enum(['task.create', 'note.create', 'appointment.create']),
        contactId: z.string(),
        key: z.string(),
        bodyHash: z.optional(z.string()),
        occurredAt: z.optional(z.string()),
      }),
      z.object({
        kind: z.literal('contact.create'),
        key: z.string(),
        sentFrom: z.string(),
        sentUntil: z.string(),
        bodyHash: z.optional(z.string()),
        occurredAt: z.optional(z.string()),
      }),
    ]),
  ),
  parkedAt: z.optional(z.string()),
  fetchRequestedAt: z.optional(z.string()),
  version: z.number().check(z.int(), z.positive()),
});

export class DynamoSyncStateStore implements SyncStateStore {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    dynamo: DynamoDBClient,
    private readonly tableName: string,
  ) {
    // Optional fields are left out of items rather than stored as NULL.
    this.documents = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  }

  async get(entity: Entity, relatelId: string): Promise<RecordSyncState | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: stateKey(entity, relatelId), ConsistentRead: true }),
    );
    return Item === undefined ? undefined : toState(Item);
  }

  async save(state: RecordSyncState, expectedVersion: number): Promise<RecordSyncState> {
    const saved = { ...state, version: expectedVersion + 1 };
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...saved, ...stateKey(state.entity, state.relatelId) },
          ...versionedPutCondition(expectedVersion),
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new StaleStateError(state.entity, state.relatelId, error);
      throw error;
    }
    return toState(saved);
  }

  async claimCreate(entity: Entity, relatelId: string, now: Date, leaseMs: number): Promise<ClaimCreateResult> {
    // ISO strings from toISOString() order like the instants they name, so DynamoDB can compare them.
    const staleBefore = new Date(now.getTime() - leaseMs).toISOString();
    try {
      const { Attributes } = await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: stateKey(entity, relatelId),
          UpdateExpression:
            'SET #entity = :entity, #relatelId = :relatelId, #pending = :now, #version = if_not_exists(#version, :zero) + :one',
          ConditionExpression: 'attribute_not_exists(#ghlId) AND (attribute_not_exists(#pending) OR #pending <= :staleBefore)',
          ExpressionAttributeNames: {
            '#entity': 'entity',
            '#relatelId': 'relatelId',
            '#pending': 'pendingCreateSince',
            '#version': 'version',
            '#ghlId': 'ghlId',
          },
          ExpressionAttributeValues: {
            ':entity': entity,
            ':relatelId': relatelId,
            ':now': now.toISOString(),
            ':staleBefore': staleBefore,
            ':zero': 0,
            ':one': 1,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { claimed: true, state: toState(Attributes ?? {}) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    // Refused: read what won, so the caller can tell "already created" from "being created".
    const current = (await this.get(entity, relatelId)) ?? { entity, relatelId, version: 0 };
    return { claimed: false, reason: current.ghlId === undefined ? 'in-progress' : 'exists', state: current };
  }

  async markDeliveryProcessed(
    deliveryId: string,
    now: Date,
    ttlSeconds = DEFAULT_DELIVERY_TTL_SECONDS,
  ): Promise<boolean> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...deliveryKey(deliveryId), [EXPIRES_AT]: epochSeconds(now) + ttlSeconds },
          // An expired record may still be in the table (TTL deletion is lazy): it no longer counts.
          ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt <= :now',
          ExpressionAttributeNames: { '#pk': PK, '#expiresAt': EXPIRES_AT },
          ExpressionAttributeValues: { ':now': epochSeconds(now) },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async wasDeliveryProcessed(deliveryId: string, now: Date): Promise<boolean> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: deliveryKey(deliveryId), ConsistentRead: true }),
    );
    const expiresAt = Item?.[EXPIRES_AT];
    return typeof expiresAt === 'number' && expiresAt > epochSeconds(now);
  }

  async listStates(entity: Entity, options: ListStatesOptions = {}): Promise<StatePage> {
    const { Items = [], LastEvaluatedKey } = await this.documents.send(
      new ScanCommand({
        TableName: this.tableName,
        FilterExpression: 'begins_with(#pk, :prefix) AND #sk = :state',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ExpressionAttributeValues: { ':prefix': `${entity}#`, ':state': STATE_SORT_KEY },
        ...(options.limit === undefined ? {} : { Limit: options.limit }),
        ...(options.cursor === undefined ? {} : { ExclusiveStartKey: decodeCursor(options.cursor) }),
      }),
    );
    const states = Items.map(toState);
    return LastEvaluatedKey === undefined ? { states } : { states, cursor: encodeCursor(LastEvaluatedKey) };
  }
}

function toState(item: Record<string, unknown>): RecordSyncState {
  const parsed = storedState.safeParse(item);
  // Names the fields, never their values (they may be personal data).
  if (!parsed.success) throw new Error(`Malformed sync-state item: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  return parsed.data;
}

/**
 * The condition of an optimistic write of a versioned item: it must not exist yet
 * (`expectedVersion` 0) or must still be at `expectedVersion`.
 */
export function versionedPutCondition(
  expectedVersion: number,
): Pick<PutCommandInput, 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'> {
  return expectedVersion === 0
    ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PK } }
    : {
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':expected': expectedVersion },
      };
}

/** DynamoDB refused a conditional write because its condition did not hold. */
export function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(cursor: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
}
