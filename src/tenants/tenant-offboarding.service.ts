import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OffboardedTenants } from '../auth/offboarded-tenants';
import { Principal } from '../auth/principal';
import { TenantAccess } from '../auth/tenant-access';
import { Clock } from '../common/clock';
import { SingleRun } from '../common/single-run';
import { ValidationFailedException } from '../common/validation';
import { TenantsConfig } from '../config/tenants.config';
import { JobQueue, QueueDefinition } from '../jobs/job-queue';
import { VaultTenantKeysService } from '../vault';
import { TenantOffboardingDto, toTenantOffboardingDto } from './dto/tenant-offboarding.dto';
import { OFFBOARDING_STEPS, TenantOffboardingRepository } from './tenant-offboarding.repository';

/** A tenant id as the platform issues them (the fault ingestion accepts the same). */
export const CUSTOMER_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** What a deletion run did: rows deleted, and whether every pending offboarding is done. */
export interface RunResult {
  deleted: number;
  finished: boolean;
}

/**
 * The background deletion: one job at a time waiting (`short`), retried with backoff when it fails;
 * a job whose instance died is taken for dead after `expireInSeconds` and run again.
 */
export const TENANT_DELETION_QUEUE: QueueDefinition = { name: 'tenant-deletion', policy: 'short', retryLimit: 100_000, retryDelaySeconds: 5, retryBackoff: true, expireInSeconds: 600 };
/** Batches one job deletes before handing over to a fresh job (so a shutdown never waits long on it). */
const MAX_BATCHES_PER_RUN = 100;

/**
 * Offboarding: the tenant key is destroyed first, in its own committed transaction (every value
 * of the tenant unreadable at once, also from copies of its rows), together with the offboarding
 * record, the revocation of its dashboard tokens and the deletion job; every instance refuses the
 * tenant's tokens from then on. The rows go afterwards, in batches, resumably, on the job queue:
 * the job is queued with the offboarding, at every instance's start and every minute (which
 * resumes what a killed instance left).
 */
@Injectable()
export class TenantOffboardingService implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('TenantOffboarding');
  private refreshTimer: NodeJS.Timeout | undefined;
  private readonly deletion = new SingleRun<RunResult>(() => this.run(this.config.offboardingBatchSize, MAX_BATCHES_PER_RUN));

  constructor(
    private readonly dataSource: DataSource,
    private readonly repo: TenantOffboardingRepository,
    private readonly tenantKeys: VaultTenantKeysService,
    private readonly offboarded: OffboardedTenants,
    private readonly tenantAccess: TenantAccess,
    private readonly jobs: JobQueue,
    private readonly clock: Clock,
    private readonly config: TenantsConfig,
  ) {}

  onModuleInit(): void {
    this.jobs.register({ queue: TENANT_DELETION_QUEUE, handle: () => this.deletionJob() });
    this.jobs.schedule(TENANT_DELETION_QUEUE, '* * * * *');
  }

  async onApplicationBootstrap(): Promise<void> {
    this.offboarded.useSource((afterId) => this.repo.offboardedAfter(afterId));
    // Before the first request: an offboarded tenant is refused from the instance's first answer.
    await this.offboarded.refresh();
    this.refreshTimer = setInterval(() => {
      this.offboarded.refresh().catch((error: unknown) => this.logger.warn(`could not refresh offboarded tenants: ${(error as Error).message}`));
    }, this.config.revocationRefreshMs);
    this.refreshTimer.unref();
    // Resumes what a previous run left (a restart mid-deletion).
    void this.jobs.whenStarted().then(() => this.queueDeletion());
  }

  /** The deletion stops after its current batch (the next job continues). */
  beforeApplicationShutdown(): Promise<void> {
    return this.deletion.stop();
  }

  onApplicationShutdown(): void {
    if (this.refreshTimer) clearInterval(this.refreshTimer);
  }

  /** DELETE /internal/tenants/{customer_id}: 202 with the offboarding's state (the same again for a repeat). */
  async offboard(principal: Principal, customerId: string): Promise<TenantOffboardingDto> {
    if (!CUSTOMER_ID_PATTERN.test(customerId)) throw new ValidationFailedException([{ field: 'customer_id', message: 'customer_id must be 1-128 letters, digits, "_" or "-"' }]);
    this.tenantAccess.assertMayName(principal, customerId, { offboardedToo: true });
    const now = this.clock.now();
    const row = await this.dataSource.transaction(async (m) => {
      await this.tenantKeys.destroy(m, customerId, now);
      await this.repo.revokeAccessTokens(m, customerId, now);
      const recorded = await this.repo.record(m, customerId, `${principal.kind}:${principal.subject}`.slice(0, 300), now);
      // Queued with the offboarding: the deletion exists if and only if the offboarding commits.
      if (recorded.state === 'deleting') await this.jobs.send(TENANT_DELETION_QUEUE.name, {}, { singletonKey: TENANT_DELETION_QUEUE.name, manager: m });
      return recorded;
    });
    this.tenantKeys.forget(customerId);
    this.offboarded.add(customerId);
    this.logger.log(`tenant ${customerId} offboarded: tenant key destroyed; deleting its rows`);
    this.jobs.wake(TENANT_DELETION_QUEUE.name);
    return toTenantOffboardingDto(row);
  }

  /** The job: one bounded deletion run (concurrent calls share it), then a fresh job for what is left. */
  private async deletionJob(): Promise<void> {
    const { finished } = await this.deletion.run();
    if (!finished && !this.deletion.stopping) await this.queueDeletion();
  }

  private async queueDeletion(): Promise<void> {
    try {
      await this.jobs.send(TENANT_DELETION_QUEUE.name, {}, { singletonKey: TENANT_DELETION_QUEUE.name });
      this.jobs.wake(TENANT_DELETION_QUEUE.name);
    } catch (error) {
      this.logger.warn(`could not queue the tenant deletion: ${(error as Error).message}`);
    }
  }

  /**
   * Deletes the rows of the unfinished offboardings: each table of OFFBOARDING_STEPS in batches of
   * `batchSize` rows, one transaction each, until a whole pass deletes nothing and no row of the
   * tenant is left (another instance's run may hold the last ones); then the offboarding is
   * `deleted`. Stops between batches after `maxBatches` or on shutdown and says whether work is
   * left; the next run (after a restart too) continues.
   */
  private async run(batchSize: number, maxBatches: number): Promise<RunResult> {
    let deleted = 0;
    let batches = 0;
    for (const offboarding of await this.repo.pending()) {
      for (;;) {
        let pass = 0;
        for (const step of OFFBOARDING_STEPS) {
          for (;;) {
            if (this.deletion.stopping || batches >= maxBatches) return { deleted, finished: false };
            const n = await this.repo.deleteBatch(offboarding.id, offboarding.customerId, step, batchSize);
            batches++;
            pass += n;
            if (n < batchSize) break;
          }
        }
        deleted += pass;
        if (pass === 0) break;
      }
      if (await this.repo.anyRowLeft(offboarding.customerId)) continue;
      await this.repo.markDone(offboarding.customerId, offboarding.id, 'deleted', this.clock.now());
      this.logger.log(`tenant ${offboarding.customerId}: every row deleted`);
    }
    return { deleted, finished: true };
  }
}
