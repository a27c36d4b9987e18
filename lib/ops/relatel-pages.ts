/**
 * Every Relatel contact, a page at a time, for backfill and verify. Relatel pages with
 * `id_gt_or_eq` (ids at or after the given one, in id order), so the next page starts at the
 * last id seen and that one contact, which the page repeats, is dropped: this works whether
 * ids are numbers or strings, without guessing what "the next id" is.
 */
import type { RelatelClient, RelatelContact } from '../relatel/client.js';
import { RELATEL_MAX_PAGE_SIZE } from '../relatel/client.js';

export interface ContactPage {
  /** Contacts after `afterId`, in Relatel's order. */
  contacts: RelatelContact[];
  /** When the page was requested: the contacts are at least this fresh. */
  readAt: Date;
}

export interface PageOptions {
  /** Start after this contact id (exclusive); from the first contact when absent. */
  afterId?: string;
  pageSize?: number;
  now?: () => Date;
}

export async function* contactPages(
  relatel: Pick<RelatelClient, 'listContacts'>,
  options: PageOptions = {},
): AsyncGenerator<ContactPage> {
  const pageSize = Math.min(options.pageSize ?? RELATEL_MAX_PAGE_SIZE, RELATEL_MAX_PAGE_SIZE);
  const now = options.now ?? (() => new Date());
  let afterId = options.afterId;
  for (;;) {
    const readAt = now();
    const page = await relatel.listContacts({ ...(afterId === undefined ? {} : { fromId: afterId }), limit: pageSize });
    const contacts = afterId === undefined ? page : page.filter((contact) => String(contact.id) !== afterId);
    if (contacts.length > 0) yield { contacts, readAt };
    // A short page is the last one; a page with nothing new means Relatel ignored the filter.
    if (page.length < pageSize || contacts.length === 0) return;
    afterId = String(contacts[contacts.length - 1]!.id);
  }
}
