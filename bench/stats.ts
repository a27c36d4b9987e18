/** Small numeric helpers shared by the benchmarks; nothing here measures anything itself. */

/** The q-quantile (0..1) of `values` by the nearest-rank method; NaN for no values. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

export const median = (values: readonly number[]) => quantile(values, 0.5);

/** Nanoseconds since an arbitrary origin, as a float of milliseconds (for spans). */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** A markdown table: one header row and rows of cells (numbers printed as given). */
export function markdownTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const line = (cells: readonly (string | number)[]) => `| ${cells.map(String).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export const kib = (bytes: number) => round(bytes / 1024, 1);
