/** The API's timestamp format: ISO 8601 UTC with microseconds, e.g. 2025-10-21T12:00:00.000000Z. */
export function toApiTimestamp(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function toApiTimestampOrNull(date: Date | null | undefined): string | null {
  return date ? toApiTimestamp(date) : null;
}
