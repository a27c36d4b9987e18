/**
 * The two things webhook ingest needs from the outside world, as narrow interfaces: the SQS
 * adapter (lib/aws/sqs-queue-sender.ts), the local stack and tests each provide their own.
 */
import type { Entity } from '../entities.js';

export interface QueueMessage {
  /** Whose FIFO queue the message goes to. */
  readonly entity: Entity;
  /** The Relatel contact the event belongs to: its events are applied in order. */
  readonly groupId: string;
  /** The webhook's delivery_id: a redelivered webhook is dropped by SQS. */
  readonly deduplicationId: string;
  /** The validated envelope exactly as Relatel sent it. */
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
