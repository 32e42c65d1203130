import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { inBatches } from '../../common/in-batches';
import { SingleRun } from '../../common/single-run';
import { FaultConfig } from '../../config/fault.config';
import { JobQueue, QueueDefinition } from '../../jobs/job-queue';
import { PartitionMaintenance } from '../../jobs/partition-maintenance';
import { FaultAccessTokenRepository } from '../dashboard-access/fault-access-token.repository';
import { timelinePartitions } from '../timeline/timeline-partitions';
import { faultChildrenPartitions } from './fault-children-partitions';
import { faultPartitions } from './fault-partitions';
import { IDEMPOTENCY_PARTITIONS } from './fault-idempotency.repository';
import { FaultPurgeRepository } from './fault-purge.repository';

export interface PurgeResult {
  accessTokens: number;
}

/** The purge's scheduled job (FAULT_PURGE_SCHEDULE): one waiting at most; a failed run is retried twice. */
export const FAULT_PURGE_QUEUE: QueueDefinition = { name: 'fault-purge', policy: 'short', retryLimit: 2, expireInSeconds: 900 };
/** Batches per table per run: a run stops after this many and leaves the rest to the next run. */
const MAX_BATCHES_PER_RUN = 200;
/** Expired dashboard tokens are kept this long (for audit) before they are deleted. */
const ACCESS_TOKEN_GRACE_MS = 30 * 86_400_000;

/**
 * Deletes long-expired dashboard tokens, in small batches (SKIP LOCKED, so
 * several instances can run it at once without waiting on each other), as a
 * scheduled job of the job queue (once per FAULT_PURGE_SCHEDULE slot across
 * every instance) that stops between batches on shutdown. The time-partitioned
 * fault tables are not deleted from row by row: it registers them with the
 * partition maintenance, which drops whole expired partitions — the faults' by
 * month of their expiry (fault-partitions.ts: an expired fault is hidden by
 * every read's `ttl > now` the moment it expires, and its month is dropped once
 * over, its open keys and open-fault rows deleted just before), their comments'
 * and path segments' by the same month (fault-children-partitions.ts), the
 * timeline's too (timeline-partitions.ts), the idempotency keys' by day of
 * creation, a day after it ended (IDEMPOTENCY_PARTITIONS).
 */
@Injectable()
export class FaultPurgeService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(FaultPurgeService.name);
  private readonly single = new SingleRun<PurgeResult>(() => this.run());

  constructor(
    private readonly faults: FaultPurgeRepository,
    private readonly accessTokens: FaultAccessTokenRepository,
    private readonly jobs: JobQueue,
    private readonly clock: Clock,
    private readonly config: FaultConfig,
    private readonly partitions: PartitionMaintenance,
  ) {}

  onModuleInit(): void {
    this.partitions.register(faultPartitions(this.config.retentionDays, (_partition, start, end) => this.beforeFaultsDrop(start, end)));
    this.partitions.register(timelinePartitions(this.config.retentionDays));
    for (const children of faultChildrenPartitions(this.config.retentionDays)) this.partitions.register(children);
    this.partitions.register(IDEMPOTENCY_PARTITIONS);
    this.jobs.register({ queue: FAULT_PURGE_QUEUE, handle: () => this.purgeExpired().then(() => undefined) });
    this.jobs.schedule(FAULT_PURGE_QUEUE, this.config.purgeSchedule);
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.single.stop();
  }

  /** One purge run; concurrent calls share the run in progress. */
  purgeExpired(): Promise<PurgeResult> {
    return this.single.run();
  }

  private async run(): Promise<PurgeResult> {
    const now = this.clock.now();
    const batch = this.config.purgeBatchSize;
    const accessTokens = await this.inBatches(batch, () => this.accessTokens.deleteExpiredBatch(new Date(now.getTime() - ACCESS_TOKEN_GRACE_MS), batch));
    const result = { accessTokens };
    if (accessTokens > 0) this.logger.log(`purged ${JSON.stringify(result)}`);
    return result;
  }

  /**
   * Before an expired faults partition is dropped: the open keys and open-fault rows its faults held
   * (idempotent: a run stopped midway repeats it). Those two small tables are not partitioned
   * (docs/scaling.md); the faults' comments and path segments are, and their month goes as a whole.
   */
  private async beforeFaultsDrop(start: Date, end: Date): Promise<void> {
    await this.faults.deleteOpenRows(Math.floor(start.getTime() / 1000), Math.floor(end.getTime() / 1000));
  }

  /** Runs `deleteBatch` until a batch comes back short, the run's batch budget is spent, or shutdown begins. */
  private inBatches(batchSize: number, deleteBatch: () => Promise<number>): Promise<number> {
    return inBatches({ batchSize, maxBatches: MAX_BATCHES_PER_RUN, stopping: () => this.single.stopping }, deleteBatch);
  }
}
