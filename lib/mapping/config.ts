/**
 * The mapping configuration: what a deployment may change about how Relatel records become GHL
 * bodies without touching code. It arrives as JSON (the consumers' `MAPPING_CONFIG` variable),
 * is validated once at cold start, and every field has a default, so `{}` is a working
 * configuration. docs/MAPPING.md documents each field; keep the two in step.
 */
import * as z from 'zod/mini';
import { relatelContactConfigSchema } from './relatel-contact.js';
import { isSupportedCountry, type CountryCode } from 'libphonenumber-js/min';
import { ConfigError } from '../config.js';
import { GHL_APPOINTMENT_STATUSES, type GhlAppointmentStatus } from '../ghl/types.js';
import { isValidTimeZone } from './time.js';

/**
 * Relatel has no documented appointment statuses (see docs/MAPPING.md); these cover the usual
 * spellings. Keys are compared lower-cased; a deployment's `statusMap` is merged over them.
 */
export const DEFAULT_APPOINTMENT_STATUS_MAP: Readonly<Record<string, GhlAppointmentStatus>> = {
  new: 'new',
  booked: 'confirmed',
  scheduled: 'confirmed',
  confirmed: 'confirmed',
  cancelled: 'cancelled',
  canceled: 'cancelled',
  showed: 'showed',
  attended: 'showed',
  completed: 'showed',
  noshow: 'noshow',
  no_show: 'noshow',
  'no-show': 'noshow',
  invalid: 'invalid',
};

const nonEmpty = () => z.string().check(z.minLength(1));
const ghlId = () => z.string().check(z.minLength(1), z.maxLength(100));
/** Relatel employee id -> GHL user id. Keys are strings: JSON object keys always are. */
const idMap = () => z._default(z.record(z.string(), ghlId()), {});

const countryCode = z.string().check(
  z.refine((value) => isSupportedCountry(value), { message: 'must be a supported ISO 3166-1 alpha-2 country code' }),
);
const timeZone = z.string().check(z.refine(isValidTimeZone, { message: 'must be an IANA time zone' }));
const lowerCaseKeys = (map: Record<string, GhlAppointmentStatus>) =>
  Object.fromEntries(Object.entries(map).map(([key, value]) => [key.trim().toLowerCase(), value]));

/** `{}` for a missing section, parsed so that the section's own defaults apply. */
const section = <S extends z.ZodMiniObject>(schema: S) => z.prefault(schema, {} as z.input<S>);

export const mappingConfigSchema = z.strictObject({
  /** Country of national numbers (without a country code). */
  defaultCountry: z._default(countryCode, 'DK'),
  /** Zone of Relatel times that carry no offset, and of the times written in call notes. */
  timezone: z._default(timeZone, 'Europe/Copenhagen'),
  /** Relatel employee id -> GHL user id: task assignee, note author, call note author. */
  users: idMap(),
  /**
   * A record a person deleted in GHL: `relatel-wins` writes it again from Relatel's data (Relatel
   * is the source of truth); `ghl-wins` leaves it deleted and skips its later events.
   */
  ghlDeletions: z._default(z.enum(['relatel-wins', 'ghl-wins']), 'relatel-wins'),
  contacts: section(
    z.strictObject({
      /** GHL `source` of contacts the sync creates. */
      source: z._default(nonEmpty(), 'Relatel'),
      /** A tag added to every synced contact (e.g. `relatel`), lower-cased like GHL does. */
      tag: z.optional(nonEmpty()),
      /** Extra Relatel contact field name -> GHL custom field id. */
      customFields: idMap(),
    }),
  ),
  tasks: section(
    z.strictObject({
      /** Title of a task that has none in Relatel (GHL requires one). */
      defaultTitle: z._default(nonEmpty(), 'Relatel task'),
      /** A task without a due date is due this many hours after its event's occurred_at (GHL requires one). */
      defaultDueInHours: z._default(z.number().check(z.int(), z.positive()), 24),
    }),
  ),
  calls: section(
    z.strictObject({
      callbackTask: section(
        z.strictObject({
          /** An unanswered inbound call creates a "call back" task on the caller's contact. */
          enabled: z._default(z.boolean(), true),
          /** The task is due this many minutes after the call ended. */
          delayMinutes: z._default(z.number().check(z.int(), z.nonnegative()), 15),
          /** `{number}` becomes the caller's number, formatted for reading. */
          titleTemplate: z._default(nonEmpty(), 'Call back {number}'),
          /** GHL user id the task is assigned to (unassigned when absent). */
          assignedTo: z.optional(ghlId()),
        }),
      ),
    }),
  ),
  appointments: section(
    z.strictObject({
      /** GHL calendar that synced appointments go to. Required by the appointments consumer only. */
      calendarId: z.optional(ghlId()),
      /** Relatel status -> GHL appointmentStatus, merged over DEFAULT_APPOINTMENT_STATUS_MAP. */
      statusMap: z.pipe(
        z._default(z.record(z.string(), z.enum(GHL_APPOINTMENT_STATUSES)), {}),
        z.transform((map) => ({ ...DEFAULT_APPOINTMENT_STATUS_MAP, ...lowerCaseKeys(map) })),
      ),
      /** GHL automations (confirmation SMS/e-mails) on synced appointments: off unless asked for. */
      toNotify: z._default(z.boolean(), false),
    }),
  ),
  /** GHL -> Relatel (the Relatel writer): which GHL contacts reach Relatel's phonebook. */
  relatel: section(relatelContactConfigSchema),
});

export type MappingConfig = z.output<typeof mappingConfigSchema> & { defaultCountry: CountryCode };
export type MappingConfigInput = z.input<typeof mappingConfigSchema>;

/**
 * Validates a mapping configuration given as JSON text or as an object (undefined or empty
 * text means "all defaults"). Errors name each offending field and what it expects; they never
 * repeat a value, since a misplaced secret must not end up in a log.
 */
export function parseMappingConfig(input: string | object | undefined): MappingConfig {
  const result = mappingConfigSchema.safeParse(typeof input === 'string' || input === undefined ? parseJson(input) : input);
  if (result.success) return result.data as MappingConfig;
  const problems = result.error.issues.map((issue) => `  ${fieldName(issue.path)}: ${describe(issue)}`);
  throw new ConfigError(`Invalid mapping configuration:\n${problems.join('\n')}`);
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined || text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text: it is dropped on purpose.
    throw new ConfigError('Invalid mapping configuration: not valid JSON');
  }
}

function fieldName(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map(String).join('.');
}

const EXPECTED: Record<string, string> = { int: 'an integer', object: 'an object', array: 'an array' };

function describe(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${EXPECTED[issue.expected] ?? `a ${issue.expected}`}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    case 'too_small':
      if (issue.origin === 'string' && issue.minimum === 1) return 'must not be empty';
      if (!issue.inclusive) return `must be greater than ${String(issue.minimum)}`;
      return `must be at least ${String(issue.minimum)}${issue.origin === 'string' ? ' characters' : ''}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}${issue.origin === 'string' ? ' characters' : ''}`;
    case 'unrecognized_keys':
      return `unknown field(s) ${issue.keys.join(', ')}`;
    case 'invalid_format':
      return `must be a valid ${issue.format}`;
    default:
      return issue.message;
  }
}
