import { DataSource } from 'typeorm';
import { Clock } from '../src/common/clock';
import { FaultConfig } from '../src/config/fault.config';
import { faultChildrenPartitions } from '../src/fault/core/fault-children-partitions';
import { faultPartitions } from '../src/fault/core/fault-partitions';
import { JobQueue } from '../src/jobs/job-queue';
import { PartitionCompaction } from '../src/jobs/partition-compaction';
import { PartitionMaintenance } from '../src/jobs/partition-maintenance';

/**
 * The service's partition compaction on `ds`, with the partitioned tables FaultPurgeService registers
 * (FAULT_RETENTION_DAYS as configured) and the real clock: compactAllDue() does at once what the
 * hourly job does one partition a slot, so that a freshly seeded database reads as a live one does
 * once its settled partitions were rebuilt.
 */
export function faultCompaction(ds: DataSource): PartitionCompaction {
  const jobs = { register: () => undefined, schedule: () => undefined } as unknown as JobQueue;
  const clock = new Clock();
  const maintenance = new PartitionMaintenance(ds, jobs, clock);
  const retentionDays = FaultConfig.fromEnv(process.env).retentionDays;
  maintenance.register(faultPartitions(retentionDays, () => Promise.resolve()));
  for (const children of faultChildrenPartitions(retentionDays)) maintenance.register(children);
  return new PartitionCompaction(ds, jobs, clock, maintenance, (ds.options as { url: string }).url);
}
