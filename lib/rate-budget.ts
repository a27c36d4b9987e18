/**
 * The default share of GHL's limit (100 requests per 10 s per location) the sync spends, in
 * lib/ (not lib/ghl/) so the config loader can take it without reaching into an adapter. Why 95:
 * docs/GHL-CLIENT.md#how-the-ghl-rate-budget-is-shared.
 */
export const DEFAULT_RATE_BUDGET = { requests: 95, intervalMs: 10_000 } as const;
