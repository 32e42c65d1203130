/** The API's timestamp format: ISO 8601 UTC with microseconds, e.g. 2025-10-21T12:00:00.000000Z. */
export function toApiTimestamp(date: Date): string {
  // toISOString() always ends in ".sssZ"; a slice is much cheaper than a regex on list-sized responses.
  const iso = date.toISOString();
  return `${iso.slice(0, -1)}000Z`;
}

export function toApiTimestampOrNull(date: Date | null | undefined): string | null {
  return date ? toApiTimestamp(date) : null;
}
