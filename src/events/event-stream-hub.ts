import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { EventListener } from './event-listener';
import { EventNotice, EventsRepository, StoredEvent } from './events.repository';

/** One open stream: receives its tenant's events of a family; `close` ends it (shutdown). */
export interface StreamSubscriber {
  customerId: string;
  /** e.g. `fault.` */
  typePrefix: string;
  deliver(event: StoredEvent): void;
  close(): void;
}

/**
 * Fans the instance's LISTEN notifications out to its open streams: each
 * event is read once per instance (not once per stream) and handed to every
 * stream of its tenant. Counts streams per principal, and ends every stream
 * when the application shuts down (before the HTTP server waits on them).
 */
@Injectable()
export class EventStreamHub implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('EventStreams');
  private readonly byTenant = new Map<string, Set<StreamSubscriber>>();
  private readonly perPrincipal = new Map<string, number>();
  private closing = false;

  constructor(
    private readonly listener: EventListener,
    private readonly repo: EventsRepository,
  ) {}

  onModuleInit(): void {
    this.listener.onNotice((notice) => void this.dispatch(notice));
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /** Takes one of a principal's stream slots; false when it holds `limit` already. */
  acquire(principalKey: string, limit: number): boolean {
    const held = this.perPrincipal.get(principalKey) ?? 0;
    if (held >= limit) return false;
    this.perPrincipal.set(principalKey, held + 1);
    return true;
  }

  release(principalKey: string): void {
    const held = (this.perPrincipal.get(principalKey) ?? 1) - 1;
    if (held <= 0) this.perPrincipal.delete(principalKey);
    else this.perPrincipal.set(principalKey, held);
  }

  subscribe(subscriber: StreamSubscriber): () => void {
    let set = this.byTenant.get(subscriber.customerId);
    if (set === undefined) this.byTenant.set(subscriber.customerId, (set = new Set()));
    set.add(subscriber);
    return () => {
      set.delete(subscriber);
      if (set.size === 0) this.byTenant.delete(subscriber.customerId);
    };
  }

  /** Open streams on this instance (for metrics and tests). */
  get openStreams(): number {
    let n = 0;
    for (const set of this.byTenant.values()) n += set.size;
    return n;
  }

  beforeApplicationShutdown(): void {
    this.closing = true;
    for (const set of this.byTenant.values()) for (const subscriber of [...set]) subscriber.close();
  }

  private async dispatch(notice: EventNotice): Promise<void> {
    const subscribers = this.byTenant.get(notice.customer_id);
    if (subscribers === undefined) return;
    const interested = [...subscribers].filter((s) => notice.type.startsWith(s.typePrefix));
    if (interested.length === 0) return;
    try {
      const event = await this.repo.findById(notice.id);
      if (event === null) return;
      for (const subscriber of interested) subscriber.deliver(event);
    } catch (error) {
      this.logger.warn(`could not read event ${notice.id} for streams: ${(error as Error).message}`);
    }
  }
}
