/**
 * Logger and metrics for every function. Structured JSON (Powertools), correlation keys set
 * per record, and personal data kept out at the source: callers log ids, types, statuses and
 * GHL traceIds, never payload fields; `redactPersonalData` is the last line of defence for
 * free text (error messages from upstream APIs).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export const METRICS_NAMESPACE = 'RelatelGhlSync';

/** The level is fixed here: Powertools resets a later setLogLevel at every invocation. */
export function createLogger(serviceName: string, logLevel: string = process.env.LOG_LEVEL ?? 'INFO'): Logger {
  return new Logger({ serviceName, logLevel: logLevel as 'INFO' });
}

export function createMetrics(serviceName: string): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
}

export { MetricUnit };

const EMAIL = /[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,}/gi;
// Seven or more digits, optionally with +, spaces, dashes, dots or parentheses between them.
const PHONE = /\+?\d[\d\s().-]{5,}\d/g;

/** Masks anything shaped like an email or a phone number in free text. */
export function redactPersonalData(text: string): string {
  return text.replace(EMAIL, '[email]').replace(PHONE, '[phone]');
}
