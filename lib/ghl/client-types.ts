/**
 * What the GHL client offers, as types: the `GhlClient` interface consumers depend on, and the
 * inputs and results of its operations (client.ts implements it over HTTP).
 */
import type { GhlAppointment, GhlContact, GhlNote, GhlTask } from './responses.js';
import type {
  GhlCreateAppointmentBody,
  GhlCreateContactBody,
  GhlCreateNoteBody,
  GhlCreateTaskBody,
  GhlUpdateAppointmentBody,
  GhlUpdateContactBody,
  GhlUpdateNoteBody,
  GhlUpdateTaskBody,
  GhlUpsertContactBody,
} from './types.js';


export type GhlContactCreateInput = Omit<GhlCreateContactBody, 'locationId'>;
export type GhlContactUpsertInput = Omit<GhlUpsertContactBody, 'locationId'>;
export type GhlAppointmentCreateInput = Omit<GhlCreateAppointmentBody, 'locationId'>;

/**
 * POST /contacts/ either creates, or (location forbids duplicates) says GHL has the contact
 * already, normally naming it (`meta.contactId`); a duplicate answer without the id is still
 * a duplicate, for the caller to link another way (by upsert).
 */
export type GhlCreateContactResult =
  | { outcome: 'created'; contact: GhlContact }
  | { outcome: 'duplicate'; contactId?: string; matchingField?: string };

export interface GhlUpsertContactResult {
  /** false when GHL matched an existing contact (by the location's duplicate rules) and updated it. */
  created: boolean;
  contact: GhlContact;
}

/** The location (sub-account) settings the sync depends on. */
export interface GhlLocationSettings {
  /** GHL's "Allow Duplicate Contact"; undefined when GHL does not say. */
  allowDuplicateContact?: boolean;
}

/** Deletes are idempotent: a record that is already gone (404) is not an error. */
export type GhlDeleteOutcome = 'deleted' | 'already-deleted';

export interface GhlContactListQuery {
  query?: string;
  limit?: number;
  startAfterId?: string;
  startAfter?: number;
}

export interface GhlBusinessContactsQuery {
  query?: string;
  limit?: number;
  skip?: number;
}

/**
 * One condition of POST /contacts/search. The spec leaves the body undescribed (SearchBodyV2DTO
 * has no properties); GHL's Search Contacts documentation gives `{field, operator, value}`, with
 * `range` taking `{gte, lte}` for dates such as `dateAdded`.
 */
export type GhlContactSearchFilter =
  | { field: string; operator: 'eq'; value: string }
  | { field: string; operator: 'range'; value: { gte?: string; lte?: string } };

/** Search Contacts' order, e.g. `{field: 'dateUpdated', direction: 'asc'}`. */
export interface GhlContactSearchSort {
  field: string;
  direction: 'asc' | 'desc';
}

/** A page of a contact search: `page` counts from 1. */
export interface GhlContactSearch {
  filters: GhlContactSearchFilter[];
  sort?: GhlContactSearchSort[];
  page: number;
  pageLimit: number;
}

export interface GhlContactList {
  contacts: GhlContact[];
  count?: number;
}

export interface GhlClient {
  /**
   * The credentials' location's settings; undefined when the token may not read them (GHL
   * answers 401 to a token without the `locations.readonly` scope, 403 without access).
   */
  getLocationSettings(): Promise<GhlLocationSettings | undefined>;

  /** undefined when GHL has no such contact (404, or 400 "not found"); likewise getTask, getNote, getAppointment. */
  getContact(contactId: string): Promise<GhlContact | undefined>;
  createContact(body: GhlContactCreateInput): Promise<GhlCreateContactResult>;
  upsertContact(body: GhlContactUpsertInput): Promise<GhlUpsertContactResult>;
  updateContact(contactId: string, body: GhlUpdateContactBody): Promise<GhlContact>;
  deleteContact(contactId: string): Promise<GhlDeleteOutcome>;
  /** GET /contacts/ (deprecated by GHL, still served). */
  listContacts(query?: GhlContactListQuery): Promise<GhlContactList>;
  listContactsByBusiness(businessId: string, query?: GhlBusinessContactsQuery): Promise<GhlContactList>;
  /** POST /contacts/search, one page: contacts that meet every filter (a read, so resent freely). */
  searchContacts(search: GhlContactSearch): Promise<GhlContact[]>;
  /** Answers the contact's tags after the change. */
  addTags(contactId: string, tags: string[]): Promise<string[]>;
  removeTags(contactId: string, tags: string[]): Promise<string[]>;

  listTasks(contactId: string): Promise<GhlTask[]>;
  getTask(contactId: string, taskId: string): Promise<GhlTask | undefined>;
  createTask(contactId: string, body: GhlCreateTaskBody): Promise<GhlTask>;
  updateTask(contactId: string, taskId: string, body: GhlUpdateTaskBody): Promise<GhlTask>;
  setTaskCompleted(contactId: string, taskId: string, completed: boolean): Promise<GhlTask>;
  deleteTask(contactId: string, taskId: string): Promise<GhlDeleteOutcome>;

  listNotes(contactId: string): Promise<GhlNote[]>;
  getNote(contactId: string, noteId: string): Promise<GhlNote | undefined>;
  createNote(contactId: string, body: GhlCreateNoteBody): Promise<GhlNote>;
  updateNote(contactId: string, noteId: string, body: GhlUpdateNoteBody): Promise<GhlNote>;
  deleteNote(contactId: string, noteId: string): Promise<GhlDeleteOutcome>;

  listContactAppointments(contactId: string): Promise<GhlAppointment[]>;
  getAppointment(eventId: string): Promise<GhlAppointment | undefined>;
  createAppointment(body: GhlAppointmentCreateInput): Promise<GhlAppointment>;
  updateAppointment(eventId: string, body: GhlUpdateAppointmentBody): Promise<GhlAppointment>;
  deleteAppointment(eventId: string): Promise<GhlDeleteOutcome>;
}
