/** GHL's error answers, in the shapes its API gateway and NestJS services produce. */
import { DUPLICATE_CONTACT_MESSAGE } from './spec.js';
import type { DuplicateMatch } from './store.js';

export class GhlError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(`GHL ${status}`);
  }
}

export const unauthorized = (message: string) =>
  new GhlError(401, { statusCode: 401, message, error: 'Unauthorized' });

/** A token without the scope an endpoint needs: GHL answers 401, not 403. */
export const scopeNotGranted = () => unauthorized('The token is not authorized for this scope.');

export const forbiddenLocation = () =>
  new GhlError(403, { statusCode: 403, message: 'The token does not have access to this location.', error: 'Forbidden' });

/** The calendars API's answer to an event id it does not have. */
export const notFound = (what: string) => new GhlError(404, { statusCode: 404, message: `${what} not found`, error: 'Not Found' });

/**
 * The contacts API's answer to a contact, task or note id it does not have (deleted, or never
 * there): its spec documents 400 (BadRequestDTO), never 404, for every operation on one.
 */
export const recordNotFound = (what: string) => new GhlError(400, { statusCode: 400, message: `${what} not found` });

export const noRoute = (method: string, path: string) =>
  new GhlError(404, { statusCode: 404, message: `Cannot ${method} ${path}`, error: 'Not Found' });

export const badRequest = (message: string) => new GhlError(400, { statusCode: 400, message, error: 'Bad Request' });

export const unprocessable = (messages: string[]) =>
  new GhlError(422, { statusCode: 422, message: messages, error: 'Unprocessable Entity' });

export const duplicateContact = (match: DuplicateMatch) =>
  new GhlError(400, {
    statusCode: 400,
    message: DUPLICATE_CONTACT_MESSAGE,
    meta: { contactId: match.contact.id, matchingField: match.field },
  });

export const tooManyRequests = () => new GhlError(429, { statusCode: 429, message: 'Too Many Requests' });

export const internalServerError = () =>
  new GhlError(500, { statusCode: 500, message: 'Internal server error', error: 'Internal Server Error' });
