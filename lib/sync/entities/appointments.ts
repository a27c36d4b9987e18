/** Appointments: the GHL body a Relatel appointment should have, and the plan that gets it there. */
import type { RelatelAppointment } from '../../events/schemas.js';
import type { GhlAppointmentCreateInput } from '../../ghl/client.js';
import type { GhlUpdateAppointmentBody } from '../../ghl/types.js';
import { mapAppointmentCancellation, mapAppointmentToCreateBody, mapAppointmentToUpdateBody } from '../../mapping/appointments.js';
import { hashBody } from '../../mapping/hash.js';
import { dedupeIssues } from '../../mapping/result.js';
import { applyPlan } from '../apply-plan.js';
import { childRecord } from '../child-record.js';
import type { SyncDependencies, SyncOutcomes } from '../dependencies.js';
import type { EntityHandlers } from '../handlers.js';
import { noOp, planGuards, type ChildContext, type EventFacts, type StateChange, type SyncPlan } from '../plan.js';
import type { RecordSyncState } from '../state.js';
import { LOCATION_SET_BY_CLIENT, withoutLocation } from '../target-body.js';

export interface DesiredAppointment {
  /** Undefined when the event lacks what a create needs (a start time). */
  createBody?: GhlAppointmentCreateInput;
  updateBody: GhlUpdateAppointmentBody;
  bodyHash: string;
}

/** The plan of an appointment event: pure. */
export function planAppointmentSync(
  event: EventFacts,
  state: RecordSyncState | undefined,
  desired: DesiredAppointment | undefined,
  parent: ChildContext,
): SyncPlan {
  const guarded = planGuards(event, state, (appointmentId) => ({ op: 'appointment.delete', appointmentId }));
  if (guarded) return guarded;
  if (desired === undefined) return noOp(event);

  const next: StateChange = { lastOccurredAt: event.occurredAt, bodyHash: desired.bodyHash, ghlContactId: parent.ghlContactId };
  if (state?.ghlId === undefined) {
    // Nothing to show in GHL for an appointment we never saw start (e.g. a thin cancel).
    if (desired.createBody === undefined) return noOp(event);
    return { kind: 'write', operations: [{ op: 'appointment.create', body: desired.createBody }], creates: true, next };
  }
  if (desired.bodyHash === state.bodyHash || Object.keys(desired.updateBody).length === 0) return noOp(event);
  return { kind: 'write', operations: [{ op: 'appointment.update', appointmentId: state.ghlId, body: desired.updateBody }], creates: false, next };
}

/** Syncs an appointment event; `cancels`: the event type cancels it. */
const syncAppointment = (cancels: boolean) => async ({ payload }: { payload: RelatelAppointment }, facts: EventFacts, deps: SyncDependencies): Promise<SyncOutcomes> => {
  const { relatelId, state, ghlContactId } = await childRecord('appointments', payload, facts, deps);
  let desired;
  if (!facts.isDelete) {
    const mapped = mapAppointmentToUpdateBody(payload, deps.mapping);
    const update = cancels ? { ...mapped.body, ...mapAppointmentCancellation(deps.mapping) } : mapped.body;
    // A thin cancel of an appointment GHL never saw has no start time: nothing to create.
    const canCreate = state?.ghlId === undefined && update.startTime !== undefined;
    const create = canCreate ? mapAppointmentToCreateBody(payload, deps.mapping, { locationId: LOCATION_SET_BY_CLIENT, contactId: ghlContactId }) : undefined;
    deps.onMappingIssues?.(dedupeIssues([...(create?.issues ?? []), ...mapped.issues]));
    const createBody = create && { ...withoutLocation(create.body), ...(cancels && { appointmentStatus: 'cancelled' as const }) };
    desired = { ...(createBody && { createBody }), updateBody: update, bodyHash: hashBody(update) };
  }
  const plan = planAppointmentSync(facts, state, desired, { ghlContactId });
  return [await applyPlan('appointments', relatelId, state, plan, deps)];
};

/** What each appointment event type of lib/entities.ts does. */
export const appointmentHandlers: EntityHandlers<'appointments'> = {
  upsert: syncAppointment(false),
  cancel: syncAppointment(true),
  delete: syncAppointment(false),
};
