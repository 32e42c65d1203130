import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { SingleRun } from '../common/single-run';
import { Compaction, PartitionCompactionRepository } from '../database/partitions/partition-compaction.repository';
import { nextPeriod } from '../database/partitions/partition-period';
import { listPartitions } from '../database/partitions/partition.repository';
import { JobQueue, QueueDefinition } from './job-queue';
import { PartitionMaintenance } from './partition-maintenance';

/** Hourly, once per slot across every instance; a rebuild can take minutes on a large partition. */
export const PARTITION_COMPACTION_QUEUE: QueueDefinition = { name: 'partition-compaction', policy: 'short', retryLimit: 1, expireInSeconds: 3 * 3600 };
/** Partitions rebuilt per run: the I/O of one run stays bounded; a backlog is worked off one slot at a time. */
const PER_RUN = 1;

/**
 * Rebuilds the indexes of settled partitions once (REINDEX CONCURRENTLY), so that reads of history
 * walk dense pages. A partition shared by many tenants takes each tenant's new rows in the middle of
 * its indexes (every tenant's range ends at its own newest row), and an acknowledge or resolve adds a
 * new entry for the row in every index: B-tree pages split in halves that are never filled again.
 * At 1 M faults the covering index of a 92-day window took 21,004 pages as written and 10,464 once
 * rebuilt, and GET /fault/analytics read it in about two thirds of the time (docs/scaling.md). A
 * partition is compacted once it is settled (PartitionedTable.settledAt: no new rows, updates died
 * down); the newest settled partition first, since recent history is read most; one per run.
 */
@Injectable()
export class PartitionCompaction implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('Partitions');
  private readonly repo: PartitionCompactionRepository;
  private readonly single = new SingleRun<Compaction[]>(() => this.compactDue(PER_RUN));

  constructor(
    private readonly dataSource: DataSource,
    private readonly jobs: JobQueue,
    private readonly clock: Clock,
    private readonly maintenance: PartitionMaintenance,
    directUrl: string,
  ) {
    this.repo = new PartitionCompactionRepository(dataSource, directUrl);
  }

  onModuleInit(): void {
    this.jobs.register({ queue: PARTITION_COMPACTION_QUEUE, handle: () => this.run().then(() => undefined) });
    this.jobs.schedule(PARTITION_COMPACTION_QUEUE, '35 * * * *');
  }

  async beforeApplicationShutdown(): Promise<void> {
    const stopped = this.single.stop();
    // A rebuild may wait on long transactions: it is cancelled rather than waited for (the next run redoes it).
    await this.repo.cancel().catch((error: Error) => this.logger.warn(`partition compaction not cancelled: ${error.message}`));
    await stopped;
  }

  /** One run now (at most one partition); concurrent calls share the run in progress. */
  run(): Promise<Compaction[]> {
    return this.single.run();
  }

  /** Compacts every settled partition not compacted yet (a bulk load, a benchmark): not the job's pace. */
  async compactAllDue(): Promise<Compaction[]> {
    return this.compactDue(Number.POSITIVE_INFINITY);
  }

  /** The settled partitions not compacted yet, newest first. */
  async due(): Promise<string[]> {
    const now = this.clock.now().getTime();
    const settled: Array<{ name: string; start: Date }> = [];
    for (const t of this.maintenance.registered()) {
      if (t.settledAt === undefined) continue;
      for (const p of await listPartitions(this.dataSource, t.table)) {
        if (t.settledAt(p.start, nextPeriod(p.start, t.interval)).getTime() <= now) settled.push(p);
      }
    }
    const done = await this.repo.compactedAmong(settled.map((p) => p.name));
    return settled
      .filter((p) => !done.has(p.name))
      .sort((a, b) => b.start.getTime() - a.start.getTime() || a.name.localeCompare(b.name))
      .map((p) => p.name);
  }

  private async compactDue(limit: number): Promise<Compaction[]> {
    await this.repo.forgetDropped();
    const compacted: Compaction[] = [];
    for (const name of await this.due()) {
      if (compacted.length >= limit || this.single.stopping) break;
      // Held (or just done) by another instance's run: this one takes the next.
      const result = await this.repo.compact(name);
      if (result === undefined) continue;
      compacted.push(result);
      this.logger.log(`compacted ${name}: indexes ${mb(result.indexBytesBefore)} → ${mb(result.indexBytesAfter)} MB in ${result.ms} ms`);
    }
    return compacted;
  }
}

const mb = (bytes: number): string => (bytes / 1_048_576).toFixed(1);
