import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import { EventsConfig } from '../config/events.config';
import { newEventId } from '../common/ids';
import { toApiTimestamp } from '../common/timestamps';
import { EventEnvelope, EventType } from './event-types';
import { EventNotifier } from './event-notifier';
import { EventsRepository } from './events.repository';

export interface NewEvent {
  type: EventType;
  customerId: string;
  data: Record<string, unknown>;
  /** The fault or vault item it is about: a webhook receives one subject's events in order. */
  subject?: string;
  /** False for a silenced fault: stored and streamed, never sent to webhooks. */
  deliver?: boolean;
  /** About a symptom fault (it has a root): only webhooks with include_symptoms receive it. */
  symptom?: boolean;
  /** Only this webhook receives it (webhook.test). */
  onlyWebhookId?: string;
}

/** What the outbox wrote beside the event: the webhooks given a pending delivery, on which lane. */
export interface OutboxFanout {
  lane: string;
  webhookIds: string[];
}

/** Called inside the recording transaction, after the row is written (e.g. to enqueue jobs). */
export type OutboxSubscriber = (manager: EntityManager, event: EventEnvelope, fanout: OutboxFanout) => Promise<void>;

/**
 * The transactional outbox. `record` must be called with the manager of the
 * transaction that makes the change: the event exists if and only if the
 * change commits. Vault events carry metadata only — callers pass DTOs,
 * never entities.
 */
@Injectable()
export class EventsService {
  private readonly subscribers: OutboxSubscriber[] = [];

  constructor(
    private readonly repo: EventsRepository,
    private readonly clock: Clock,
    private readonly config: EventsConfig,
    private readonly notifier: EventNotifier,
  ) {}

  subscribe(subscriber: OutboxSubscriber): void {
    this.subscribers.push(subscriber);
  }

  /** Records the event in the caller's transaction; null when events are off (EVENTS_ENABLED=false). */
  async record(manager: EntityManager, event: NewEvent): Promise<EventEnvelope | null> {
    if (!this.config.enabled) return null;
    const now = this.clock.now();
    const id = newEventId(now);
    const lane = event.subject ?? id;
    const { seq, webhookIds } = await this.repo.insert(manager, {
      id,
      customerId: event.customerId,
      type: event.type,
      data: event.data,
      createdAt: now,
      lane,
      deliver: event.deliver ?? true,
      symptom: event.symptom ?? false,
      onlyWebhookId: event.onlyWebhookId,
      bus: this.config.natsUrl !== undefined && event.type !== 'webhook.test',
    });
    const envelope: EventEnvelope = { id, type: event.type, created_at: toApiTimestamp(now), customer_id: event.customerId, data: event.data };
    for (const subscriber of this.subscribers) await subscriber(manager, envelope, { lane, webhookIds });
    this.notifier.hold(manager, { id, customer_id: event.customerId, type: event.type, seq, deliveries: webhookIds.length > 0 });
    return envelope;
  }
}
