import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '../common/clock';
import { PeriodicRun } from '../common/periodic-run';
import { FaultConfig } from '../config/fault.config';
import { FaultAccessTokenRepository } from './fault-access-token.repository';
import { FaultIdempotencyRepository } from './fault-idempotency.repository';
import { FaultRepository } from './fault.repository';

export interface PurgeResult {
  faults: number;
  idempotencyKeys: number;
  accessTokens: number;
}

/** Batches per table per run: a run stops after this many and leaves the rest to the next run. */
const MAX_BATCHES_PER_RUN = 200;
/** Expired dashboard tokens are kept this long (for audit) before they are deleted. */
const ACCESS_TOKEN_GRACE_MS = 30 * 86_400_000;

/**
 * Deletes expired faults (ttl reached), stale idempotency keys and long-expired
 * dashboard tokens, in small batches (SKIP LOCKED, so several instances can
 * run it at once without waiting on each other), on a timer that does not keep
 * the process alive and stops on shutdown.
 */
@Injectable()
export class FaultPurgeService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(FaultPurgeService.name);
  private readonly periodic = new PeriodicRun<PurgeResult>(
    () => this.run(),
    (error) => this.logger.error(`purge failed: ${error.message}`),
  );

  constructor(
    private readonly faults: FaultRepository,
    private readonly idempotency: FaultIdempotencyRepository,
    private readonly accessTokens: FaultAccessTokenRepository,
    private readonly clock: Clock,
    private readonly config: FaultConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.periodic.start(this.config.purgeIntervalSeconds * 1000);
  }

  onApplicationShutdown(): Promise<void> {
    return this.periodic.stop();
  }

  /** One purge run; concurrent calls share the run in progress. */
  purgeExpired(): Promise<PurgeResult> {
    return this.periodic.run();
  }

  private async run(): Promise<PurgeResult> {
    const now = this.clock.now();
    const batch = this.config.purgeBatchSize;
    const faults = await this.inBatches(batch, () => this.faults.deleteExpiredBatch(Math.floor(now.getTime() / 1000), batch));
    const idempotencyKeys = await this.inBatches(batch, () => this.idempotency.deleteExpiredBatch(now, batch));
    const accessTokens = await this.inBatches(batch, () => this.accessTokens.deleteExpiredBatch(new Date(now.getTime() - ACCESS_TOKEN_GRACE_MS), batch));
    const result = { faults, idempotencyKeys, accessTokens };
    if (faults + idempotencyKeys + accessTokens > 0) this.logger.log(`purged ${JSON.stringify(result)}`);
    return result;
  }

  /** Runs `deleteBatch` until a batch comes back short, the run's batch budget is spent, or shutdown begins. */
  private async inBatches(batchSize: number, deleteBatch: () => Promise<number>): Promise<number> {
    let total = 0;
    for (let i = 0; i < MAX_BATCHES_PER_RUN && !this.periodic.stopping; i++) {
      const deleted = await deleteBatch();
      total += deleted;
      if (deleted < batchSize) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return total;
  }
}
