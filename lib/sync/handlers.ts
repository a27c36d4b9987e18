/**
 * The other half of the routing table in lib/entities.ts: for each entity, what each of its
 * actions does. syncEvent dispatches every event through the row of its type and this table;
 * test/unit/sync/handlers.test.ts fails if a row has no handler or a handler has no row.
 */
import type { ActionsOf, Entity, EventAction, EventTypesOf } from '../entities.js';
import type { RoutedRelatelEvent } from '../events/validate.js';
import type { SyncDependencies, SyncOutcomes } from './dependencies.js';
import { appointmentHandlers } from './entities/appointments.js';
import { callHandlers } from './entities/calls.js';
import { contactHandlers } from './entities/contacts.js';
import { noteHandlers } from './entities/notes.js';
import { taskHandlers } from './entities/tasks.js';
import type { EventFacts } from './plan.js';

/** Syncs one event's records to GHL; answers what became of each. */
export type EventHandler<Event extends RoutedRelatelEvent = RoutedRelatelEvent> = (
  event: Event,
  facts: EventFacts,
  deps: SyncDependencies,
) => Promise<SyncOutcomes>;

/** An entity's handlers, one per action the table gives it, each typed by the events routed to it. */
export type EntityHandlers<E extends Entity> = {
  readonly [A in ActionsOf<E>]: EventHandler<Extract<RoutedRelatelEvent, { eventType: EventTypesOf<E, A> }>>;
};

/** Every entity's handlers; syncEvent picks one by the row of the event's type. */
export const SYNC_HANDLERS: { readonly [E in Entity]: EntityHandlers<E> } = {
  contacts: contactHandlers,
  tasks: taskHandlers,
  notes: { ...noteHandlers, ...callHandlers },
  appointments: appointmentHandlers,
};

/** The handler of an entity's action (EntityHandlers guarantees one for every row of the table). */
export function handlerOf(entity: Entity, action: EventAction): EventHandler {
  return (SYNC_HANDLERS[entity] as Record<EventAction, EventHandler>)[action];
}
