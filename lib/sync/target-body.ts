/** Helpers the entity modules share to turn a mapped body into the body a plan sends. */

/** Mapping fills bodies' locationId; the client sets it from the credentials instead. */
export const LOCATION_SET_BY_CLIENT = '';

/** A mapped body without its locationId, which the GHL client adds where GHL wants it. */
export function withoutLocation<B extends { locationId?: string }>(body: B): Omit<B, 'locationId'> {
  const { locationId: _setByClient, ...rest } = body;
  return rest;
}
