import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { EventsConfig } from '../../config/events.config';
import { StreamsConfig } from '../../config/streams.config';
import { EventStream, EventStreamHub, EventStreamRepository, StreamPosition, horizonPosition } from '../../events';
import { EVENT_ID_PATTERN } from '../../common/ids';

/** How often a dashboard stream re-checks its token (revocation reaches every instance within a second). */
const TOKEN_RECHECK_MS = 400;

export interface StreamOptions {
  customerId: string;
  /** Counts against STREAM_MAX_PER_PRINCIPAL. */
  principalKey: string;
  /** When the credential expires (epoch ms): the stream ends then. */
  expiresAt?: number;
  /** For a dashboard token: false once revoked or expired (the stream then ends). */
  stillAllowed?: () => Promise<boolean>;
}

/**
 * The live fault stream (Server-Sent Events): replays the tenant's stored fault.* events after
 * Last-Event-ID, then sends each new one as it is committed on any instance (see EventStream),
 * a comment line every STREAM_HEARTBEAT_MS, and ends when the client leaves, its token expires
 * or is revoked, its tenant is offboarded, its client stops reading, or the service shuts down.
 */
@Injectable()
export class FaultStreamService {
  constructor(
    private readonly hub: EventStreamHub,
    private readonly events: EventStreamRepository,
    private readonly config: EventsConfig,
    private readonly streams: StreamsConfig,
  ) {}

  async open(request: FastifyRequest, reply: FastifyReply, options: StreamOptions): Promise<void> {
    if (this.hub.isClosing) throw new HttpException('The service is shutting down', HttpStatus.SERVICE_UNAVAILABLE);
    // "From now" is pinned before the response starts: an event the client causes once it has the
    // headers commits after this horizon, so the stream cannot start past it.
    const after = (await this.resumeAfter(request, options.customerId)) ?? horizonPosition(await this.events.horizon());
    const slot = this.hub.reserve(options.principalKey, options.customerId);
    if (typeof slot === 'string') {
      void reply.header('retry-after', '5');
      throw new HttpException(slot, HttpStatus.TOO_MANY_REQUESTS);
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

    let recheck: NodeJS.Timeout | undefined;
    let unsubscribe = (): void => undefined;
    const stream = new EventStream(raw, this.events, {
      customerId: options.customerId,
      typePrefix: 'fault.',
      after,
      endsAt: options.expiresAt,
      bufferBytes: this.streams.bufferBytes,
      stallTimeoutMs: this.streams.stallTimeoutMs,
      heartbeatMs: this.config.streamHeartbeatMs,
      batch: this.streams.replayBatch,
      readSlot: () => this.hub.replaySlot(),
      onEnd: () => {
        clearInterval(recheck);
        unsubscribe();
        slot.release();
      },
    });
    if (stream.isClosed) return; // the client left during the handshake
    unsubscribe = this.hub.subscribe(stream);
    if (options.stillAllowed) {
      const check = options.stillAllowed;
      recheck = setInterval(() => {
        check().then(
          (ok) => ok || stream.close('revoked'),
          () => undefined,
        );
      }, TOKEN_RECHECK_MS);
    }
    await stream.start();
  }

  /** The position after Last-Event-ID: null for none, or for an id this tenant does not have (any more). */
  private async resumeAfter(request: FastifyRequest, customerId: string): Promise<StreamPosition | null> {
    const lastEventId = request.headers['last-event-id'];
    if (typeof lastEventId !== 'string' || lastEventId === '') return null;
    if (!EVENT_ID_PATTERN.test(lastEventId)) throw new HttpException('Last-Event-ID is not an event id of this API', HttpStatus.BAD_REQUEST);
    return this.events.positionOf(customerId, lastEventId);
  }
}
