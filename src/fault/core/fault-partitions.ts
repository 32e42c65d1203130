import { PartitionedTable } from '../../jobs/partition-maintenance';

/**
 * Months of partitions kept made ahead for tables partitioned by a fault's expiry (faults, and the
 * timeline, comments and path segments by their fault's): a fault created now expires retentionDays from now, so that month must exist.
 */
export function expiryMonthsAhead(retentionDays: number): number {
  return Math.ceil(retentionDays / 28) + 1;
}

const DAY_MS = 86_400_000;
/** Most faults are acknowledged and resolved within days of their report: a week after the last one, a partition's rows have settled. */
const SETTLE_MS = 7 * DAY_MS;

/**
 * When a partition by month of expiry settles (PartitionCompaction then rebuilds its indexes once): a
 * fault created now expires retentionDays from now, so the month ending at `end` takes its last new
 * fault retentionDays before `end`, and a week later its rows have mostly stopped changing.
 */
export function settledByExpiry(retentionDays: number): (start: Date, end: Date) => Date {
  return (_start, end) => new Date(end.getTime() - retentionDays * DAY_MS + SETTLE_MS);
}

/**
 * How `faults` is partitioned and when a partition may go (migration PartitionFaults). A fault lives
 * until its `ttl` (Unix seconds: created_at + FAULT_RETENTION_DAYS as configured when it was created;
 * no repeat, reopen, PATCH or later config change moves it), and every read hides it from that second
 * on (`ttl > now`). So the table is partitioned by month of `ttl` itself (a bigint: the bounds are the
 * months' starts in Unix seconds): a month's partition holds only faults expiring within it, and once
 * the month is over (retainMs 0) every one of them has expired, whatever the retention was when it was
 * created: the whole partition is dropped, its rows with next to no WAL, instead of a purge deleting
 * them row by row. `beforeDrop` deletes what belongs to its faults in unpartitioned tables (open keys,
 * open-fault rows); their comments and path segments have month partitions of their own
 * (fault-children-partitions.ts), dropped the same way. Partitions are made a retention's worth of months ahead, so a new fault's month exists:
 * about 18 partitions live at the default 425 days (17 ahead and the current one), plus the default.
 */
export function faultPartitions(retentionDays: number, beforeDrop: NonNullable<PartitionedTable['beforeDrop']>): PartitionedTable {
  return {
    table: 'faults',
    column: 'ttl',
    keyType: 'epoch-seconds',
    interval: 'month',
    ahead: expiryMonthsAhead(retentionDays),
    retainMs: () => 0,
    beforeDrop,
    settledAt: settledByExpiry(retentionDays),
  };
}
