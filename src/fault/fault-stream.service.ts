import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { EventsConfig } from '../config/events.config';
import { EventStreamHub } from '../events/event-stream-hub';
import { EventsRepository, StoredEvent } from '../events/events.repository';
import { EVENT_ID_PATTERN } from '../common/ids';

const REPLAY_BATCH = 500;
/** How often a dashboard stream re-checks its token (revocation reaches every instance within a second). */
const TOKEN_RECHECK_MS = 400;

export interface StreamOptions {
  customerId: string;
  /** Counts against STREAM_MAX_PER_PRINCIPAL. */
  principalKey: string;
  /** For a dashboard token: false once revoked or expired (the stream then ends). */
  stillAllowed?: () => Promise<boolean>;
}

/** An SSE frame: `id:`, `event:`, `data:` (the envelope as one JSON line). */
function frame(event: StoredEvent): string {
  return `id: ${event.envelope.id}\nevent: ${event.envelope.type}\ndata: ${JSON.stringify(event.envelope)}\n\n`;
}

/**
 * The live fault stream (Server-Sent Events): replays the tenant's stored
 * fault.* events after Last-Event-ID, then sends each new one as it is
 * committed on any instance, a comment line every STREAM_HEARTBEAT_MS, and
 * ends when the client leaves, its dashboard token stops being valid, or the
 * service shuts down.
 */
@Injectable()
export class FaultStreamService {
  constructor(
    private readonly hub: EventStreamHub,
    private readonly events: EventsRepository,
    private readonly config: EventsConfig,
  ) {}

  async open(request: FastifyRequest, reply: FastifyReply, options: StreamOptions): Promise<void> {
    if (this.hub.isClosing) throw new HttpException('The service is shutting down', HttpStatus.SERVICE_UNAVAILABLE);
    const lastEventId = request.headers['last-event-id'];
    let afterSeq: string | null = null;
    if (typeof lastEventId === 'string' && lastEventId !== '') {
      if (!EVENT_ID_PATTERN.test(lastEventId)) throw new HttpException('Last-Event-ID is not an event id of this API', HttpStatus.BAD_REQUEST);
      afterSeq = await this.events.seqOf(options.customerId, lastEventId);
    }
    if (!this.hub.acquire(options.principalKey, this.config.maxStreamsPerPrincipal)) {
      throw new HttpException(`At most ${this.config.maxStreamsPerPrincipal} open streams per token; close one first`, HttpStatus.TOO_MANY_REQUESTS);
    }
    const raw = reply.raw;
    reply.hijack();
    raw.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    raw.write('retry: 2000\n\n');

    let lastSeq = afterSeq ?? '0';
    let replaying = true;
    const buffered: StoredEvent[] = [];
    let closed = false;
    const send = (event: StoredEvent): void => {
      if (closed || BigInt(event.seq) <= BigInt(lastSeq)) return;
      lastSeq = event.seq;
      raw.write(frame(event));
    };
    const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), this.config.streamHeartbeatMs);
    let recheck: NodeJS.Timeout | undefined;
    const close = (): void => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      clearInterval(recheck);
      unsubscribe();
      this.hub.release(options.principalKey);
      raw.end();
    };
    const unsubscribe = this.hub.subscribe({
      customerId: options.customerId,
      typePrefix: 'fault.',
      deliver: (event) => (replaying ? buffered.push(event) : send(event)),
      close,
    });
    raw.on('close', close);
    if (options.stillAllowed) {
      const check = options.stillAllowed;
      recheck = setInterval(() => {
        check().then(
          (ok) => ok || close(),
          () => undefined,
        );
      }, TOKEN_RECHECK_MS);
    }
    try {
      // Subscribed first, replayed second: nothing committed in between is lost; duplicates are dropped by seq.
      if (afterSeq !== null) {
        for (;;) {
          const batch = await this.events.after(options.customerId, 'fault.', lastSeq, REPLAY_BATCH);
          for (const event of batch) send(event);
          if (batch.length < REPLAY_BATCH || closed) break;
        }
      }
    } catch {
      close();
      return;
    }
    replaying = false;
    for (const event of buffered.splice(0)) send(event);
  }
}
