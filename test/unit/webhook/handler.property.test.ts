/**
 * Whatever arrives at POST /webhooks/relatel (arbitrary bodies, headers and signatures, and
 * valid deliveries mutated after signing), the handler never answers with a 5xx other than the
 * 503 of a failing queue, and never queues anything that is not correctly signed and valid.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ROUTED_EVENT_TYPES, TEST_EVENT_TYPE } from '../../../lib/entities.js';
import { signRelatelPayload } from '../../../lib/events/signature.js';
import { validateRelatelEvent } from '../../../lib/events/validate.js';
import { apiGatewayEvent, PREVIOUS_SIGNING_SECRET, relatelEvent, TEST_SIGNING_SECRET } from '../../factories/relatel-events.js';
import { captureConsole, coldStart, givenSigningSecret, secretsManager, sqs, stubWebhookEnvironment, type Invoke } from './harness.js';

const NOW_SECONDS = 1_772_438_400; // 2026-03-02T08:00:00Z, frozen: tolerance edges are exact.
const DOCUMENTED_ANSWERS = [200, 202, 400, 401, 413, 415, 503];

interface Delivery {
  /** The text whose bytes are sent. */
  body: string;
  /** The delivery id in the body, when there is one to copy into the header. */
  deliveryId: string | undefined;
  /** Whether this is an untouched, valid event of the contract. */
  pristine: boolean;
}

const eventTypes = fc.constantFrom(...ROUTED_EVENT_TYPES, TEST_EVENT_TYPE, 'call.created', 'chat.message.created');

const validDelivery: fc.Arbitrary<Delivery> = fc.tuple(eventTypes, fc.uuid()).map(([type, uuid]) => {
  const event = relatelEvent(type, { delivery_id: `dlv_${uuid}` });
  return { body: JSON.stringify(event), deliveryId: event.delivery_id, pristine: true };
});

const anyId = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.constant(null), fc.constant(''), fc.string({ unit: 'binary' }));
const looseEvent: fc.Arbitrary<Delivery> = fc
  .record({
    delivery_id: fc.oneof(fc.uuid().map((uuid) => `dlv_${uuid}`), fc.string(), fc.integer()),
    event_type: fc.oneof(eventTypes, fc.string()),
    occurred_at: fc.oneof(fc.constant('2026-03-02T08:00:00Z'), fc.string(), fc.date({ noInvalidDate: true }).map((date) => date.toISOString())),
    payload: fc.oneof(
      fc.record(
        { id: anyId, contact_id: anyId, direction: fc.constantFrom('inbound', 'outbound', 'in', 'out', 'x'), from_number: anyId, to_number: anyId },
        { requiredKeys: [] },
      ),
      fc.object(),
      fc.anything(),
    ),
  }, { requiredKeys: [] })
  .map((event) => ({ body: JSON.stringify(event), deliveryId: typeof event.delivery_id === 'string' ? event.delivery_id : undefined, pristine: false }));

/** A valid delivery changed after it was (or would be) signed. */
const mutatedDelivery: fc.Arbitrary<Delivery> = fc
  .tuple(validDelivery, fc.nat(), fc.constantFrom('flip', 'delete', 'insert', 'truncate'), fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }))
  .map(([delivery, position, mutation, character]) => {
    const at = position % delivery.body.length;
    const body =
      mutation === 'flip' ? delivery.body.slice(0, at) + character + delivery.body.slice(at + 1)
      : mutation === 'delete' ? delivery.body.slice(0, at) + delivery.body.slice(at + 1)
      : mutation === 'insert' ? delivery.body.slice(0, at) + character + delivery.body.slice(at)
      : delivery.body.slice(0, at);
    return { ...delivery, body, pristine: body === delivery.body };
  });

const garbage: fc.Arbitrary<Delivery> = fc
  .oneof(fc.string(), fc.string({ unit: 'binary' }), fc.json(), fc.constant(''), fc.constant('x'.repeat(260_582)))
  .map((body) => ({ body, deliveryId: undefined, pristine: false }));

const signers = fc.oneof(
  fc.record({ kind: fc.constant('secret' as const), secret: fc.constantFrom(TEST_SIGNING_SECRET, PREVIOUS_SIGNING_SECRET, 'whsec_attacker'), skew: fc.integer({ min: -400, max: 400 }), signOriginal: fc.boolean() }),
  fc.record({ kind: fc.constant('several' as const), skew: fc.integer({ min: -5, max: 5 }) }),
  fc.record({ kind: fc.constant('tampered' as const), position: fc.nat() }),
  fc.record({ kind: fc.constant('arbitrary' as const), header: fc.string() }),
  fc.record({ kind: fc.constant('none' as const) }),
);

const request = fc.record({
  delivery: fc.oneof({ arbitrary: validDelivery, weight: 3 }, { arbitrary: mutatedDelivery, weight: 3 }, { arbitrary: looseEvent, weight: 2 }, { arbitrary: garbage, weight: 1 }),
  signer: signers,
  contentType: fc.oneof({ arbitrary: fc.constant('application/json'), weight: 6 }, { arbitrary: fc.constantFrom(undefined, 'text/plain', 'application/json; charset=utf-8'), weight: 1 }, { arbitrary: fc.string(), weight: 1 }),
  deliveryIdHeader: fc.oneof({ arbitrary: fc.constant('match' as const), weight: 6 }, { arbitrary: fc.constantFrom('missing' as const, 'other' as const), weight: 1 }),
  base64: fc.boolean(),
  mixedCaseHeaders: fc.boolean(),
  queueFails: fc.nat(9).map((n) => n === 0),
});

