/**
 * One Relatel event, end to end: drop a redelivery, dispatch through the routing table
 * (lib/entities.ts, handlers.ts) to the entity's module, which reads the record's state, plans
 * and applies the plan (apply-plan.ts), then remember the delivery. The delivery id is written
 * last: a crash before it costs one replay, which the state absorbs (docs/SYNC.md#order-of-writes).
 */
import { routeOf } from '../entities.js';
import type { RoutedRelatelEvent } from '../events/validate.js';
import type { SyncDependencies, SyncOutcomes } from './dependencies.js';
import { callRecordId } from './entities/calls.js';
import { handlerOf } from './handlers.js';
import { withHealing } from './heal.js';
import { skipped } from './outcome.js';
import type { EventFacts } from './plan.js';

export type { SyncDependencies, SyncOutcome, SyncOutcomes } from './dependencies.js';

/** Syncs one routed event to GHL, once per delivery; answers what became of each record it names. */
export async function syncEvent(event: RoutedRelatelEvent, deps: SyncDependencies): Promise<SyncOutcomes> {
  const route = routeOf(event.eventType);
  const deliveryId = event.envelope.delivery_id;
  if (await deps.state.wasDeliveryProcessed(deliveryId, deps.now())) {
    return [{ entity: route.entity, relatelId: recordIdOf(event), outcome: skipped('duplicate'), ghlCalls: 0 }];
  }
  const facts: EventFacts = { occurredAt: event.envelope.occurred_at, isDelete: route.action === 'delete' };
  const run = () => handlerOf(route.entity, route.action)(event, facts, deps);
  const outcomes = await withHealing(run, event, deps, (relatelContactId, occurredAt) => recreateContact(event, relatelContactId, occurredAt, deps));
  await deps.state.markDeliveryProcessed(deliveryId, deps.now());
  return outcomes;
}

/** Writes a contact again from Relatel's current state: a contact event carrying only its id, which the contact handler reads from Relatel. */
async function recreateContact(event: RoutedRelatelEvent, relatelContactId: string, occurredAt: string, deps: SyncDependencies): Promise<void> {
  const thin = { kind: 'routed', eventType: 'contact.updated', envelope: event.envelope, payload: { id: relatelContactId } } as const;
  await handlerOf('contacts', 'upsert')(thin, { occurredAt, isDelete: false }, deps);
}

function recordIdOf(event: RoutedRelatelEvent): string {
  return event.eventType === 'call.ended' ? callRecordId(event.payload.call_uuid) : String(event.payload.id);
}
