import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DataSource, EntityManager, EntitySubscriberInterface, TransactionCommitEvent, TransactionRollbackEvent } from 'typeorm';
import { EventNotice, EventsRepository } from './events.repository';

/** NOTIFY payloads stay under PostgreSQL's 8000-byte limit. */
const MAX_PAYLOAD_BYTES = 7_500;

type RunnerData = { eventNotices?: EventNotice[] };

/**
 * Tells every instance (their LISTEN connections) about committed events. A notice waits on the
 * query runner of the transaction that recorded its event and is released by TypeORM's
 * after-commit hook (dropped on rollback); released notices go out together, one NOTIFY per
 * JSON array of up to ~7.5 kB, from outside the writers' transactions — a NOTIFY inside them would
 * make every writer's commit wait on PostgreSQL's notification-queue lock.
 *
 * Notices are a fast path only: webhook deliveries are queued jobs, the bus relay runs on a
 * schedule too, and a stream that reconnects replays from Last-Event-ID. If an instance dies
 * between a commit and its flush (milliseconds), streams open elsewhere miss that event live.
 */
@Injectable()
export class EventNotifier implements EntitySubscriberInterface, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('EventNotifier');
  private pending: EventNotice[] = [];
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly repo: EventsRepository,
  ) {}

  onModuleInit(): void {
    this.dataSource.subscribers.push(this);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flushing;
  }

  /** Holds the notice until the transaction of `manager` commits. */
  hold(manager: EntityManager, notice: EventNotice): void {
    const runner = manager.queryRunner;
    if (runner === undefined || !runner.isTransactionActive) return this.release([notice]);
    const data = runner.data as RunnerData;
    (data.eventNotices ??= []).push(notice);
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    // Fired for savepoint releases too: only the outermost commit makes the events visible.
    if (event.queryRunner.isTransactionActive) return;
    const data = event.queryRunner.data as RunnerData;
    if (data.eventNotices === undefined) return;
    const notices = data.eventNotices;
    data.eventNotices = undefined;
    this.release(notices);
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if (!event.queryRunner.isTransactionActive) (event.queryRunner.data as RunnerData).eventNotices = undefined;
  }

  private release(notices: EventNotice[]): void {
    this.pending.push(...notices);
    this.flushing ??= this.flush().finally(() => (this.flushing = undefined));
  }

  /** Sends what is pending; what arrives meanwhile goes in the next round (so notices batch under load). */
  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      try {
        await this.repo.notify(payloads(batch));
      } catch (error) {
        this.logger.warn(`could not notify ${batch.length} events: ${(error as Error).message}`);
      }
    }
  }
}

/** JSON arrays of notices, each under MAX_PAYLOAD_BYTES. */
export function payloads(notices: EventNotice[]): string[] {
  const out: string[] = [];
  let current: string[] = [];
  let size = 2;
  for (const notice of notices) {
    const json = JSON.stringify(notice);
    if (current.length > 0 && size + json.length + 1 > MAX_PAYLOAD_BYTES) {
      out.push(`[${current.join(',')}]`);
      current = [];
      size = 2;
    }
    current.push(json);
    size += json.length + 1;
  }
  if (current.length > 0) out.push(`[${current.join(',')}]`);
  return out;
}
