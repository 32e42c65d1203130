import { WebhookDeliveryEntity } from '../../../src/webhooks/entities/webhook-delivery.entity';
import { WebhookEntity } from '../../../src/webhooks/entities/webhook.entity';
import { LaneClaim, WebhooksRepository } from '../../../src/webhooks/webhooks.repository';

/**
 * The delivery side of WebhooksRepository in memory: a lane's head delivery claimed when due,
 * attempts recorded, a webhook's run of failures (failing_since), and disabling.
 */
export class FakeWebhooksRepository implements Pick<WebhooksRepository, 'findForDelivery' | 'claimHead' | 'markSucceeded' | 'markFailedAttempt' | 'disable'> {
  readonly webhooks = new Map<string, WebhookEntity>();
  readonly deliveries: WebhookDeliveryEntity[] = [];
  private nextId = 1;

  addWebhook(over: Partial<WebhookEntity> = {}): WebhookEntity {
    const webhook = Object.assign(new WebhookEntity(), {
      id: `whk_${String(this.webhooks.size + 1).padStart(27, '0')}`,
      customerId: 'cus_a',
      url: 'https://receiver.example/hook',
      events: ['*'],
      description: null,
      disabled: false,
      includeSymptoms: false,
      disabledReason: null,
      failingSince: null,
      createdAt: new Date(0),
      updatedAt: new Date(0),
      ...over,
    } satisfies Partial<WebhookEntity>);
    this.webhooks.set(webhook.id, webhook);
    return webhook;
  }

  addDelivery(webhook: WebhookEntity, createdAt: Date, over: Partial<WebhookDeliveryEntity> = {}): WebhookDeliveryEntity {
    const delivery = Object.assign(new WebhookDeliveryEntity(), {
      customerId: webhook.customerId,
      id: String(this.nextId++),
      createdAt,
      webhookId: webhook.id,
      eventId: `evt_${String(this.nextId).padStart(27, '0')}`,
      eventType: 'fault.created',
      lane: 'flt_lane',
      status: 'pending',
      attempts: 0,
      lastResponseCode: null,
      lastError: null,
      nextAttemptAt: createdAt,
      leaseUntil: null,
      completedAt: null,
      ...over,
    } satisfies Partial<WebhookDeliveryEntity>);
    this.deliveries.push(delivery);
    return delivery;
  }

  async findForDelivery(id: string, customerId?: string): Promise<WebhookEntity | null> {
    const webhook = this.webhooks.get(id);
    return webhook === undefined || (customerId !== undefined && webhook.customerId !== customerId) ? null : Object.assign(new WebhookEntity(), webhook);
  }

  async claimHead(webhookId: string, lane: string, now: Date): Promise<LaneClaim> {
    const head = this.deliveries.find((d) => d.webhookId === webhookId && d.lane === lane && d.status === 'pending');
    if (head === undefined) return { kind: 'empty' };
    if (head.nextAttemptAt !== null && head.nextAttemptAt > now) return { kind: 'not-due', at: head.nextAttemptAt };
    return { kind: 'claimed', delivery: Object.assign(new WebhookDeliveryEntity(), head) };
  }

  async markSucceeded(delivery: WebhookDeliveryEntity, status: number, now: Date): Promise<void> {
    Object.assign(this.row(delivery), { status: 'succeeded', attempts: delivery.attempts + 1, lastResponseCode: status, lastError: null, nextAttemptAt: null, completedAt: now });
    this.webhooks.get(delivery.webhookId)!.failingSince = null;
  }

  async markFailedAttempt(delivery: WebhookDeliveryEntity, result: { status: number | null; error: string | null }, now: Date, retryAt: Date | null): Promise<Date> {
    Object.assign(this.row(delivery), {
      status: retryAt === null ? 'failed' : 'pending',
      attempts: delivery.attempts + 1,
      lastResponseCode: result.status,
      lastError: result.error,
      nextAttemptAt: retryAt,
      completedAt: retryAt === null ? now : null,
    });
    const webhook = this.webhooks.get(delivery.webhookId);
    if (webhook === undefined) return now;
    webhook.failingSince ??= now;
    return webhook.failingSince;
  }

  async disable(webhookId: string, reason: string | null, now: Date): Promise<void> {
    Object.assign(this.webhooks.get(webhookId)!, { disabled: true, disabledReason: reason, updatedAt: now });
    for (const d of this.deliveries) {
      if (d.webhookId === webhookId && d.status === 'pending') Object.assign(d, { status: 'failed', lastError: reason ?? 'webhook disabled', nextAttemptAt: null, completedAt: now });
    }
  }

  private row(delivery: WebhookDeliveryEntity): WebhookDeliveryEntity {
    return this.deliveries.find((d) => d.id === delivery.id)!;
  }
}
