/**
 * The default share of GHL's limit (100 requests per 10 s per location) the sync spends, in
 * lib/ (not lib/ghl/) so the config loader can take it without reaching into an adapter. Why 95:
 * docs/GHL-CLIENT.md#how-the-ghl-rate-budget-is-shared. The exact schedule never puts more than
 * the budget in a window, so the headroom only absorbs late sends and clock skew; measured
 * (docs/BENCHMARKS.md): 0 429s at 95 with timings ten times tighter than GHL's, while at 100 the
 * 429s and the pauses they force cost more than the 5 requests gained.
 */
export const DEFAULT_RATE_BUDGET = { requests: 95, intervalMs: 10_000 } as const;
