import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { affectedRows, returnedRows } from '../database/affected-rows';
import { lockTenantScope } from '../database/tenant-lock';
import { KeyRef, KmsProviderName, WrappedKey } from '../kms/kms-provider.interface';
import { WebhookDeliveryEntity } from './entities/webhook-delivery.entity';
import { WebhookEntity } from './entities/webhook.entity';

/** Why a lane's head delivery was not claimed. */
export type LaneClaim =
  | { kind: 'claimed'; delivery: WebhookDeliveryEntity }
  | { kind: 'empty' }
  | { kind: 'not-due'; at: Date }
  | { kind: 'leased'; until: Date };

/** Storage of webhooks and their deliveries; every user-facing read is scoped to the tenant. */
@Injectable()
export class WebhooksRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The next `limit` webhook secrets (by id, after `afterId`) whose data key another KMS key than `key` wraps. */
  async secretsNotOnKey(key: KeyRef, afterId: string, limit: number): Promise<Array<{ id: string; customerId: string; wrapped: WrappedKey }>> {
    const rows = await this.dataSource.query<Array<{ id: string; customer_id: string; kms_provider: string; kms_key_id: string; kms_key_version: string; wrapped_key: Buffer }>>(
      `SELECT id, customer_id, kms_provider, kms_key_id, kms_key_version, wrapped_key FROM webhooks
       WHERE (kms_provider, kms_key_id, kms_key_version) IS DISTINCT FROM ($1, $2, $3) AND id > $4 ORDER BY id LIMIT $5`,
      [key.provider, key.keyId, key.keyVersion, afterId, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      customerId: r.customer_id,
      wrapped: { provider: r.kms_provider as KmsProviderName, keyId: r.kms_key_id, keyVersion: r.kms_key_version, ciphertext: r.wrapped_key },
    }));
  }

  /** Swaps a secret's wrapped data key, guarded by the one it had when read; false when it changed meanwhile. */
  async replaceWrappedSecret(customerId: string, id: string, old: WrappedKey, wrapped: WrappedKey): Promise<boolean> {
    const result: unknown = await this.dataSource.query(
      `UPDATE webhooks SET kms_provider = $1, kms_key_id = $2, kms_key_version = $3, wrapped_key = $4
       WHERE customer_id = $10 AND id = $5 AND kms_provider = $6 AND kms_key_id = $7 AND kms_key_version = $8 AND wrapped_key = $9`,
      [wrapped.provider, wrapped.keyId, wrapped.keyVersion, wrapped.ciphertext, id, old.provider, old.keyId, old.keyVersion, old.ciphertext, customerId],
    );
    return affectedRows(result) === 1;
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Inserts the webhook unless its tenant has `cap` already (atomic per tenant); false when at the cap. */
  async insertWithinCap(webhook: WebhookEntity, cap: number): Promise<boolean> {
    return this.dataSource.transaction(async (m) => {
      await lockTenantScope(m, 'webhooks', webhook.customerId);
      const [{ n }] = await m.query<Array<{ n: number }>>('SELECT count(*)::int AS n FROM webhooks WHERE customer_id = $1', [webhook.customerId]);
      if (n >= cap) return false;
      await m.insert(WebhookEntity, webhook);
      return true;
    });
  }

  list(customerId: string): Promise<WebhookEntity[]> {
    return this.dataSource.manager.find(WebhookEntity, { where: { customerId }, order: { id: 'DESC' } });
  }

  find(customerId: string, id: string, manager: EntityManager = this.dataSource.manager): Promise<WebhookEntity | null> {
    return manager.findOneBy(WebhookEntity, { customerId, id });
  }

  /**
   * For delivery: by the tenant and id the delivery row carries; by id alone (idx_webhooks_id) only for
   * a lane job queued before jobs carried the tenant.
   */
  findForDelivery(id: string, customerId?: string): Promise<WebhookEntity | null> {
    return this.dataSource.manager.findOneBy(WebhookEntity, customerId === undefined ? { id } : { customerId, id });
  }

  async update(customerId: string, id: string, changes: Partial<WebhookEntity>, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.update(WebhookEntity, { customerId, id }, changes);
  }

  /** Deletes the webhook and its delivery history. */
  async delete(customerId: string, id: string): Promise<boolean> {
    return this.dataSource.transaction(async (m) => {
      const result: unknown = await m.query('DELETE FROM webhooks WHERE customer_id = $1 AND id = $2', [customerId, id]);
      if (affectedRows(result) === 0) return false;
      await m.query('DELETE FROM webhook_deliveries WHERE webhook_id = $1', [id]);
      return true;
    });
  }

  /** A page of a webhook's deliveries, newest first, after the `before` id. */
  deliveries(customerId: string, webhookId: string, take: number, before?: string): Promise<WebhookDeliveryEntity[]> {
    const qb = this.dataSource.manager
      .createQueryBuilder(WebhookDeliveryEntity, 'd')
      .where('d.customer_id = :customerId AND d.webhook_id = :webhookId', { customerId, webhookId })
      .orderBy('d.id', 'DESC')
      .take(take);
    if (before !== undefined) qb.andWhere('d.id < :before', { before });
    return qb.getMany();
  }

  /**
   * Takes the lane's oldest pending delivery for one attempt when it is due and
   * not leased. Concurrent workers serialize on the row: one gets it, the
   * others see the lease (READ COMMITTED re-checks the WHERE after the wait).
   */
  async claimHead(webhookId: string, lane: string, now: Date, leaseMs: number): Promise<LaneClaim> {
    // Leases are about live workers, so they run on the database's clock, not the (injectable) business clock.
    const raw: unknown = await this.dataSource.query(
      `UPDATE webhook_deliveries d SET lease_until = clock_timestamp() + $4 * interval '1 millisecond'
       WHERE d.id = (SELECT id FROM webhook_deliveries WHERE webhook_id = $1 AND lane = $2 AND status = 'pending' ORDER BY id LIMIT 1)
         AND d.status = 'pending' AND d.next_attempt_at <= $3 AND (d.lease_until IS NULL OR d.lease_until <= clock_timestamp())
       RETURNING d.id`,
      [webhookId, lane, now, leaseMs],
    );
    const claimed = returnedRows<{ id: string }>(raw)[0];
    if (claimed !== undefined) {
      const delivery = await this.dataSource.manager.findOneByOrFail(WebhookDeliveryEntity, { id: String(claimed.id) });
      return { kind: 'claimed', delivery };
    }
    const head = await this.dataSource.manager.findOne(WebhookDeliveryEntity, { where: { webhookId, lane, status: 'pending' }, order: { id: 'ASC' } });
    if (head === null) return { kind: 'empty' };
    if (head.leaseUntil !== null && head.leaseUntil.getTime() > Date.now()) return { kind: 'leased', until: head.leaseUntil };
    return { kind: 'not-due', at: head.nextAttemptAt ?? now };
  }

  async markSucceeded(delivery: WebhookDeliveryEntity, status: number, now: Date): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await m.update(
        WebhookDeliveryEntity,
        { id: delivery.id },
        { status: 'succeeded', attempts: delivery.attempts + 1, lastResponseCode: status, lastError: null, nextAttemptAt: null, leaseUntil: null, completedAt: now },
      );
      await m.query('UPDATE webhooks SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL', [delivery.webhookId]);
    });
  }

  /**
   * Records a failed attempt: the next one at `retryAt`, or — when null — the
   * delivery failed for good. Answers when the webhook's run of failures began.
   */
  async markFailedAttempt(delivery: WebhookDeliveryEntity, result: { status: number | null; error: string | null }, now: Date, retryAt: Date | null): Promise<Date> {
    return this.dataSource.transaction(async (m) => {
      await m.update(
        WebhookDeliveryEntity,
        { id: delivery.id },
        {
          status: retryAt === null ? 'failed' : 'pending',
          attempts: delivery.attempts + 1,
          lastResponseCode: result.status,
          lastError: result.error?.slice(0, 300) ?? null,
          nextAttemptAt: retryAt,
          leaseUntil: null,
          completedAt: retryAt === null ? now : null,
        },
      );
      const raw: unknown = await m.query('UPDATE webhooks SET failing_since = COALESCE(failing_since, $2) WHERE id = $1 RETURNING failing_since', [delivery.webhookId, now]);
      return returnedRows<{ failing_since: Date }>(raw)[0]?.failing_since ?? now;
    });
  }

  /** Disables a webhook and fails its pending deliveries (they would never be sent). */
  async disable(webhookId: string, reason: string | null, now: Date, manager?: EntityManager): Promise<void> {
    const work = async (m: EntityManager): Promise<void> => {
      await m.update(WebhookEntity, { id: webhookId }, { disabled: true, disabledReason: reason, updatedAt: now });
      await m.query(
        `UPDATE webhook_deliveries SET status = 'failed', last_error = $2, next_attempt_at = NULL, lease_until = NULL, completed_at = $3
         WHERE webhook_id = $1 AND status = 'pending'`,
        [webhookId, reason ?? 'webhook disabled', now],
      );
    };
    await (manager ? work(manager) : this.dataSource.transaction(work));
  }

  /** Lanes with pending deliveries, and when each can next be attempted (crash recovery). */
  pendingLanes(limit: number): Promise<Array<{ webhook_id: string; lane: string; customer_id: string; due: Date }>> {
    return this.dataSource.query(
      `SELECT webhook_id, lane, MIN(customer_id) AS customer_id, MIN(GREATEST(next_attempt_at, COALESCE(lease_until, next_attempt_at))) AS due
       FROM webhook_deliveries WHERE status = 'pending' GROUP BY webhook_id, lane ORDER BY due LIMIT $1`,
      [limit],
    );
  }
}
