/** `2027-01-31 12:00Z` (UTC, to the minute) for a table column; `-` for none. */
export function shortTime(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '-';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? '-' : `${date.toISOString().slice(0, 16).replace('T', ' ')}Z`;
}
