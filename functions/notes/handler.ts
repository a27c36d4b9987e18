/** Syncs queued Relatel notes events to GHL. Wiring only: see functions/consumer-runtime.ts. */
import { consumerHandler } from '../consumer-runtime.js';

export const handler = consumerHandler('notes');
