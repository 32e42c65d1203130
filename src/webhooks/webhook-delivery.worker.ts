import { Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { Clock } from '../common/clock';
import { EventsConfig } from '../config/events.config';
import { EventListener, EventsRepository, EventsService } from '../events';
import { JobQueue, QueueDefinition } from '../jobs/job-queue';
import { WebhookDeliveryEntity } from './entities/webhook-delivery.entity';
import { retryDelayMs } from './retry-schedule';
import { WebhookSecretBox } from './webhook-secret-box';
import { sendDelivery } from './webhook-sender';
import { TenantSlots } from './tenant-slots';
import { signWebhook } from './webhook-signature';
import { WebhooksRepository } from './webhooks.repository';

/**
 * One job per lane (webhook + fault/item), at most one waiting per lane
 * (`short` policy). A crashed worker's job expires and pg-boss retries it.
 */
export const WEBHOOK_LANE_QUEUE: QueueDefinition = { name: 'webhook-lane', policy: 'short', retryLimit: 1000, retryDelaySeconds: 5, retryBackoff: true, expireInSeconds: 120 };
/** Every minute and at start: re-queues lanes with due deliveries (a safety net after crashes). */
export const WEBHOOK_SWEEP_QUEUE: QueueDefinition = { name: 'webhook-sweep', policy: 'short', retryLimit: 1, expireInSeconds: 120 };

const HOUR_MS = 3_600_000;
/** Deliveries one job sends before handing the lane to a fresh job (fairness between lanes). */
const MAX_PER_RUN = 50;
const SWEEP_LANES = 1000;

interface LaneJob {
  webhookId: string;
  lane: string;
  /** The webhook's tenant (jobs queued before it was carried look it up). */
  customerId?: string;
}

/** A lane whose tenant has every slot busy is looked at again after this (plus up to as much jitter). */
const TENANT_BUSY_DELAY_MS = 1_000;

/**
 * Delivers webhooks: a lane's pending deliveries one at a time in order,
 * each attempt signed (Standard Webhooks) and sent to a checked address.
 * A failure blocks its lane until the retry, so a fault's events never
 * overtake one another; retries back off exponentially until
 * WEBHOOK_RETRY_HOURS; a webhook failing for WEBHOOK_DISABLE_AFTER_HOURS is
 * disabled. Secrets and bodies are never logged.
 */
@Injectable()
export class WebhookDeliveryWorker implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger('Webhooks');
  private readonly slots: TenantSlots;

  constructor(
    private readonly jobs: JobQueue,
    private readonly repo: WebhooksRepository,
    private readonly events: EventsRepository,
    private readonly outbox: EventsService,
    private readonly listener: EventListener,
    private readonly secrets: WebhookSecretBox,
    private readonly config: EventsConfig,
    private readonly clock: Clock,
  ) {
    this.slots = new TenantSlots(config.deliveryConcurrencyPerTenant);
  }

  onModuleInit(): void {
    this.jobs.register<LaneJob>({ queue: WEBHOOK_LANE_QUEUE, concurrency: this.config.deliveryConcurrency, handle: (job) => this.runFairly(job) });
    this.jobs.register({ queue: WEBHOOK_SWEEP_QUEUE, handle: () => this.sweep() });
    this.jobs.schedule(WEBHOOK_SWEEP_QUEUE, '* * * * *');
    // A lane job for every webhook the outbox gave a delivery, in the recording transaction.
    this.outbox.subscribe(async (manager, event, { lane, webhookIds }) => {
      for (const webhookId of webhookIds) {
        await this.jobs.send(WEBHOOK_LANE_QUEUE.name, { webhookId, lane, customerId: event.customer_id } satisfies LaneJob, { singletonKey: `${webhookId}:${lane}`, manager });
      }
    });
    // Any instance's commit wakes this instance's idle delivery workers at once (instead of at their next poll).
    this.listener.onNotice((notice) => {
      if (notice.deliveries) this.jobs.wake(WEBHOOK_LANE_QUEUE.name);
    });
  }

  onApplicationBootstrap(): void {
    // After a crash or restart, deliveries left pending get their lanes queued again right away.
    void this.jobs
      .whenStarted()
      .then(() => this.sweep())
      .catch((error: Error) => this.logger.warn(`startup sweep failed: ${error.message}`));
  }

  /**
   * Runs a lane when its tenant has a free delivery slot on this instance; otherwise hands the lane
   * back to the queue for a moment (the job ends at once, so the worker serves another tenant).
   */
  async runFairly(job: LaneJob): Promise<void> {
    const customerId = job.customerId ?? (await this.repo.findForDelivery(job.webhookId))?.customerId;
    if (customerId === undefined) return this.runLane(job.webhookId, job.lane);
    const release = this.slots.tryTake(customerId);
    if (release === null) {
      const delayMs = TENANT_BUSY_DELAY_MS * (1 + Math.random());
      await this.jobs.send(WEBHOOK_LANE_QUEUE.name, { ...job, customerId } satisfies LaneJob, {
        singletonKey: `${job.webhookId}:${job.lane}`,
        startAfter: new Date(Date.now() + delayMs),
        // Fetched after every fresh lane, so another tenant's new delivery never queues behind this tenant's waiting ones.
        priority: -1,
      });
      // This worker would otherwise sleep until its next poll: let it fetch another tenant's lane now.
      this.jobs.wake(WEBHOOK_LANE_QUEUE.name);
      return;
    }
    try {
      await this.runLane(job.webhookId, job.lane, customerId);
    } finally {
      release();
    }
  }

  async runLane(webhookId: string, lane: string, customerId?: string): Promise<void> {
    for (let i = 0; i < MAX_PER_RUN; i++) {
      const now = this.clock.now();
      const claim = await this.repo.claimHead(webhookId, lane, now, this.config.deliveryTimeoutMs + 5_000);
      if (claim.kind === 'empty') return;
      // Another worker holds the head, or held it and died (SIGKILL mid-delivery): look again when its lease
      // ends. A key of its own, so that this delayed look never stands in for the lane's next prompt run.
      if (claim.kind === 'leased') return this.queueLaneIn(webhookId, lane, claim.until.getTime() - Date.now() + 100, customerId, ':after-lease');
      if (claim.kind === 'not-due') return this.queueLane(webhookId, lane, claim.at, customerId);
      if (!(await this.attempt(claim.delivery))) return;
    }
    await this.queueLane(webhookId, lane, this.clock.now(), customerId);
  }

  /** Re-queues lanes that have pending deliveries. */
  async sweep(): Promise<void> {
    for (const row of await this.repo.pendingLanes(SWEEP_LANES)) await this.queueLane(row.webhook_id, row.lane, row.due, row.customer_id);
  }

  private async queueLane(webhookId: string, lane: string, at: Date, customerId: string | undefined): Promise<void> {
    // The queue runs on real time; `at` is on the injected clock: convert through the delay.
    await this.queueLaneIn(webhookId, lane, at.getTime() - this.clock.now().getTime(), customerId);
  }

  private async queueLaneIn(webhookId: string, lane: string, delayMs: number, customerId: string | undefined, keySuffix = ''): Promise<void> {
    await this.jobs.send(WEBHOOK_LANE_QUEUE.name, { webhookId, lane, customerId } satisfies LaneJob, { singletonKey: `${webhookId}:${lane}${keySuffix}`, startAfter: new Date(Date.now() + Math.max(0, delayMs)) });
  }

  /** One attempt; true when the lane may go on to its next delivery. */
  private async attempt(delivery: WebhookDeliveryEntity): Promise<boolean> {
    const webhook = await this.repo.findForDelivery(delivery.webhookId, delivery.customerId);
    if (webhook === null || webhook.disabled) {
      await this.repo.markFailedAttempt(delivery, { status: null, error: webhook === null ? 'webhook deleted' : 'webhook disabled' }, this.clock.now(), null);
      return true;
    }
    const event = await this.events.findById(delivery.eventId);
    if (event === null) {
      await this.repo.markFailedAttempt(delivery, { status: null, error: 'event no longer stored (past EVENTS_RETENTION_HOURS)' }, this.clock.now(), null);
      return true;
    }
    const secret = await this.secrets.open(webhook);
    const body = JSON.stringify(event.envelope);
    // Real time, not the injected clock: receivers check it against theirs.
    const timestamp = Math.floor(Date.now() / 1000);
    const result = await sendDelivery({
      url: webhook.url,
      body,
      headers: { 'webhook-id': event.envelope.id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signWebhook(secret, event.envelope.id, timestamp, body) },
      timeouts: { connectMs: this.config.connectTimeoutMs, firstByteMs: this.config.firstByteTimeoutMs, totalMs: this.config.deliveryTimeoutMs },
      allowPrivate: this.config.allowPrivateTargets,
    });
    const now = this.clock.now();
    if (result.ok) {
      await this.repo.markSucceeded(delivery, result.status!, now);
      return true;
    }
    const giveUp = now.getTime() - delivery.createdAt.getTime() >= this.config.retryForHours * HOUR_MS;
    const retryAt = giveUp ? null : new Date(now.getTime() + retryDelayMs(delivery.attempts + 1, this.config.retryBaseMs, this.config.retryMaxMs));
    const failingSince = await this.repo.markFailedAttempt(delivery, result, now, retryAt);
    this.logger.warn(`delivery ${delivery.id} of ${delivery.eventId} to webhook ${webhook.id} failed (attempt ${delivery.attempts + 1}): ${result.error}`);
    if (now.getTime() - failingSince.getTime() >= this.config.disableAfterHours * HOUR_MS) {
      await this.repo.disable(webhook.id, `deliveries failed for ${this.config.disableAfterHours} hours`, now);
      this.logger.warn(`webhook ${webhook.id} disabled: deliveries failed for ${this.config.disableAfterHours} hours`);
      return false;
    }
    if (retryAt !== null) await this.queueLane(webhook.id, delivery.lane, retryAt, webhook.customerId);
    return giveUp;
  }
}
