/**
 * GHL's published webhook public keys, the defaults of the GHL door's configuration. GHL says a
 * key may rotate (announced by e-mail), so each is only a default: a deployment can replace or
 * add keys (several per scheme during a rotation) or refuse a scheme with `none`.
 *
 * - Ed25519 (`x-ghl-signature`, the current scheme): from GHL's marketplace "Webhook Integration
 *   Guide". That page was not readable from where this was written; the key is the one quoted,
 *   identically and attributed to that guide, by many unrelated public GHL integrations, beside
 *   the RSA key below (which we could check against GHL's own docs repository). Third-party
 *   write-ups say `x-wh-signature` is retired from July 2026, after which only this one signs.
 * - RSA (`x-wh-signature`, legacy): printed in GHL's docs (highlevel-api-docs,
 *   `docs/oauth/WebhookAuthentication.md`, and the same marketplace guide).
 */
export const GHL_WEBHOOK_ED25519_PUBLIC_KEY_PEM = `-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAi2HR1srL4o18O8BRa7gVJY7G7bupbN3H9AwJrHCDiOg=
-----END PUBLIC KEY-----
`;

export const GHL_WEBHOOK_RSA_PUBLIC_KEY_PEM = `-----BEGIN PUBLIC KEY-----
MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEAokvo/r9tVgcfZ5DysOSC
Frm602qYV0MaAiNnX9O8KxMbiyRKWeL9JpCpVpt4XHIcBOK4u3cLSqJGOLaPuXw6
dO0t6Q/ZVdAV5Phz+ZtzPL16iCGeK9po6D6JHBpbi989mmzMryUnQJezlYJ3DVfB
csedpinheNnyYeFXolrJvcsjDtfAeRx5ByHQmTnSdFUzuAnC9/GepgLT9SM4nCpv
uxmZMxrJt5Rw+VUaQ9B8JSvbMPpez4peKaJPZHBbU3OdeCVx5klVXXZQGNHOs8gF
3kvoV5rTnXV0IknLBXlcKKAQLZcY/Q9rG6Ifi9c+5vqlvHPCUJFT5XUGG5RKgOKU
J062fRtN+rLYZUV+BjafxQauvC8wSWeYja63VSUruvmNj8xkx2zE/Juc+yjLjTXp
IocmaiFeAO6fUtNjDeFVkhf5LNb59vECyrHD2SQIrhgXpO4Q3dVNA5rw576PwTzN
h/AMfHKIjE4xQA1SZuYJmNnmVZLIZBlQAF9Ntd03rfadZ+yDiOXCCs9FkHibELhC
HULgCsnuDJHcrGNd5/Ddm5hxGQ0ASitgHeMZ0kcIOwKDOzOU53lDza6/Y09T7sYJ
PQe7z0cvj7aE4B+Ax1ZoZGPzpJlZtGXCsu9aTEGEnKzmsFqwcSsnw3JB31IGKAyk
T1hhTiaCeIY/OwwwNUY2yvcCAwEAAQ==
-----END PUBLIC KEY-----
`;

/** GHL's docs: reject a payload whose `timestamp` is more than about 5 minutes off. */
export const DEFAULT_GHL_REPLAY_WINDOW_SECONDS = 300;