type Generated = typeof request extends fc.Arbitrary<infer T> ? T : never;

/** Builds the API Gateway event, and says whether its signature is correct for what is sent. */
function toApiGatewayEvent({ delivery, signer, contentType, deliveryIdHeader, base64, mixedCaseHeaders }: Generated) {
  const sent = delivery.body;
  let signature: string | undefined;
  let correctlySigned = false;
  if (signer.kind === 'secret') {
    // Signing the unmutated original models a body altered in transit.
    const signed = signer.signOriginal ? (delivery.pristine ? sent : `${sent} `) : sent;
    signature = signRelatelPayload(signed, signer.secret, NOW_SECONDS + signer.skew);
    correctlySigned = signed === sent && signer.secret !== 'whsec_attacker' && Math.abs(signer.skew) <= 300;
  } else if (signer.kind === 'several') {
    signature = signRelatelPayload(sent, ['whsec_attacker', TEST_SIGNING_SECRET], NOW_SECONDS + signer.skew);
    correctlySigned = true;
  } else if (signer.kind === 'tampered') {
    const valid = signRelatelPayload(sent, TEST_SIGNING_SECRET, NOW_SECONDS);
    const at = valid.indexOf('v1=') + 3 + (signer.position % 64);
    signature = valid.slice(0, at) + (valid[at] === '0' ? '1' : '0') + valid.slice(at + 1);
  } else if (signer.kind === 'arbitrary') {
    signature = signer.header;
  }
  const name = (header: string) => (mixedCaseHeaders ? header.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase()) : header);
  const headers: Record<string, string> = {};
  if (contentType !== undefined) headers[name('content-type')] = contentType;
  if (signature !== undefined) headers[name('relatel-signature')] = signature;
  const headerDeliveryId = deliveryIdHeader === 'match' ? delivery.deliveryId : deliveryIdHeader === 'other' ? 'dlv_other' : undefined;
  if (headerDeliveryId !== undefined) headers[name('relatel-delivery-id')] = headerDeliveryId;
  const event = apiGatewayEvent({ body: base64 ? Buffer.from(sent, 'utf8').toString('base64') : sent, headers, isBase64Encoded: base64 });
  return { event, correctlySigned };
}

describe('webhook handler: properties', () => {
  let invoke: Invoke;

  beforeAll(async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW_SECONDS * 1000);
    secretsManager.reset();
    givenSigningSecret(TEST_SIGNING_SECRET, PREVIOUS_SIGNING_SECRET);
    stubWebhookEnvironment();
    captureConsole();
    invoke = await coldStart();
  });

  afterAll(() => {
    vi.useRealTimers();
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('never answers 5xx except 503 for a failing queue, and queues only correctly signed, valid events', async () => {
    const tally = { accepted: 0, pristineAndSigned: 0 };
    await fc.assert(
      fc.asyncProperty(request, async (generated) => {
        sqs.reset();
        if (generated.queueFails) sqs.on(SendMessageCommand).rejects(new Error('ServiceUnavailable'));
        else sqs.on(SendMessageCommand).resolves({ MessageId: 'm' });
        const { event, correctlySigned } = toApiGatewayEvent(generated);

        const result = await invoke(event);

        expect(DOCUMENTED_ANSWERS).toContain(result.statusCode);
        if ((result.statusCode ?? 500) >= 500) expect({ status: result.statusCode, queueFails: generated.queueFails }).toEqual({ status: 503, queueFails: true });

        const sent = sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input);
        if (sent.length > 0) {
          expect(sent).toHaveLength(1);
          expect(correctlySigned).toBe(true);
          expect(sent[0]?.MessageBody).toBe(generated.delivery.body);
          const validation = validateRelatelEvent(JSON.parse(generated.delivery.body));
          expect(validation).toMatchObject({ valid: true, kind: 'routed' });
          expect(sent[0]?.MessageDeduplicationId).toBe(generated.delivery.deliveryId);
          if (!generated.queueFails) tally.accepted++;
        }

        // The converse, so the property cannot pass by refusing everything: an untouched valid
        // event, correctly signed and sent, is queued (or answered 503 when the queue fails).
        const wellFormed = generated.contentType !== undefined && /^application\/json(;|$)/.test(generated.contentType);
        if (generated.delivery.pristine && correctlySigned && wellFormed && generated.deliveryIdHeader === 'match') {
          tally.pristineAndSigned++;
          const type = (JSON.parse(generated.delivery.body) as { event_type: string }).event_type;
          const routed = (ROUTED_EVENT_TYPES as readonly string[]).includes(type);
          const expected = type === TEST_EVENT_TYPE ? 200 : routed && generated.queueFails ? 503 : 202;
          expect(result.statusCode).toBe(expected);
          expect(sent).toHaveLength(routed ? 1 : 0);
        }
      }),
      { numRuns: 1_000 },
    );
    expect(tally.accepted).toBeGreaterThan(0);
    expect(tally.pristineAndSigned).toBeGreaterThan(0);
    // The secrets were read at the cold start only: the cache held for every request.
    expect(secretsManager.calls()).toHaveLength(2);
  });
});
