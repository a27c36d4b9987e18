/**
 * Body validation the way GHL's validation pipe answers it: every problem becomes one message in
 * the 422 `message` array, unknown properties as `property X should not exist`. Value checks are
 * the few that real data trips over (e-mail format, phone numbers that are not E.164, dates that
 * are not ISO 8601, enums); they make "GHL answered 422" reachable with honest data.
 */
import { CUSTOM_FIELD_INPUT_PROPERTIES, type BodyRule, type FieldRule } from './spec.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const E164 = /^\+[1-9]\d{6,14}$/;
/** Separators people type in phone numbers; GHL stores the number without them. */
const PHONE_SEPARATORS = /[\s\-().]/g;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$/;
const ISO_DATE_TIME_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `+45 12 34-56 78` -> `+4512345678`; undefined when it is not E.164 once separators go. */
export function normalizePhone(phone: string): string | undefined {
  const compact = phone.replace(PHONE_SEPARATORS, '');
  return E164.test(compact) ? compact : undefined;
}

export function isIsoDate(value: string): boolean {
  return ISO_DATE.test(value) && !Number.isNaN(Date.parse(value));
}

export function isIsoDateTimeWithOffset(value: string): boolean {
  return ISO_DATE_TIME_WITH_OFFSET.test(value) && !Number.isNaN(Date.parse(value));
}

/** Messages for everything wrong with `body` under `rule`; empty when GHL would accept it. */
export function validateBody(rule: BodyRule, body: Record<string, unknown>): string[] {
  const messages: string[] = [];
  for (const name of Object.keys(body)) {
    if (!Object.prototype.hasOwnProperty.call(rule.fields, name)) messages.push(`property ${name} should not exist`);
  }
  for (const name of rule.required) {
    if (body[name] === undefined || body[name] === null || body[name] === '') {
      messages.push(`${name} should not be empty`);
    }
  }
  for (const [name, fieldRule] of Object.entries(rule.fields)) {
    const value = body[name];
    if (value === undefined) continue;
    if (value === null && acceptsNull(fieldRule)) continue;
    messages.push(...checkField(name, fieldRule, value));
  }
  return messages;
}

function acceptsNull(rule: FieldRule): boolean {
  return rule === 'nullableString' || rule === 'email' || rule === 'phone';
}

function checkField(name: string, rule: FieldRule, value: unknown): string[] {
  if (typeof rule === 'object') {
    return typeof value === 'string' && rule.oneOf.includes(value)
      ? []
      : [`${name} must be one of the following values: ${rule.oneOf.join(', ')}`];
  }
  switch (rule) {
    case 'string':
    case 'nullableString':
      return typeof value === 'string' ? [] : [`${name} must be a string`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${name} must be a boolean value`];
    case 'object':
      return isPlainObject(value) ? [] : [`${name} must be an object`];
    case 'stringArray':
      if (!Array.isArray(value)) return [`${name} must be an array`];
      return value.every((item) => typeof item === 'string') ? [] : [`each value in ${name} must be a string`];
    case 'customFields':
      return checkCustomFields(name, value);
    case 'email':
      return typeof value === 'string' && EMAIL.test(value) ? [] : [`${name} must be an email`];
    case 'phone':
      return typeof value === 'string' && normalizePhone(value) !== undefined
        ? []
        : [`${name} must be a valid phone number`];
    case 'isoDate':
      return typeof value === 'string' && isIsoDate(value) ? [] : [`${name} must be a valid ISO 8601 date string`];
    case 'positiveInteger':
      return Number.isInteger(value) && (value as number) > 0 ? [] : [`${name} must be a positive integer`];
    case 'searchFilters':
      return searchFilterProblems(name, value);
    case 'searchSort':
      return searchSortProblems(name, value);
    case 'isoDateTimeWithOffset':
      return typeof value === 'string' && isIsoDateTimeWithOffset(value)
        ? []
        : [`${name} must be a valid ISO 8601 date string with a time zone offset`];
  }
}

/** The simulator's Search Contacts filters: `eq` on a string, `range` on `{gte?, lte?}`. */
function searchFilterProblems(name: string, value: unknown): string[] {
  if (!Array.isArray(value)) return [`${name} must be an array`];
  return value.flatMap((item, index) => {
    const path = `${name}.${index}`;
    if (!isPlainObject(item) || typeof item['field'] !== 'string') return [`${path}.field must be a string`];
    if (item['operator'] === 'eq') return typeof item['value'] === 'string' ? [] : [`${path}.value must be a string`];
    if (item['operator'] === 'range') return isPlainObject(item['value']) ? [] : [`${path}.value must be an object`];
    return [`${path}.operator must be one of the following values: eq, range`];
  });
}

/** Search Contacts' `sort`: `{field, direction}` with direction `asc` or `desc`. */
function searchSortProblems(name: string, value: unknown): string[] {
  if (!Array.isArray(value)) return [`${name} must be an array`];
  return value.flatMap((item, index) => {
    const path = `${name}.${index}`;
    if (!isPlainObject(item) || typeof item['field'] !== 'string') return [`${path}.field must be a string`];
    return item['direction'] === 'asc' || item['direction'] === 'desc' ? [] : [`${path}.direction must be one of the following values: asc, desc`];
  });
}

function checkCustomFields(name: string, value: unknown): string[] {
  if (!Array.isArray(value)) return [`${name} must be an array`];
  return value.flatMap((item, index) => {
    const path = `${name}.${index}`;
    if (!isPlainObject(item)) return [`${path} must be an object`];
    const messages = Object.keys(item)
      .filter((key) => !(CUSTOM_FIELD_INPUT_PROPERTIES as readonly string[]).includes(key))
      .map((key) => `${path}.property ${key} should not exist`);
    if (typeof item['id'] !== 'string' || item['id'] === '') messages.push(`${path}.id should not be empty`);
    return messages;
  });
}
