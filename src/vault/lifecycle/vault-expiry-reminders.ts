import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { EventsConfig } from '../../config/events.config';
import { EventsService } from '../../events';
import { JobQueue } from '../../jobs/job-queue';
import { toVaultItemDto } from '../dto/vault-item.dto';
import { VaultItemMetadata } from '../entities/vault-item.entity';
import { VaultExpiryRepository } from './vault-expiry.repository';

export const VAULT_EXPIRY_QUEUE = { name: 'vault-expiry-reminders', policy: 'short' as const, retryLimit: 3, expireInSeconds: 600 };
const DAY_MS = 86_400_000;
/** An item that expired while the service was down this long still gets its vault.item.expired. */
const EXPIRED_GRACE_MS = 7 * DAY_MS;
const BATCH = 1000;

/** The horizon (in days) an item crossed: the smallest configured one its expiry falls within; 0 once expired. */
export function crossedHorizon(expiresAt: Date, now: Date, horizons: number[]): number | null {
  const left = expiresAt.getTime() - now.getTime();
  if (left <= 0) return 0;
  const within = horizons.filter((days) => left <= days * DAY_MS);
  return within.length === 0 ? null : Math.min(...within);
}

/**
 * Expiry reminders, every minute on the job queue's schedule:
 * `vault.item.expiring` once per horizon of VAULT_EXPIRY_REMINDER_DAYS
 * (an item created 5 days before expiry gets the 7- and 1-day ones only) and
 * `vault.item.expired` once. Exactly once: the reminder is claimed in a
 * ledger in the same transaction as its event, so instances running at once,
 * a retried job or a crash never send it twice nor lose it.
 */
@Injectable()
export class VaultExpiryReminders implements OnModuleInit {
  private readonly logger = new Logger('VaultExpiry');

  constructor(
    private readonly jobs: JobQueue,
    private readonly repo: VaultExpiryRepository,
    private readonly outbox: EventsService,
    private readonly config: EventsConfig,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.jobs.register({ queue: VAULT_EXPIRY_QUEUE, handle: () => this.run().then(() => undefined) });
    this.jobs.schedule(VAULT_EXPIRY_QUEUE, '* * * * *');
  }

  /** One pass; answers how many reminders it sent. */
  async run(): Promise<number> {
    const now = this.clock.now();
    const horizons = this.config.expiryReminderDays;
    const until = new Date(now.getTime() + Math.max(...horizons) * DAY_MS);
    let sent = 0;
    let from = new Date(now.getTime() - EXPIRED_GRACE_MS);
    for (;;) {
      const items = await this.repo.expiringBetween(from, until, BATCH);
      for (const item of items) if (await this.remind(item, now, horizons)) sent++;
      if (items.length < BATCH) break;
      from = items[items.length - 1].expiresAt!;
    }
    await this.repo.purgeLedger(new Date(now.getTime() - 2 * EXPIRED_GRACE_MS));
    if (sent > 0) this.logger.log(`sent ${sent} vault expiry reminders`);
    return sent;
  }

  private async remind(item: VaultItemMetadata, now: Date, horizons: number[]): Promise<boolean> {
    const expiresAt = item.expiresAt!;
    const horizon = crossedHorizon(expiresAt, now, horizons);
    if (horizon === null) return false;
    return this.repo.transaction(async (m) => {
      if (!(await this.repo.claim(m, item.id, horizon, expiresAt, now))) return false;
      const dto = toVaultItemDto(item);
      await this.outbox.record(m, {
        type: horizon === 0 ? 'vault.item.expired' : 'vault.item.expiring',
        customerId: item.customerId,
        subject: item.id,
        data: horizon === 0 ? { item: dto } : { item: dto, days_left: Math.ceil((expiresAt.getTime() - now.getTime()) / DAY_MS) },
      });
      return true;
    });
  }
}
