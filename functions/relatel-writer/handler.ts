/** Writes queued GHL contact events to Relatel's phonebook. Wiring only: see functions/relatel-writer/runtime.ts. */
import { relatelWriterHandler } from './runtime.js';

export const handler = relatelWriterHandler();
