/**
 * Relatel contact -> GHL contact bodies. Three bodies because GHL's three operations accept
 * different properties (docs/MAPPING.md has the table):
 *  - create (POST /contacts/): everything, including companyName, source and the full tag set
 *    (a new contact has no tags to lose, so this saves a tag call);
 *  - upsert (POST /contacts/upsert), the first sync of a contact: like create but WITHOUT tags,
 *    because upsert may match an existing GHL contact and a `tags` field replaces all of its
 *    tags, including ones people added in GHL. The sync adds `contactTags()` with the tag
 *    endpoint afterwards;
 *  - update (PUT /contacts/:id): no locationId, no tags (diffed with the tag endpoints), no
 *    source (a source edited in GHL is kept), and no companyName, which UpdateContactDto does
 *    not have: the result reports the company separately, see `MappedContactUpdate`.
 *
 * Fields that are empty or invalid in Relatel are left out, never sent as null: a cleared
 * Relatel field leaves the GHL value as it was.
 */
import type { GhlCreateContactBody, GhlCustomFieldInput, GhlUpdateContactBody, GhlUpsertContactBody } from '../ghl/types.js';
import type { MappingConfig } from './config.js';
import { normaliseEmail } from './email.js';
import { contactNameParts } from './names.js';
import { normalisePhone } from './phone.js';
import type { RelatelContactRecord } from './relatel-records.js';
import { withoutUndefined, type Mapped, type MappingIssue } from './result.js';
import { normaliseTags } from './tags.js';

export interface MappedContactUpdate extends Mapped<GhlUpdateContactBody> {
  /**
   * The company the update body cannot carry. When it differs from the last synced one, the
   * sync follows the PUT with an upsert (`mapContactToUpsertBody`), which finds the contact
   * just updated by its e-mail or phone and sets companyName; a contact with neither cannot
   * be matched and keeps its old company in GHL.
   */
  companyName?: string;
}

/** The tags a synced contact carries: Relatel's, plus the configured fixed tag, normalised like GHL. */
export function contactTags(contact: RelatelContactRecord, config: MappingConfig): string[] {
  return normaliseTags([...(contact.tags ?? []), config.contacts.tag]);
}

export function mapContactToCreateBody(
  contact: RelatelContactRecord,
  config: MappingConfig,
  locationId: string,
): Mapped<GhlCreateContactBody> {
  const { body: common, issues } = mapCommonFields(contact, config);
  const tags = contactTags(contact, config);
  const body = withoutUndefined<GhlCreateContactBody>({
    locationId,
    ...common,
    companyName: companyNameOf(contact),
    source: config.contacts.source,
    tags: tags.length > 0 ? tags : undefined,
  });
  return { body, issues };
}

export function mapContactToUpsertBody(
  contact: RelatelContactRecord,
  config: MappingConfig,
  locationId: string,
): Mapped<GhlUpsertContactBody> {
  const { body: common, issues } = mapCommonFields(contact, config);
  const body = withoutUndefined<GhlUpsertContactBody>({
    locationId,
    ...common,
    companyName: companyNameOf(contact),
    source: config.contacts.source,
    // Update the duplicate GHL finds rather than create a second contact, whatever the
    // location's "allow duplicates" setting says.
    createNewIfDuplicateAllowed: false,
  });
  return { body, issues };
}

export function mapContactToUpdateBody(contact: RelatelContactRecord, config: MappingConfig): MappedContactUpdate {
  const { body, issues } = mapCommonFields(contact, config);
  const companyName = companyNameOf(contact);
  return companyName === undefined ? { body, issues } : { body, issues, companyName };
}

function mapCommonFields(contact: RelatelContactRecord, config: MappingConfig): Mapped<GhlUpdateContactBody> {
  const issues: MappingIssue[] = [];
  const phone = normalisePhone(contact.number, config.defaultCountry);
  if (!phone.ok && phone.reason === 'invalid') issues.push({ field: 'number', reason: 'invalid-phone' });
  const email = normaliseEmail(contact.email);
  if (!email.ok && email.reason === 'invalid') issues.push({ field: 'email', reason: 'invalid-email' });
  const customFields = mapCustomFields(contact, config.contacts.customFields, issues);
  const body = withoutUndefined<GhlUpdateContactBody>({
    ...contactNameParts(contact),
    email: email.ok ? email.email : undefined,
    phone: phone.ok ? phone.e164 : undefined,
    customFields: customFields.length > 0 ? customFields : undefined,
  });
  return { body, issues };
}

function companyNameOf(contact: RelatelContactRecord): string | undefined {
  const company = contact.company?.trim();
  return company ? company : undefined;
}

/**
 * Extra Relatel fields -> GHL custom fields, in custom field id order so equal contacts give
 * equal bodies (and equal hashes). Scalars are sent as text, lists of scalars as lists (GHL's
 * multi-select/checkbox fields); empty values are left out; anything else is reported.
 */
function mapCustomFields(
  contact: RelatelContactRecord,
  fieldIds: Readonly<Record<string, string>>,
  issues: MappingIssue[],
): GhlCustomFieldInput[] {
  const record = contact as unknown as Record<string, unknown>;
  const fields: GhlCustomFieldInput[] = [];
  for (const [relatelField, id] of Object.entries(fieldIds)) {
    if (!Object.prototype.hasOwnProperty.call(record, relatelField)) continue;
    const value = customFieldValue(record[relatelField]);
    if (value === UNSUPPORTED) issues.push({ field: `custom:${relatelField}`, reason: 'unsupported-custom-field-value' });
    else if (value !== undefined) fields.push({ id, field_value: value });
  }
  return fields.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

const UNSUPPORTED = Symbol('unsupported');

function customFieldValue(value: unknown): string | string[] | undefined | typeof UNSUPPORTED {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    const items: string[] = [];
    for (const item of value) {
      const text = scalarText(item);
      if (text === UNSUPPORTED) return UNSUPPORTED;
      if (text !== '') items.push(text);
    }
    return items.length > 0 ? items : undefined;
  }
  const text = scalarText(value);
  return text === '' ? undefined : text;
}

function scalarText(value: unknown): string | typeof UNSUPPORTED {
  if (typeof value === 'string') return value.trim();
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') return String(value);
  return UNSUPPORTED;
}
