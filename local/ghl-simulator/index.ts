/**
 * The GHL simulator: an in-memory stand-in for the GHL v2 API used by the local stack and the
 * end-to-end tests. Never shipped in a Lambda.
 *
 *   const ghl = await startGhlSimulator({ faults: { serverErrorRate: 0.2 }, seed: 7 });
 *   // point the GHL client at ghl.url with token ghl.tokens[0] and location ghl.locationId
 *   ghl.state.contacts(); ghl.setFaults({ serverErrorRate: 0 }); await ghl.stop();
 */
export {
  startGhlSimulator,
  GHL_SIMULATOR_DEFAULTS,
  type GhlSimulator,
  type GhlSimulatorOptions,
  type GhlSimulatorState,
  type GhlSimulatorSnapshot,
  type SimCounters,
  type SimRequestRecord,
} from './server.js';
export { NO_FAULTS, type FaultSettings, type FaultKind } from './faults.js';
export { DEFAULT_RATE_LIMIT, type RateLimitSettings } from './rate-limit.js';
export type { SimulatorClock } from './clock.js';
export type { SimAppointment, SimContact, SimNote, SimTask, DuplicateField } from './store.js';
export { GHL_API_VERSIONS } from './spec.js';
