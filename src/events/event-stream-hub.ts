import { BeforeApplicationShutdown, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { OffboardedTenants } from '../auth/offboarded-tenants';
import { Clock } from '../common/clock';
import { Semaphore } from '../common/semaphore';
import { EventsConfig } from '../config/events.config';
import { StreamsConfig } from '../config/streams.config';
import { EventListener } from './event-listener';
import { EventStreamRepository, StreamEvent } from './event-stream.repository';
import { EventNotice } from './events.repository';
import { StreamPosition, horizonPosition, isAfter } from './stream-position';

export type StreamEndReason = 'client' | 'expired' | 'revoked' | 'offboarded' | 'shutdown' | 'stalled' | 'error';

/** One open stream: receives its tenant's events in stream order. */
export interface StreamSubscriber {
  customerId: string;
  /** Ends the stream at this instant (epoch ms): its token's expiry. */
  endsAt?: number;
  /** An event the instance's tail read (any type of the tenant, in stream order). */
  deliver(event: StreamEvent): void;
  /** The tail moved on: a stream still catching up from the database must read once more. */
  advanced(): void;
  close(reason: StreamEndReason): void;
}

/** A held place in the stream caps; released when the stream ends. */
export interface StreamSlot {
  release(): void;
}

const TAIL_BATCH = 500;
/** Re-read this soon while a noticed event is not readable yet (its transaction is below a running one). */
const NOTICE_RETRY_MS = 20;
/** A notice not matched by a read for this long is left to the poll (a long transaction holds the horizon back). */
const NOTICE_FORGET_MS = 5_000;
/** Ids of the events read last, so that a notice arriving after its event was read starts no retries. */
const RECENT_IDS = 4096;

/**
 * The instance's one reader of the events table for its open streams (the tail): reads every
 * committed event after its position, never past the horizon (stream-position.ts), and hands each
 * to the streams of its tenant. It reads when a LISTEN notice arrives, again shortly while a
 * noticed event is not readable yet, and every STREAM_POLL_MS anyway (a notice lost to a crash or
 * a reconnect costs latency, never an event). It also holds the stream caps (per principal, per
 * tenant, per instance) and ends streams at their token's expiry, at their tenant's offboarding
 * and at shutdown.
 */
@Injectable()
export class EventStreamHub implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger('EventStreams');
  private readonly byTenant = new Map<string, Set<StreamSubscriber>>();
  private readonly perPrincipal = new Map<string, number>();
  private readonly perTenant = new Map<string, number>();
  private held = 0;
  private closing = false;
  private cursor: StreamPosition | null = null;
  private reading: Promise<void> | undefined;
  private readAgain = false;
  private readonly noticed = new Map<string, number>();
  private readonly recent = new Set<string>();
  private retry: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;
  private readonly replaySlots: Semaphore;

  constructor(
    private readonly listener: EventListener,
    private readonly repo: EventStreamRepository,
    private readonly config: StreamsConfig,
    private readonly eventsConfig: EventsConfig,
    private readonly offboarded: OffboardedTenants,
    private readonly clock: Clock,
  ) {
    this.replaySlots = new Semaphore(config.replayConcurrency);
  }

  /** One of the instance's STREAM_REPLAY_CONCURRENCY places for reading and writing a replay batch. */
  replaySlot(): Promise<() => void> {
    return this.replaySlots.acquire();
  }

  onModuleInit(): void {
    this.listener.onNotice((notice) => this.onNotice(notice));
    this.listener.onReconnect(() => this.read());
    this.offboarded.onOffboarded((customerId) => this.endTenant(customerId, 'offboarded'));
    this.poll = setInterval(() => this.tick(), this.config.pollMs);
    this.poll.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.poll);
    clearTimeout(this.retry);
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /** Takes a place under every cap, or answers which cap is full. */
  reserve(principalKey: string, customerId: string): StreamSlot | string {
    if (this.held >= this.config.maxPerInstance) return `This instance serves at most ${this.config.maxPerInstance} open streams; retry later`;
    if ((this.perTenant.get(customerId) ?? 0) >= this.config.maxPerTenant) return `At most ${this.config.maxPerTenant} open streams per tenant; close one first`;
    const perPrincipal = this.eventsConfig.maxStreamsPerPrincipal;
    if ((this.perPrincipal.get(principalKey) ?? 0) >= perPrincipal) return `At most ${perPrincipal} open streams per token; close one first`;
    this.held++;
    increment(this.perTenant, customerId, 1);
    increment(this.perPrincipal, principalKey, 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.held--;
        increment(this.perTenant, customerId, -1);
        increment(this.perPrincipal, principalKey, -1);
      },
    };
  }

  subscribe(subscriber: StreamSubscriber): () => void {
    let set = this.byTenant.get(subscriber.customerId);
    if (set === undefined) this.byTenant.set(subscriber.customerId, (set = new Set()));
    set.add(subscriber);
    this.read();
    return () => {
      set.delete(subscriber);
      if (set.size === 0 && this.byTenant.get(subscriber.customerId) === set) this.byTenant.delete(subscriber.customerId);
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
    for (const set of this.byTenant.values()) for (const subscriber of [...set]) subscriber.close('shutdown');
  }

  private onNotice(notice: EventNotice): void {
    if (!this.byTenant.has(notice.customer_id) || this.recent.has(notice.id)) return;
    this.noticed.set(notice.id, Date.now());
    this.read();
  }

  private tick(): void {
    const now = this.clock.now().getTime();
    for (const [customerId, set] of [...this.byTenant]) {
      if (this.offboarded.has(customerId)) {
        this.endTenant(customerId, 'offboarded');
        continue;
      }
      for (const subscriber of [...set]) if (subscriber.endsAt !== undefined && subscriber.endsAt <= now) subscriber.close('expired');
    }
    this.read();
  }

  private endTenant(customerId: string, reason: StreamEndReason): void {
    for (const subscriber of [...(this.byTenant.get(customerId) ?? [])]) subscriber.close(reason);
  }

  /** Reads the tail now, or once more after the read under way (reads never overlap). */
  private read(): void {
    if (this.reading !== undefined) {
      this.readAgain = true;
      return;
    }
    this.reading = (async () => {
      do {
        this.readAgain = false;
        try {
          await this.readTail();
        } catch (error) {
          this.logger.warn(`could not read events for streams: ${(error as Error).message}`);
        }
      } while (this.readAgain && !this.closing);
    })().finally(() => {
      this.reading = undefined;
      this.scheduleRetry();
    });
  }

  private async readTail(): Promise<void> {
    if (this.byTenant.size === 0) {
      this.cursor = null;
      this.noticed.clear();
      return;
    }
    if (this.cursor === null) {
      // Nothing before the horizon is anyone's any more: every stream starts at or after it.
      this.cursor = horizonPosition(await this.repo.horizon());
    } else {
      for (;;) {
        const { events, horizon } = await this.repo.allEvents(this.cursor, TAIL_BATCH);
        for (const event of events) {
          this.noticed.delete(event.id);
          this.remember(event.id);
          this.cursor = event.position;
          for (const subscriber of [...(this.byTenant.get(event.customerId) ?? [])]) subscriber.deliver(event);
        }
        if (events.length < TAIL_BATCH) {
          const reached = horizonPosition(horizon);
          if (isAfter(reached, this.cursor)) this.cursor = reached;
          break;
        }
        await yieldToLoop();
      }
    }
    for (const set of this.byTenant.values()) for (const subscriber of [...set]) subscriber.advanced();
  }

  private remember(id: string): void {
    this.recent.add(id);
    if (this.recent.size > RECENT_IDS) this.recent.delete(this.recent.values().next().value!);
  }

  private scheduleRetry(): void {
    const forgetBefore = Date.now() - NOTICE_FORGET_MS;
    for (const [id, at] of this.noticed) if (at < forgetBefore) this.noticed.delete(id);
    if (this.noticed.size === 0 || this.retry !== undefined || this.closing) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.read();
    }, NOTICE_RETRY_MS);
    this.retry.unref();
  }
}

function increment(map: Map<string, number>, key: string, by: number): void {
  const value = (map.get(key) ?? 0) + by;
  if (value <= 0) map.delete(key);
  else map.set(key, value);
}
