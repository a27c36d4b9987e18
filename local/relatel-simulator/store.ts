/**
 * The Relatel simulator's phonebook: contacts by integer id, in id order, with Relatel's fields
 * (`id`, `name`, `number`, `number_formatted`, `email`; no `updated_at`, no tags). Numbers are kept
 * as Relatel keeps them: digits with the country code and no `+` (`4571999999`).
 */

export interface RelatelSimContact {
  id: number;
  name: string;
  number: string | null;
  number_formatted: string | null;
  email: string | null;
}

/** The writable fields, already checked (contacts.ts). */
export interface ContactFields {
  name?: string;
  number?: string | null;
  email?: string | null;
}

export class RelatelStore {
  readonly contacts = new Map<number, RelatelSimContact>();
  private nextId: number;

  constructor(private readonly firstId: number) {
    this.nextId = firstId;
  }

  /** A new contact with the next id, or with `id` when given (seeding a known Relatel contact). */
  create(fields: ContactFields & { name: string }, id?: number): RelatelSimContact {
    const contactId = id ?? this.nextId;
    this.nextId = Math.max(this.nextId, contactId + 1);
    const contact: RelatelSimContact = { id: contactId, name: fields.name, number: null, number_formatted: null, email: null };
    this.contacts.set(contactId, applyFields(contact, fields));
    return contact;
  }

  update(id: number, fields: ContactFields): RelatelSimContact | undefined {
    const contact = this.contacts.get(id);
    return contact && applyFields(contact, fields);
  }

  delete(id: number): boolean {
    return this.contacts.delete(id);
  }

  /** Contacts with id >= `fromId` (and exactly this `number`, when given), in id order, at most `limit`. */
  list(query: { fromId?: number; number?: string; limit: number }): RelatelSimContact[] {
    return [...this.contacts.values()]
      .filter((contact) => (query.fromId === undefined || contact.id >= query.fromId) && (query.number === undefined || contact.number === query.number))
      .sort((a, b) => a.id - b.id)
      .slice(0, query.limit);
  }

  clear(): void {
    this.contacts.clear();
    this.nextId = this.firstId;
  }
}

function applyFields(contact: RelatelSimContact, fields: ContactFields): RelatelSimContact {
  if (fields.name !== undefined) contact.name = fields.name;
  if (fields.email !== undefined) contact.email = fields.email;
  if (fields.number !== undefined) {
    contact.number = fields.number;
    contact.number_formatted = fields.number === null ? null : formatNumber(fields.number);
  }
  return contact;
}

/** `4571999999` -> `+45 71 99 99 99` (Danish numbers grouped in pairs); others `+<digits>`. */
export function formatNumber(number: string): string {
  const danish = /^45(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(number);
  return danish ? `+45 ${danish.slice(1).join(' ')}` : `+${number}`;
}
