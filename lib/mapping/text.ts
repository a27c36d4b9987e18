/** Free text from Relatel: blank means absent. */
export function presentText(value: string | null | undefined): string | undefined {
  return value !== null && value !== undefined && value.trim() !== '' ? value : undefined;
}

/** A one-line value (titles, names): trimmed, blank means absent. */
export function presentLine(value: string | null | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
