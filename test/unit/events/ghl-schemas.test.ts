import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseGhlWebhook, type GhlEventContext } from '../../../lib/events/ghl-schemas.js';

const CONTEXT: GhlEventContext = { expectedLocationId: 've9EPM428h8vShlRW1KT', receivedAt: Date.parse('2026-12-02T17:00:05.000Z'), requestId: 'Q7xK1gSoDoEEMnQ=' };

function appPayload(overrides: Record<string, unknown> = {}) {
  return {
    type: 'ContactUpdate',
    locationId: 've9EPM428h8vShlRW1KT',
    id: 'nmFmQEsNgz6AVpgLVUJ0',
    firstName: 'Mette Kirstine',
    lastName: 'Hansen',
    name: 'Mette Kirstine Hansen',
    email: 'mette.hansen@example.dk',
    phone: '+4571999999',
    companyName: 'Hansen Tømrer ApS',
    tags: ['kunde', 'aarhus'],
    dnd: false,
    source: 'facebook',
    dateAdded: '2026-11-01T09:00:00.000Z',
    customFields: [{ id: 'cf_1', value: 'x' }],
    timestamp: '2026-12-02T17:00:00.000Z',
    webhookId: '6f1c5a7e-0b8d-4c1e-9a3f-2d7b8e6c4a10',
    ...overrides,
  };
}

function workflowPayload(overrides: Record<string, unknown> = {}) {
  return {
    contact_id: 'nmFmQEsNgz6AVpgLVUJ0',
    first_name: 'Mette Kirstine',
    last_name: 'Hansen',
    full_name: 'Mette Kirstine Hansen',
    email: 'mette.hansen@example.dk',
    phone: '+4571999999',
    tags: 'kunde, aarhus',
    country: 'DK',
    date_created: '2026-11-01T09:00:00.000Z',
    location: { name: 'Hansen Tømrer', id: 've9EPM428h8vShlRW1KT' },
    workflow: { id: 'b0a1c2d3', name: 'To Relatel' },
    customData: {},
    ...overrides,
  };
}

describe('normaliseGhlWebhook: app webhooks', () => {
  it('normalises a ContactUpdate', () => {
    expect(normaliseGhlWebhook('app', appPayload(), CONTEXT)).toEqual({
      kind: 'event',
      event: {
        source: 'app',
        dedupId: '6f1c5a7e-0b8d-4c1e-9a3f-2d7b8e6c4a10',
        type: 'updated',
        occurredAt: '2026-12-02T17:00:00.000Z',
        locationId: 've9EPM428h8vShlRW1KT',
        contact: {
          ghlId: 'nmFmQEsNgz6AVpgLVUJ0',
          firstName: 'Mette Kirstine',
          lastName: 'Hansen',
          name: 'Mette Kirstine Hansen',
          email: 'mette.hansen@example.dk',
          phone: '+4571999999',
          tags: ['kunde', 'aarhus'],
        },
      },
    });
  });

  it.each([
    ['ContactCreate', 'created'],
    ['ContactUpdate', 'updated'],
    ['ContactTagUpdate', 'updated'],
    ['ContactDelete', 'deleted'],
  ])('maps %s to %s', (type, expected) => {
    const result = normaliseGhlWebhook('app', appPayload({ type }), CONTEXT);
    expect(result.kind === 'event' && result.event.type).toBe(expected);
  });

  it('accepts a ContactDelete that carries only its ids', () => {
    const body = { type: 'ContactDelete', locationId: 've9EPM428h8vShlRW1KT', id: 'c1', webhookId: 'w1', timestamp: '2026-12-02T17:00:00Z' };
    expect(normaliseGhlWebhook('app', body, CONTEXT)).toMatchObject({ kind: 'event', event: { type: 'deleted', contact: { ghlId: 'c1', tags: [] } } });
  });

  it('leaves out blank and null fields and trims the others', () => {
    const result = normaliseGhlWebhook('app', appPayload({ firstName: '  ', lastName: null, email: ' a@b.dk ', tags: [' x ', ''] }), CONTEXT);
    expect(result.kind === 'event' && result.event.contact).toEqual({
      ghlId: 'nmFmQEsNgz6AVpgLVUJ0',
      name: 'Mette Kirstine Hansen',
      email: 'a@b.dk',
      phone: '+4571999999',
      tags: ['x'],
    });
  });

  it('ignores other event types', () => {
    expect(normaliseGhlWebhook('app', { type: 'OpportunityCreate', foo: 1 }, CONTEXT)).toEqual({ kind: 'unrouted', eventType: 'OpportunityCreate' });
  });

  it('ignores an event of another location', () => {
    expect(normaliseGhlWebhook('app', appPayload({ locationId: 'otherLocation' }), CONTEXT)).toEqual({
      kind: 'foreign-location',
      source: 'app',
      dedupId: '6f1c5a7e-0b8d-4c1e-9a3f-2d7b8e6c4a10',
    });
  });

  it.each([
    [{ type: undefined }, 'type', 'is required'],
    [{ locationId: undefined }, 'locationId', 'is required'],
    [{ id: undefined }, 'id', 'is required'],
    [{ id: 'has space' }, 'id', 'must be 1-128 printable ASCII characters without spaces'],
    [{ webhookId: undefined }, 'webhookId', 'is required'],
    [{ webhookId: 'x'.repeat(129) }, 'webhookId', 'must be 1-128 printable ASCII characters without spaces'],
    [{ timestamp: undefined }, 'timestamp', 'is required'],
    [{ timestamp: 'yesterday' }, 'timestamp', 'must be an ISO-8601 date-time'],
    [{ tags: 'kunde' }, 'tags', 'must be an array'],
    [{ email: 42 }, 'email', 'must be a string'],
  ])('names the field of an invalid payload: %j', (overrides, path, problem) => {
    const result = normaliseGhlWebhook('app', appPayload(overrides), CONTEXT);
    expect(result).toEqual({ kind: 'invalid', issues: [{ path, problem }] });
  });

  it('names the body when it is not an object', () => {
    expect(normaliseGhlWebhook('app', [1], CONTEXT)).toEqual({ kind: 'invalid', issues: [{ path: 'body', problem: 'must be an object' }] });
  });
});

