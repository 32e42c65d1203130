import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { inBatches } from '../../common/in-batches';
import { SingleRun } from '../../common/single-run';
import { VaultConfig } from '../../config/vault.config';
import { JobQueue, QueueDefinition } from '../../jobs/job-queue';
import { VaultPurgeRepository } from './vault-purge.repository';

/** The purge's scheduled job (VAULT_PURGE_SCHEDULE): one waiting at most; a failed run is retried twice. */
export const VAULT_PURGE_QUEUE: QueueDefinition = { name: 'vault-purge', policy: 'short', retryLimit: 2, expireInSeconds: 900 };
/** Statements per run: a run stops after this many and leaves the rest to the next run. */
const MAX_BATCHES_PER_RUN = 200;

/**
 * Scheduled work of the recovery window: deletes for good the soft-deleted
 * items whose `purge_at` has passed, in small batches (SKIP LOCKED, so several
 * instances can run it at once), as a scheduled job of the job queue (once per
 * VAULT_PURGE_SCHEDULE slot across every instance) that stops between batches
 * on shutdown.
 */
@Injectable()
export class VaultPurgeService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(VaultPurgeService.name);
  private readonly single = new SingleRun<number>(() => this.run());

  constructor(
    private readonly repo: VaultPurgeRepository,
    private readonly jobs: JobQueue,
    private readonly clock: Clock,
    private readonly config: VaultConfig,
  ) {}

  onModuleInit(): void {
    this.jobs.register({ queue: VAULT_PURGE_QUEUE, handle: () => this.purgeDue().then(() => undefined) });
    this.jobs.schedule(VAULT_PURGE_QUEUE, this.config.purgeSchedule);
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.single.stop();
  }

  /** One purge run (concurrent calls share it); how many items were purged. */
  purgeDue(): Promise<number> {
    return this.single.run();
  }

  private async run(): Promise<number> {
    const now = this.clock.now();
    const batchSize = this.config.purgeBatchSize;
    const total = await inBatches({ batchSize, maxBatches: MAX_BATCHES_PER_RUN, stopping: () => this.single.stopping }, () => this.repo.purgeDue(now, batchSize));
    if (total > 0) this.logger.log(`purged ${total} deleted vault items past their recovery window`);
    return total;
  }
}
