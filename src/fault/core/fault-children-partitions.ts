import { PartitionedTable } from '../../jobs/partition-maintenance';
import { expiryMonthsAhead, settledByExpiry } from './fault-partitions';

/**
 * How a fault's comments and path segments are partitioned and when a partition may go (migration
 * PartitionFaultChildren): each row carries its fault's `ttl` (`fault_ttl`, Unix seconds) and the
 * tables are partitioned by month of it, exactly as `faults` is by `ttl`. A month's partition holds
 * only children of faults expiring within it, so once the month is over (retainMs 0) every fault that
 * could own a row in it has expired and is invisible to every read: the partition is dropped whole,
 * like the faults' own partition of that month, instead of its rows being deleted one by one before
 * that drop. Made as far ahead as the faults' months, so a new fault's children have their month;
 * compacted once settled, like the faults' (the site filter reads the path segments' index).
 */
export function faultChildrenPartitions(retentionDays: number): PartitionedTable[] {
  return ['fault_comments', 'fault_path_segments'].map((table) => ({
    table,
    column: 'fault_ttl',
    keyType: 'epoch-seconds',
    interval: 'month',
    ahead: expiryMonthsAhead(retentionDays),
    retainMs: () => 0,
    settledAt: settledByExpiry(retentionDays),
  }));
}
