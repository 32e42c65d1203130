/** The period one partition of a time-partitioned table covers (UTC). */
export type PartitionInterval = 'day' | 'month';

/** The start (UTC midnight, or the 1st of the month) of the period holding `at`. */
export function periodStart(at: Date, interval: PartitionInterval): Date {
  return interval === 'day'
    ? new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()))
    : new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}

/** The start of the period after the one starting at `start`. */
export function nextPeriod(start: Date, interval: PartitionInterval): Date {
  return interval === 'day'
    ? new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate() + 1))
    : new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
}

/** `events_p20261207` (a day) or `vault_event_p202612` (a month). */
export function partitionName(table: string, start: Date, interval: PartitionInterval): string {
  const iso = start.toISOString().replace(/-/g, '');
  return `${table}_p${interval === 'day' ? iso.slice(0, 8) : iso.slice(0, 6)}`;
}

/** The period start a partition name stands for; undefined for any other table (the default partition). */
export function parsePartitionName(table: string, name: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})?$/.exec(name.startsWith(`${table}_p`) ? name.slice(table.length + 2) : '');
  return m === null ? undefined : new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, m[3] === undefined ? 1 : Number(m[3])));
}

/** The period starts from the one holding `from` through the one holding `to`, oldest first. */
export function periodsBetween(from: Date, to: Date, interval: PartitionInterval): Date[] {
  const starts: Date[] = [];
  for (let s = periodStart(from, interval); s.getTime() <= to.getTime(); s = nextPeriod(s, interval)) starts.push(s);
  return starts;
}

/** The name of the partition catching rows outside every period (a clock set far ahead, a late row). */
export function defaultPartitionName(table: string): string {
  return `${table}_default`;
}

/**
 * The type of a partition key column: a timestamptz, or a bigint of Unix seconds (faults.ttl, a
 * fault's expiry, kept as the epoch seconds it always was rather than duplicated into a timestamptz
 * column). Either way the periods are UTC days or months; only the bounds are written differently.
 */
export type PartitionKeyType = 'timestamptz' | 'epoch-seconds';

/** A period boundary as a bound or parameter of a key of this type: an ISO timestamp, or whole Unix seconds. */
export function keyValue(at: Date, keyType: PartitionKeyType = 'timestamptz'): string | number {
  return keyType === 'epoch-seconds' ? Math.floor(at.getTime() / 1000) : at.toISOString();
}
