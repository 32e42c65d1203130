import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { EventsConfig } from '../config/events.config';
import { EventListener } from '../events';
import { JobQueue, QueueDefinition } from '../jobs/job-queue';
import { EventBusRepository } from './event-bus.repository';
import { NatsPublisher } from './nats-publisher';

/** One relay job at a time waiting (`short`); a failed run (NATS away) is retried with backoff. */
export const BUS_RELAY_QUEUE: QueueDefinition = { name: 'event-bus-relay', policy: 'short', retryLimit: 100_000, retryDelaySeconds: 2, retryBackoff: true, expireInSeconds: 120 };

/** Events published per transaction. */
const BATCH = 200;
/** Batches one job publishes before handing over to a fresh job. */
const MAX_BATCHES_PER_RUN = 50;

/**
 * The optional internal bus: with NATS_URL set, every event the outbox records (`bus_pending`) is
 * published to NATS JetStream at least once, with its id as `Nats-Msg-Id` so JetStream stores a
 * re-published event once. Batches are published inside the transaction that locks them and marks
 * them published, so a crash (or NATS going away) between the two publishes them again rather than
 * losing them. Commits wake the relay at once (the outbox's NOTIFY); a schedule every minute and the
 * start of every instance catch up on anything left.
 */
@Injectable()
export class EventBusRelay implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Bus');
  private readonly publisher: NatsPublisher | undefined;
  private kickQueued = false;

  constructor(
    private readonly jobs: JobQueue,
    private readonly repo: EventBusRepository,
    private readonly listener: EventListener,
    config: EventsConfig,
  ) {
    this.publisher = config.natsUrl === undefined ? undefined : new NatsPublisher(config.natsUrl);
  }

  get enabled(): boolean {
    return this.publisher !== undefined;
  }

  onModuleInit(): void {
    if (!this.enabled) return;
    this.jobs.register({ queue: BUS_RELAY_QUEUE, handle: () => this.relay() });
    this.jobs.schedule(BUS_RELAY_QUEUE, '* * * * *');
    this.listener.onNotice(() => this.kick());
  }

  onApplicationBootstrap(): void {
    if (this.enabled) void this.jobs.whenStarted().then(() => this.kick());
  }

  async onApplicationShutdown(): Promise<void> {
    await this.publisher?.close();
  }

  /** Publishes pending events until none is left (or this run's share is done: then queues the next run). */
  async relay(): Promise<void> {
    const publisher = this.publisher!;
    for (let i = 0; i < MAX_BATCHES_PER_RUN; i++) {
      const published = await this.repo.transaction(async (manager) => {
        const events = await this.repo.lockPending(manager, BATCH);
        // Sent in order on one connection; JetStream acknowledges each once stored.
        await Promise.all(events.map((event) => publisher.publish(event)));
        if (events.length > 0) await this.repo.markPublished(manager, events.map((e) => e.id));
        return events.length;
      });
      if (published < BATCH) return;
    }
    await this.jobs.send(BUS_RELAY_QUEUE.name, {}, { singletonKey: BUS_RELAY_QUEUE.name });
  }

  /** Queues a relay run (at most one waiting) and wakes this instance's worker. */
  private kick(): void {
    if (this.kickQueued) return;
    this.kickQueued = true;
    void this.jobs
      .send(BUS_RELAY_QUEUE.name, {}, { singletonKey: BUS_RELAY_QUEUE.name })
      .then(() => this.jobs.wake(BUS_RELAY_QUEUE.name))
      .catch((error: Error) => this.logger.warn(`could not queue the bus relay: ${error.message}`))
      .finally(() => (this.kickQueued = false));
  }
}
