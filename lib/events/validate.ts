/**
 * Validation of a parsed webhook body against the contract. Problems are reported as field
 * paths with a description of what was expected, never with the offending value: answers and
 * logs must not carry personal data, and a value is exactly where it would hide.
 */
import * as z from 'zod/mini';
import { isRoutedEventType, TEST_EVENT_TYPE, type RoutedEventType } from '../entities.js';
import { PAYLOAD_SCHEMAS, relatelEnvelopeSchema, type RelatelEnvelope, type RelatelPayloadOf } from './schemas.js';

export interface FieldIssue {
  /** Where, e.g. `payload.contact_id` or `payload.tags[2]`. */
  readonly path: string;
  /** What was expected, e.g. `is required`; never the value received. */
  readonly problem: string;
}

/** An event the sync acts on, its payload typed by its event type. */
export type RoutedRelatelEvent = {
  [T in RoutedEventType]: { kind: 'routed'; eventType: T; envelope: RelatelEnvelope; payload: RelatelPayloadOf<T> };
}[RoutedEventType];

export type RelatelEventValidation =
  | ({ valid: true } & RoutedRelatelEvent)
  /** `webhook.test`: valid envelope, payload unchecked. */
  | { valid: true; kind: 'test'; eventType: string; envelope: RelatelEnvelope }
  /** An event type the sync does not act on: valid envelope, payload unchecked. */
  | { valid: true; kind: 'unrouted'; eventType: string; envelope: RelatelEnvelope }
  | { valid: false; issues: FieldIssue[] };

export function validateRelatelEvent(body: unknown): RelatelEventValidation {
  const envelope = relatelEnvelopeSchema.safeParse(body, { reportInput: true });
  if (!envelope.success) return { valid: false, issues: describeIssues(envelope.error.issues, []) };
  const eventType = envelope.data.event_type;
  if (eventType === TEST_EVENT_TYPE) return { valid: true, kind: 'test', eventType, envelope: envelope.data };
  if (!isRoutedEventType(eventType)) return { valid: true, kind: 'unrouted', eventType, envelope: envelope.data };
  const payload = PAYLOAD_SCHEMAS[eventType].safeParse(envelope.data.payload, { reportInput: true });
  if (!payload.success) return { valid: false, issues: describeIssues(payload.error.issues, ['payload']) };
  return { valid: true, kind: 'routed', eventType, envelope: envelope.data, payload: payload.data } as RelatelEventValidation;
}

export function formatFieldPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'body';
  return path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

/** zod issues as field paths and what was expected, never the values received. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[]): FieldIssue[] {
  return issues.map((issue) => ({ path: formatFieldPath([...prefix, ...issue.path]), problem: describeIssue(issue) }));
}

function describeIssue(issue: z.core.$ZodIssue): string {
  // `input` is inspected for its absence only; it is never copied into the description.
  if (issue.input === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_union')) return 'is required';
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${article(issue.expected)}`;
    case 'invalid_union':
      return `must be ${alternativesOf(issue).join(' or ') || 'of another type'}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_format':
      return issue.format === 'datetime' ? 'must be an ISO-8601 date-time with a UTC offset' : `must match the ${issue.format} format`;
    case 'too_small':
      return 'must not be empty';
    case 'too_big':
      return `must be at most ${String(issue.maximum)} long`;
    default:
      return 'is invalid';
  }
}

function alternativesOf(issue: z.core.$ZodIssueInvalidUnion): string[] {
  const alternatives = issue.errors.map(([first]) => {
    if (first?.code === 'invalid_type') return article(first.expected);
    if (first?.code === 'too_small' && first.origin === 'string') return 'a non-empty string';
    return undefined;
  });
  return [...new Set(alternatives.filter((alternative) => alternative !== undefined))];
}

function article(type: string): string {
  if (type === 'int') return 'an integer';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
