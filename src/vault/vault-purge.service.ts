import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '../common/clock';
import { PeriodicRun } from '../common/periodic-run';
import { VaultConfig } from '../config/vault.config';
import { VaultRepository } from './vault.repository';

/** Statements per run: a run stops after this many and leaves the rest to the next run. */
const MAX_BATCHES_PER_RUN = 200;

/**
 * Scheduled work of the recovery window: deletes for good the soft-deleted
 * items whose `purge_at` has passed, in small batches (SKIP LOCKED, so several
 * instances can run it at once), on a timer that does not keep the process
 * alive and stops on shutdown.
 */
@Injectable()
export class VaultPurgeService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(VaultPurgeService.name);
  private readonly periodic = new PeriodicRun<number>(
    () => this.run(),
    (error) => this.logger.error(`vault purge failed: ${error.message}`),
  );

  constructor(
    private readonly repo: VaultRepository,
    private readonly clock: Clock,
    private readonly config: VaultConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.periodic.start(this.config.purgeIntervalSeconds * 1000);
  }

  onApplicationShutdown(): Promise<void> {
    return this.periodic.stop();
  }

  /** One purge run (concurrent calls share it); how many items were purged. */
  purgeDue(): Promise<number> {
    return this.periodic.run();
  }

  private async run(): Promise<number> {
    const now = this.clock.now();
    let total = 0;
    for (let i = 0; i < MAX_BATCHES_PER_RUN && !this.periodic.stopping; i++) {
      const purged = await this.repo.purgeDue(now, this.config.purgeBatchSize);
      total += purged;
      if (purged < this.config.purgeBatchSize) break;
    }
    if (total > 0) this.logger.log(`purged ${total} deleted vault items past their recovery window`);
    return total;
  }
}
