/** Syncs queued Relatel appointments events to GHL. Wiring only: see functions/consumer-runtime.ts. */
import { consumerHandler } from '../consumer-runtime.js';

export const handler = consumerHandler('appointments');
