/**
 * The Relatel simulator's error answers. RELATEL.md documents no error bodies: these follow the
 * conventions of the Rails app and OAuth provider Relatel's API is built on (an `error` string;
 * validation errors as `errors` keyed by field; a missing `contact` wrapper is a 400), so a client
 * must rely on the status, never on the body. docs/LOCAL-STACK.md lists them.
 */
export class RelatelApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(`Relatel ${status}`);
  }
}

export const unauthorized = () =>
  new RelatelApiError(
    401,
    { error: 'invalid_token', error_description: 'The access token is invalid' },
    { 'WWW-Authenticate': 'Bearer realm="Relatel", error="invalid_token", error_description="The access token is invalid"' },
  );

export const notFound = () => new RelatelApiError(404, { error: 'Not found' });

export const badRequest = (message: string) => new RelatelApiError(400, { error: message });

/** Field -> messages, e.g. `{ number: ['is invalid'] }`. */
export const unprocessable = (errors: Record<string, string[]>) => new RelatelApiError(422, { errors });

export const tooManyRequests = (retryAfterSeconds: number) =>
  new RelatelApiError(429, { error: 'Rate limit exceeded' }, { 'Retry-After': String(retryAfterSeconds) });

export const internalServerError = () => new RelatelApiError(500, { error: 'Internal Server Error' });