describe('normaliseGhlWebhook: workflow webhooks', () => {
  it('normalises the workflow contact, the request id as dedup id and its arrival as time', () => {
    expect(normaliseGhlWebhook('workflow', workflowPayload(), CONTEXT)).toEqual({
      kind: 'event',
      event: {
        source: 'workflow',
        dedupId: 'wf-Q7xK1gSoDoEEMnQ=',
        type: 'updated',
        occurredAt: '2026-12-02T17:00:05.000Z',
        locationId: 've9EPM428h8vShlRW1KT',
        contact: {
          ghlId: 'nmFmQEsNgz6AVpgLVUJ0',
          firstName: 'Mette Kirstine',
          lastName: 'Hansen',
          name: 'Mette Kirstine Hansen',
          email: 'mette.hansen@example.dk',
          phone: '+4571999999',
          tags: ['kunde', 'aarhus'],
        },
      },
    });
  });

  it('reads tags given as a list', () => {
    const result = normaliseGhlWebhook('workflow', workflowPayload({ tags: ['a', 'b'] }), CONTEXT);
    expect(result.kind === 'event' && result.event.contact.tags).toEqual(['a', 'b']);
  });

  it('reads an empty tag string as no tags', () => {
    const result = normaliseGhlWebhook('workflow', workflowPayload({ tags: '' }), CONTEXT);
    expect(result.kind === 'event' && result.event.contact.tags).toEqual([]);
  });

  it('hashes a request id SQS could not take', () => {
    const result = normaliseGhlWebhook('workflow', workflowPayload(), { ...CONTEXT, requestId: 'with space' });
    expect(result.kind === 'event' && result.event.dedupId).toMatch(/^wf-[0-9a-f]{64}$/);
  });

  it('ignores a contact of another location', () => {
    const result = normaliseGhlWebhook('workflow', workflowPayload({ location: { id: 'other' } }), CONTEXT);
    expect(result).toEqual({ kind: 'foreign-location', source: 'workflow', dedupId: 'wf-Q7xK1gSoDoEEMnQ=' });
  });

  it.each([
    [{ contact_id: undefined }, 'contact_id', 'is required'],
    [{ location: undefined }, 'location', 'is required'],
    [{ location: { name: 'x' } }, 'location.id', 'is required'],
    [{ tags: 7 }, 'tags', 'must be a string or an array'],
  ])('names the field of an invalid payload: %j', (overrides, path, problem) => {
    expect(normaliseGhlWebhook('workflow', workflowPayload(overrides), CONTEXT)).toEqual({ kind: 'invalid', issues: [{ path, problem }] });
  });
});

describe('normaliseGhlWebhook never repeats a value in its issues (property)', () => {
  const secretish = fc.string({ minLength: 6 }).map((s) => `PII${s}`);
  it.each(['app', 'workflow'] as const)('%s', (source) => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom('type', 'id', 'contact_id', 'locationId', 'webhookId', 'timestamp', 'email', 'phone', 'tags', 'location'), fc.oneof(secretish, fc.integer(), fc.array(secretish))),
        (body) => {
          const result = normaliseGhlWebhook(source, body, CONTEXT);
          if (result.kind !== 'invalid') return;
          expect(JSON.stringify(result.issues)).not.toContain('PII');
        },
      ),
    );
  });
});
