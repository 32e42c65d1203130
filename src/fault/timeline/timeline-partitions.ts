import { PartitionedTable } from '../../jobs/partition-maintenance';
import { expiryMonthsAhead } from '../core/fault-partitions';

/**
 * How fault_timeline is partitioned and when a partition may go. The rule: "a timeline lives as long
 * as its fault". A fault lives until its `ttl` (created_at + FAULT_RETENTION_DAYS as configured when
 * it was created; neither a repeat, a reopen nor a PATCH extends it, and a lower FAULT_RETENTION_DAYS
 * later does not shorten it). Partitioning by the entry's own time (`at`) could not honour that
 * with a fixed retention: an entry written today may belong to a fault created under a longer
 * retention, so no retainMs derived from today's config would be safe. So every entry carries its
 * fault's expiry (`fault_expires_at` = to_timestamp(ttl)) and the table is partitioned by month of
 * it: a month's partition holds entries only of faults expiring within that month, so once the month
 * is over (retainMs 0: dropped when its end is at or before now) no fault that could own an entry in
 * it can still exist — every one has passed its ttl and is invisible to every read, whatever the
 * retention was. Should a fault's ttl ever change, a trigger on `faults` (faults_ttl_moves_timeline)
 * moves its entries to the partition of the new expiry, so an extended life keeps its entries.
 * The purge of expired faults no longer deletes their entries (there is no cascade): the partition
 * drop does, at most one month after the fault expired.
 */
export function timelinePartitions(retentionDays: number): PartitionedTable {
  return {
    table: 'fault_timeline',
    column: 'fault_expires_at',
    interval: 'month',
    ahead: expiryMonthsAhead(retentionDays),
    retainMs: () => 0,
  };
}
