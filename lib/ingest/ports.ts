/**
 * The two things webhook ingest needs from the outside world, as narrow interfaces: the SQS
 * adapter (lib/aws/sqs-queue-sender.ts), the local stack and tests each provide their own.
 */
import type { QueueOwner } from '../entities.js';

export interface QueueMessage {
  /** Whose FIFO queue the message goes to: an entity's, or a GHL flow's (the GHL door). */
  readonly entity: QueueOwner;
  /** The contact the event belongs to (Relatel's, or GHL's for a GHL flow): its events are applied in order. */
  readonly groupId: string;
  /** The webhook's delivery id (GHL: `webhookId`): a redelivered webhook is dropped by SQS. */
  readonly deduplicationId: string;
  /** The validated envelope exactly as Relatel sent it (GHL: the normalised event). */
  readonly body: string;
  readonly attributes: { readonly event_type: string; readonly delivery_id: string };
}

export interface QueueSender {
  /** Resolves once the message is durably enqueued; rejects otherwise. */
  send(message: QueueMessage): Promise<void>;
}

/** The webhook signing secrets currently accepted (the current one and, during a rotation, the previous). */
export interface SigningSecrets {
  /** Served from memory while warm. */
  get(): Promise<readonly string[]>;
  /**
   * Re-reads the secrets after a signature mismatch, in case they were rotated since they were
   * cached; rate-limited, so it answers undefined when a re-read happened too recently.
   */
  refresh(): Promise<readonly string[] | undefined>;
}
