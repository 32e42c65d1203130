import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OffboardedTenants } from '../auth/offboarded-tenants';
import { Principal } from '../auth/principal';
import { TenantAccess } from '../auth/tenant-access';
import { Clock } from '../common/clock';
import { ValidationFailedException } from '../common/validation';
import { TenantsConfig } from '../config/tenants.config';
import { VaultTenantKeysService } from '../vault/vault-tenant-keys.service';
import { TenantOffboardingDto, toTenantOffboardingDto } from './dto/tenant-offboarding.dto';
import { OFFBOARDING_STEPS, TenantOffboardingRepository } from './tenant-offboarding.repository';

/** A tenant id as the platform issues them (the fault ingestion accepts the same). */
export const CUSTOMER_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Offboarding: the tenant key is destroyed first, in its own committed transaction (every value
 * of the tenant unreadable at once, also from copies of its rows), together with the offboarding
 * record and the revocation of its dashboard tokens; every instance refuses the tenant's tokens
 * from then on. The rows go afterwards, in batches, resumably: `runOffboarding(batchSize)` is the
 * unit of work (a timer here; a job queue's scheduled job later).
 */
@Injectable()
export class TenantOffboardingService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('TenantOffboarding');
  private refreshTimer: NodeJS.Timeout | undefined;
  private deletionTimer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopping = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly repo: TenantOffboardingRepository,
    private readonly tenantKeys: VaultTenantKeysService,
    private readonly offboarded: OffboardedTenants,
    private readonly tenantAccess: TenantAccess,
    private readonly clock: Clock,
    private readonly config: TenantsConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.offboarded.useSource((afterId) => this.repo.offboardedAfter(afterId));
    // Before the first request: an offboarded tenant is refused from the instance's first answer.
    await this.offboarded.refresh();
    this.refreshTimer = setInterval(() => {
      this.offboarded.refresh().catch((error: unknown) => this.logger.warn(`could not refresh offboarded tenants: ${(error as Error).message}`));
    }, this.config.revocationRefreshMs);
    this.refreshTimer.unref();
    if (this.config.offboardingIntervalSeconds > 0) {
      this.deletionTimer = setInterval(() => this.kick(), this.config.offboardingIntervalSeconds * 1000);
      this.deletionTimer.unref();
      this.kick(); // resumes what a previous run left (a restart mid-deletion)
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    if (this.deletionTimer) clearInterval(this.deletionTimer);
    await this.running?.catch(() => undefined);
  }

  /** DELETE /internal/tenants/{customer_id}: 202 with the offboarding's state (the same again for a repeat). */
  async offboard(principal: Principal, customerId: string): Promise<TenantOffboardingDto> {
    if (!CUSTOMER_ID_PATTERN.test(customerId)) throw new ValidationFailedException([{ field: 'customer_id', message: 'customer_id must be 1-128 letters, digits, "_" or "-"' }]);
    this.tenantAccess.assertMayName(principal, customerId, { offboardedToo: true });
    const now = this.clock.now();
    const row = await this.dataSource.transaction(async (m) => {
      await this.tenantKeys.destroy(m, customerId, now);
      await this.repo.revokeAccessTokens(m, customerId, now);
      return this.repo.record(m, customerId, `${principal.kind}:${principal.subject}`.slice(0, 300), now);
    });
    this.tenantKeys.forget(customerId);
    this.offboarded.add(customerId);
    this.logger.log(`tenant ${customerId} offboarded: tenant key destroyed; deleting its rows`);
    if (this.config.offboardingIntervalSeconds > 0) this.kick();
    return toTenantOffboardingDto(row);
  }

  /** Starts a deletion run unless one is under way. */
  kick(): void {
    if (this.running || this.stopping) return;
    this.runOffboarding(this.config.offboardingBatchSize).catch((error: unknown) => this.logger.error(`tenant deletion failed: ${(error as Error).message}`));
  }

  /**
   * One deletion run over every unfinished offboarding (concurrent calls share it): each table of
   * OFFBOARDING_STEPS in batches of `batchSize` rows, one transaction each, until a whole pass
   * deletes nothing; then the offboarding is `deleted`. Stops between batches on shutdown; the
   * next run (after a restart too) continues. Returns the rows deleted.
   */
  runOffboarding(batchSize: number): Promise<number> {
    this.running ??= this.run(batchSize).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(batchSize: number): Promise<number> {
    let total = 0;
    for (const offboarding of await this.repo.pending()) {
      for (;;) {
        let pass = 0;
        for (const step of OFFBOARDING_STEPS) {
          for (;;) {
            if (this.stopping) return total;
            const deleted = await this.repo.deleteBatch(offboarding.id, offboarding.customerId, step, batchSize);
            pass += deleted;
            if (deleted < batchSize) break;
          }
        }
        total += pass;
        if (pass === 0) break;
      }
      await this.repo.markDone(offboarding.id, 'deleted', this.clock.now());
      this.logger.log(`tenant ${offboarding.customerId}: every row deleted`);
    }
    return total;
  }
}
