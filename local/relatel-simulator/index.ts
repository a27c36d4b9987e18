/**
 * The Relatel simulator: an in-memory stand-in for Relatel's REST API v2 contacts endpoints, for
 * the local stack (hydration, backfill, verify) and the tests. Never shipped in a Lambda.
 *
 *   const relatel = await startRelatelSimulator({ seed: 7 });
 *   relatel.seedContact({ id: 481516, name: 'Mette Hansen', number: '4571999999' });
 *   // point a Relatel client at relatel.apiBaseUrl with token relatel.tokens[0]
 *   relatel.setRateLimit({ maxPerInterval: 0 }); relatel.state.requests(); await relatel.stop();
 */
export {
  startRelatelSimulator,
  RELATEL_SIMULATOR_DEFAULTS,
  type RelatelSimulator,
  type RelatelSimulatorOptions,
  type RelatelSimulatorState,
  type RelatelSimulatorSnapshot,
  type RelatelSeedContact,
} from './server.js';
export type { ContactOperation } from './contacts.js';
export { NO_RATE_LIMIT, type RelatelRateLimitSettings } from './rate-limit.js';
export type { RelatelSimContact } from './store.js';
