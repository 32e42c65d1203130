import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { afterCommit } from '../database/after-commit';
import { EventNotice, EventsRepository } from './events.repository';

/** NOTIFY payloads stay under PostgreSQL's 8000-byte limit. */
const MAX_PAYLOAD_BYTES = 7_500;

/**
 * Tells every instance (their LISTEN connections) about committed events. A notice waits for the
 * commit of the transaction that recorded its event (`afterCommit`; dropped on rollback); released
 * notices go out together, one NOTIFY per JSON array of up to ~7.5 kB, from outside the writers'
 * transactions — a NOTIFY inside them would make every writer's commit wait on PostgreSQL's
 * notification-queue lock.
 *
 * Notices are a fast path only: webhook deliveries are queued jobs, the bus relay runs on a
 * schedule too, and a stream that reconnects replays from Last-Event-ID. If an instance dies
 * between a commit and its flush (milliseconds), streams open elsewhere miss that event live.
 */
@Injectable()
export class EventNotifier implements OnApplicationShutdown {
  private readonly logger = new Logger('EventNotifier');
  private pending: EventNotice[] = [];
  private flushing: Promise<void> | undefined;

  constructor(private readonly repo: EventsRepository) {}

  async onApplicationShutdown(): Promise<void> {
    await this.flushing;
  }

  /** Holds the notice until the transaction of `manager` commits. */
  hold(manager: EntityManager, notice: EventNotice): void {
    afterCommit(manager, () => this.release(notice));
  }

  private release(notice: EventNotice): void {
    this.pending.push(notice);
    // Started a microtask later, so that every notice one commit releases goes in the same round.
    this.flushing ??= Promise.resolve()
      .then(() => this.flush())
      .finally(() => (this.flushing = undefined));
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
