import { ServerResponse } from 'node:http';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { EventStreamRepository, StreamEvent } from './event-stream.repository';
import { StreamEndReason, StreamSubscriber } from './event-stream-hub';
import { StreamPosition, horizonPosition, isAfter } from './stream-position';

export interface EventStreamOptions {
  customerId: string;
  /** e.g. `fault.` */
  typePrefix: string;
  /** Resume after this position (Last-Event-ID); null: from now. */
  after: StreamPosition | null;
  /** Ends the stream at this instant (epoch ms). */
  endsAt?: number;
  /** Bytes written and not yet taken by the client, at most (then the stream waits for it). */
  bufferBytes: number;
  /** Cut the stream when the client has taken nothing for this long while the buffer is full. */
  stallTimeoutMs: number;
  heartbeatMs: number;
  /** Events read per query while catching up. */
  batch: number;
  /** Waits for one of the instance's replay places (see STREAM_REPLAY_CONCURRENCY); answers its release. */
  readSlot(): Promise<() => void>;
  /** Called once when the stream ends, whatever ended it. */
  onEnd(reason: StreamEndReason): void;
}

/** An SSE frame: `id:`, `event:`, `data:` (the envelope as one JSON line). */
function frame(event: StreamEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${event.json}\n\n`;
}

/**
 * One Server-Sent-Events response. It is either *catching up* — reading its tenant's events from
 * the database after the last one it sent, a batch at a time, up to the horizon — or *live*,
 * writing what the instance's tail hands it. Every event goes out once, in stream order: the
 * position of the last one sent is kept, and anything at or before it is dropped.
 *
 * It never holds more than `bufferBytes` (plus one frame) for a client: when the client does not
 * keep up, a live stream stops writing and goes back to catching up from the database once the
 * client has taken its buffer; a client that takes nothing for `stallTimeoutMs` is cut, and
 * resumes with Last-Event-ID where it stopped — an incomplete frame at the cut is never an
 * event to an SSE client, so nothing is skipped.
 */
export class EventStream implements StreamSubscriber {
  readonly customerId: string;
  readonly endsAt: number | undefined;
  private last: StreamPosition | null;
  private live = false;
  private missed = false;
  private closed = false;
  private catchingUp: Promise<void> | undefined;
  /** Mean frame size so far: a read asks for about as many events as the buffer has room for. */
  private frameBytes = 512;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly ended = new Set<() => void>();

  constructor(
    private readonly raw: ServerResponse,
    private readonly repo: EventStreamRepository,
    private readonly options: EventStreamOptions,
  ) {
    this.customerId = options.customerId;
    this.endsAt = options.endsAt;
    this.last = options.after;
    this.heartbeat = setInterval(() => {
      if (!this.closed && this.raw.writableLength === 0) this.raw.write(': keep-alive\n\n');
    }, options.heartbeatMs);
    raw.on('close', () => this.close('client'));
    if (raw.destroyed) this.close('client');
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Starts reading (call after subscribing to the hub, so nothing committed in between is missed). */
  async start(): Promise<void> {
    if (this.last === null) {
      try {
        this.last = horizonPosition(await this.repo.horizon());
      } catch {
        this.close('error');
        return;
      }
    }
    this.catchUp();
    await this.catchingUp;
  }

  deliver(event: StreamEvent): void {
    if (this.closed || this.last === null || !event.type.startsWith(this.options.typePrefix) || !isAfter(event.position, this.last)) return;
    if (!this.live) {
      this.missed = true;
      return;
    }
    if (this.raw.writableLength >= this.options.bufferBytes) {
      // The client is behind: the database keeps what it has not taken yet.
      this.live = false;
      this.missed = true;
      this.catchUp();
      return;
    }
    this.send(event);
  }

  advanced(): void {
    if (!this.live) this.missed = true;
  }

  close(reason: StreamEndReason): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const wake of this.ended) wake();
    this.options.onEnd(reason);
    if (reason === 'client' || this.raw.destroyed) return;
    // Bytes still buffered are not sent after the stream lost its right to exist (or its client).
    if (this.raw.writableLength > 0) this.raw.destroy();
    else this.raw.end(`: stream ended (${reason})\n\n`);
  }

  private send(event: StreamEvent): void {
    this.last = event.position;
    const text = frame(event);
    this.frameBytes = Math.round(this.frameBytes * 0.9 + text.length * 0.1);
    this.raw.write(text);
  }

  private catchUp(): void {
    this.catchingUp ??= this.readUntilCaughtUp()
      .catch(() => this.close('error'))
      .finally(() => (this.catchingUp = undefined));
  }

  private async readUntilCaughtUp(): Promise<void> {
    while (!this.closed) {
      if (!(await this.room())) return;
      const release = await this.options.readSlot();
      let read: { limit: number; length: number; horizon: bigint; full: boolean };
      try {
        read = await this.readBatch();
      } finally {
        release();
      }
      if (this.closed) return;
      const { limit, length, horizon, full } = read;
      if (full || length === limit) {
        await yieldToLoop();
        continue;
      }
      const reached = horizonPosition(horizon);
      if (isAfter(reached, this.last!)) this.last = reached;
      // The tail moved while this read ran: what it read then was not written here; read once more.
      if (this.missed) continue;
      this.live = true;
      return;
    }
  }

  /** Reads one batch and writes what the buffer has room for. */
  private async readBatch(): Promise<{ limit: number; length: number; horizon: bigint; full: boolean }> {
    this.missed = false;
    const room = Math.ceil((this.options.bufferBytes - this.raw.writableLength) / this.frameBytes) + 1;
    const limit = Math.max(10, Math.min(this.options.batch, room));
    const { events, horizon } = await this.repo.tenantEvents(this.customerId, this.options.typePrefix, this.last!, limit);
    let full = false;
    // One write to the socket per batch, not one per event.
    this.raw.cork();
    for (const event of events) {
      if (this.closed) break;
      if (!isAfter(event.position, this.last!)) continue;
      if (this.raw.writableLength >= this.options.bufferBytes) {
        // The rest of this batch is read again once the client has made room.
        full = true;
        break;
      }
      this.send(event);
    }
    this.raw.uncork();
    return { limit, length: events.length, horizon, full };
  }

  /** Resolves true once the buffer is below the bound; false (and the stream cut) when the client stalls. */
  private room(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (this.raw.writableLength < this.options.bufferBytes) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        this.raw.off('drain', onDrain);
        this.ended.delete(onEnd);
        resolve(ok);
      };
      const onDrain = (): void => done(!this.closed);
      const onEnd = (): void => done(false);
      const timer = setTimeout(() => {
        done(false);
        this.close('stalled');
      }, this.options.stallTimeoutMs);
      this.raw.on('drain', onDrain);
      this.ended.add(onEnd);
    });
  }
}
