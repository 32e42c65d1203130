import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import { EVENTS_CHANNEL, EventNotice } from './events.repository';
import { backoffDelayMs } from '../common/backoff';

export type NoticeHandler = (notice: EventNotice) => void;

const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 5_000;

/**
 * One LISTEN connection per instance on the events channel; every notice
 * (sent after commit by any instance's EventNotifier) is fanned out in memory to the local
 * handlers: live streams, the delivery workers' wake-up. Reconnects with
 * backoff; handlers are told to catch up after a reconnect.
 */
@Injectable()
export class EventListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('EventListener');
  private readonly handlers = new Set<NoticeHandler>();
  private readonly reconnectHandlers = new Set<() => void>();
  private client: Client | undefined;
  private stopped = false;
  /** Reconnect attempts since the connection was last up. */
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly databaseUrl: string) {}

  onNotice(handler: NoticeHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Called after the connection was lost and is back: notices may have been missed meanwhile. */
  onReconnect(handler: () => void): () => void {
    this.reconnectHandlers.add(handler);
    return () => this.reconnectHandlers.delete(handler);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.connect(false);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }

  private async connect(isReconnect: boolean): Promise<void> {
    const client = new Client({ connectionString: this.databaseUrl, application_name: 'netops-events-listener', keepAlive: true });
    client.on('notification', (message) => {
      if (message.channel !== EVENTS_CHANNEL || message.payload === undefined) return;
      let notices: EventNotice[];
      try {
        notices = JSON.parse(message.payload) as EventNotice[];
      } catch {
        return;
      }
      if (!Array.isArray(notices)) return;
      for (const notice of notices) {
        for (const handler of this.handlers) {
          try {
            handler(notice);
          } catch (error) {
            this.logger.error(`event handler failed: ${(error as Error).message}`);
          }
        }
      }
    });
    client.on('error', (error) => {
      this.logger.warn(`events listener connection lost: ${error.message}`);
      this.scheduleReconnect(client);
    });
    client.on('end', () => this.scheduleReconnect(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      if (!isReconnect) throw error;
      this.scheduleReconnect(client);
      return;
    }
    this.client = client;
    this.failures = 0;
    if (isReconnect) {
      this.logger.log('events listener reconnected');
      for (const handler of this.reconnectHandlers) handler();
    }
  }

  private scheduleReconnect(failed: Client): void {
    if (this.stopped || (this.client !== undefined && this.client !== failed)) return;
    if (this.timer !== undefined) return;
    this.client = undefined;
    const delay = backoffDelayMs(++this.failures, RECONNECT_MIN_MS, RECONNECT_MAX_MS);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.connect(true);
    }, delay);
    this.timer.unref();
  }
}
