import { Logger } from '@nestjs/common';
import { jetstream, jetstreamManager, JetStreamClient } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';
import type { ConnectionOptions, NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { EventEnvelope } from '../events';
import { SpanKind, inSpan, traceHeaders } from '../tracing/tracing';
import { BUS_STREAM, BUS_SUBJECT_PREFIX, busSubject } from './bus-subject';

/**
 * transport-node declares its types through a package subpath (`@nats-io/nats-core/internal`) that
 * this project's CommonJS module resolution does not follow; the same types from nats-core itself.
 */
const connectNats = connect as unknown as (options: ConnectionOptions) => Promise<NatsConnection>;

/** JetStream drops a message whose Nats-Msg-Id it saw within this window: a re-published event is stored once. */
const DUPLICATE_WINDOW_NS = 10 * 60 * 1e9;

/**
 * Publishes events to NATS JetStream, the event id as `Nats-Msg-Id`. Connects on first use (and
 * again after the connection is lost), creating the stream when it does not exist yet; a publish
 * resolves once JetStream stored the message.
 */
export class NatsPublisher {
  private readonly logger = new Logger('Bus');
  private connecting: Promise<{ nc: NatsConnection; js: JetStreamClient }> | undefined;

  constructor(private readonly servers: string) {}

  async publish(event: EventEnvelope): Promise<void> {
    const { js } = await this.connection();
    const subject = busSubject(event.customer_id, event.type);
    // A PRODUCER span (named by event type: the subject names the tenant), its `traceparent` in the message's headers.
    await inSpan(`publish ${event.type}`, { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'nats', 'messaging.operation.type': 'publish' } }, async () => {
      const carried = traceHeaders();
      const hdrs = Object.keys(carried).length === 0 ? undefined : headers();
      for (const [key, value] of Object.entries(carried)) hdrs!.set(key, value);
      await js.publish(subject, JSON.stringify(event), { msgID: event.id, timeout: 5_000, ...(hdrs !== undefined ? { headers: hdrs } : {}) });
    });
  }

  async close(): Promise<void> {
    const pending = this.connecting;
    this.connecting = undefined;
    if (pending === undefined) return;
    const { nc } = await pending.catch(() => ({ nc: undefined }));
    await nc?.drain().catch(() => undefined);
  }

  private connection(): Promise<{ nc: NatsConnection; js: JetStreamClient }> {
    this.connecting ??= this.open().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  private async open(): Promise<{ nc: NatsConnection; js: JetStreamClient }> {
    const nc = await connectNats({ servers: this.servers.split(','), name: 'netops-faults-vault', timeout: 5_000, maxReconnectAttempts: -1 });
    void nc.closed().then(() => {
      if (this.connecting !== undefined) this.logger.warn('NATS connection closed; the next publish reconnects');
      this.connecting = undefined;
    });
    const jsm = await jetstreamManager(nc);
    try {
      await jsm.streams.info(BUS_STREAM);
    } catch {
      await jsm.streams.add({ name: BUS_STREAM, subjects: [`${BUS_SUBJECT_PREFIX}.>`], duplicate_window: DUPLICATE_WINDOW_NS }).catch(async (error: Error) => {
        // Another instance created it meanwhile.
        if ((await jsm.streams.info(BUS_STREAM).catch(() => null)) === null) throw error;
      });
    }
    this.logger.log(`connected to NATS ${nc.getServer()}; publishing to stream ${BUS_STREAM}`);
    return { nc, js: jetstream(nc) };
  }
}
