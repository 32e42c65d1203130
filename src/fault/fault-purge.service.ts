import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../auth/clock';
import { FaultConfig } from '../config/fault.config';

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
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<PurgeResult> | undefined;
  private stopping = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly config: FaultConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.purgeIntervalSeconds === 0) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.purgeExpired().catch((error: unknown) => this.logger.error(`purge failed: ${(error as Error).message}`));
    }, this.config.purgeIntervalSeconds * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One purge run; concurrent calls share the run in progress. */
  purgeExpired(): Promise<PurgeResult> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<PurgeResult> {
    const now = this.clock.now();
    const batch = this.config.purgeBatchSize;
    const faults = await this.inBatches(
      `DELETE FROM faults WHERE id IN (SELECT id FROM faults WHERE ttl <= $1 ORDER BY ttl LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [Math.floor(now.getTime() / 1000), batch],
    );
    const idempotencyKeys = await this.inBatches(
      `DELETE FROM fault_idempotency_keys WHERE (customer_id, key) IN
         (SELECT customer_id, key FROM fault_idempotency_keys WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [now, batch],
    );
    const accessTokens = await this.inBatches(
      `DELETE FROM fault_access_tokens WHERE id IN
         (SELECT id FROM fault_access_tokens WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [new Date(now.getTime() - ACCESS_TOKEN_GRACE_MS), batch],
    );
    const result = { faults, idempotencyKeys, accessTokens };
    if (faults + idempotencyKeys + accessTokens > 0) this.logger.log(`purged ${JSON.stringify(result)}`);
    return result;
  }

  private async inBatches(sql: string, params: unknown[]): Promise<number> {
    let total = 0;
    for (let i = 0; i < MAX_BATCHES_PER_RUN && !this.stopping; i++) {
      const result: [unknown[], number] = await this.dataSource.query(sql, params);
      const deleted = result[1];
      total += deleted;
      if (deleted < (params[1] as number)) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return total;
  }
}
