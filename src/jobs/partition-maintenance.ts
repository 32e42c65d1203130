import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { SingleRun } from '../common/single-run';
import { PartitionRepository } from '../database/partitions/partition.repository';
import { PartitionInterval, PartitionKeyType, periodsBetween, nextPeriod } from '../database/partitions/partition-period';
import { JobQueue, QueueDefinition } from './job-queue';

/** A table partitioned by range of one time column, registered by the feature that owns it. */
export interface PartitionedTable {
  table: string;
  column: string;
  /** The column's type: timestamptz (default) or bigint Unix seconds (faults.ttl). */
  keyType?: PartitionKeyType;
  interval: PartitionInterval;
  /** Periods kept created ahead of the current one. */
  ahead: number;
  /** Rows older than this many milliseconds are expired (read when the job runs); undefined keeps every partition. */
  retainMs(): number | undefined;
  /**
   * Runs before an expired partition is detached and dropped (and must be idempotent: a run stopped
   * midway repeats it), for rows of other tables that belong to the partition's rows and have no
   * partitions of their own to drop (the open keys of faults).
   */
  beforeDrop?(partition: string, start: Date, end: Date): Promise<void>;
  /**
   * When the partition of [start, end) takes no new rows any more and its rows have mostly stopped
   * changing: from then on PartitionCompaction rebuilds its indexes once. Undefined: never compacted.
   */
  settledAt?(start: Date, end: Date): Date;
}

export interface PartitionRunResult {
  created: string[];
  dropped: string[];
  /** Expired rows deleted one by one from default partitions (rows no period partition took). */
  deletedFromDefault: number;
}

/** Hourly, once per slot across every instance; a failed run is retried twice. */
export const PARTITION_MAINTENANCE_QUEUE: QueueDefinition = { name: 'partition-maintenance', policy: 'short', retryLimit: 2, expireInSeconds: 900 };
const DEFAULT_BATCH = 1000;
const MAX_DEFAULT_BATCHES = 100;

/**
 * Keeps the time-partitioned tables ready and short: creates each table's partitions `ahead` periods
 * in advance and detaches and drops every partition wholly past its retention, as a scheduled job of
 * the job queue (and once at boot, so a fresh database has its partitions before the first slot).
 * Retention thus removes whole partitions instead of deleting row by row.
 */
@Injectable()
export class PartitionMaintenance implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Partitions');
  private readonly tables = new Map<string, PartitionedTable>();
  private readonly repo: PartitionRepository;
  private readonly single = new SingleRun<PartitionRunResult>(() => this.maintain());

  constructor(
    dataSource: DataSource,
    private readonly jobs: JobQueue,
    private readonly clock: Clock,
  ) {
    this.repo = new PartitionRepository(dataSource);
  }

  /** Called by the owning feature in its constructor or onModuleInit. */
  register(table: PartitionedTable): void {
    this.tables.set(table.table, table);
  }

  /** The tables registered so far. */
  registered(): PartitionedTable[] {
    return [...this.tables.values()];
  }

  onModuleInit(): void {
    this.jobs.register({ queue: PARTITION_MAINTENANCE_QUEUE, handle: () => this.run().then(() => undefined) });
    this.jobs.schedule(PARTITION_MAINTENANCE_QUEUE, '5 * * * *');
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.run().catch((error: Error) => this.logger.warn(`partition maintenance at boot failed (the hourly job tries again): ${error.message}`));
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.single.stop();
  }

  /** One run now; concurrent calls share the run in progress. */
  run(): Promise<PartitionRunResult> {
    return this.single.run();
  }

  private async maintain(): Promise<PartitionRunResult> {
    const result: PartitionRunResult = { created: [], dropped: [], deletedFromDefault: 0 };
    const now = this.clock.now();
    for (const t of this.tables.values()) {
      let horizon = now;
      for (let i = 0; i < t.ahead; i++) horizon = nextPeriod(horizon, t.interval);
      result.created.push(...(await this.repo.create(t.table, t.column, periodsBetween(now, horizon, t.interval), t.interval, t.keyType)));
      const retainMs = t.retainMs();
      if (retainMs === undefined) continue;
      const cutoff = new Date(now.getTime() - retainMs);
      for (const p of await this.repo.list(t.table)) {
        if (this.single.stopping || nextPeriod(p.start, t.interval).getTime() > cutoff.getTime()) break;
        if (t.beforeDrop !== undefined) await t.beforeDrop(p.name, p.start, nextPeriod(p.start, t.interval));
        if (this.single.stopping) break;
        await this.repo.drop(t.table, p.name);
        result.dropped.push(p.name);
      }
      for (let i = 0; i < MAX_DEFAULT_BATCHES && !this.single.stopping; i++) {
        const deleted = await this.repo.deleteFromDefault(t.table, t.column, cutoff, DEFAULT_BATCH, t.keyType);
        result.deletedFromDefault += deleted;
        if (deleted < DEFAULT_BATCH) break;
      }
    }
    if (result.created.length + result.dropped.length > 0) {
      this.logger.log(`partitions created: ${result.created.join(', ') || 'none'}; dropped: ${result.dropped.join(', ') || 'none'}`);
    }
    return result;
  }
}
