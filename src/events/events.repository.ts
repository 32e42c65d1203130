import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { toApiTimestamp } from '../common/timestamps';
import { preparedQueryIn } from '../database/prepared-query';
import { EventEnvelope, EventType, familyOf } from './event-types';

export const EVENTS_CHANNEL = 'netops_events';

/**
 * What a NOTIFY on EVENTS_CHANNEL carries for each event (a NOTIFY carries a JSON array of these,
 * the events of one or more commits; the events themselves may exceed NOTIFY's 8000 bytes).
 */
export interface EventNotice {
  id: string;
  customer_id: string;
  type: EventType;
  seq: string;
  /** Webhook deliveries were queued for it (delivery workers wake up). */
  deliveries: boolean;
}

export interface OutboxRow {
  id: string;
  customerId: string;
  type: EventType;
  data: Record<string, unknown>;
  createdAt: Date;
  /** Ordering key of its webhook deliveries (a fault id, a vault item id, or the event id). */
  lane: string;
  /** Deliver to webhooks at all (false: a silenced fault's event). */
  deliver: boolean;
  /** A symptom fault's event: only webhooks with include_symptoms receive it. */
  symptom: boolean;
  /** Deliver to this webhook only (webhook.test). */
  onlyWebhookId?: string;
  /** Publish on the NATS bus too (NATS_URL is set). */
  bus: boolean;
}

interface RawEvent {
  id: string;
  seq: string;
  customer_id: string;
  type: EventType;
  data: Record<string, unknown>;
  created_at: Date;
}

export interface StoredEvent {
  seq: string;
  envelope: EventEnvelope;
}

function toStored(raw: RawEvent): StoredEvent {
  return {
    seq: String(raw.seq),
    envelope: { id: raw.id, type: raw.type, created_at: toApiTimestamp(raw.created_at), customer_id: raw.customer_id, data: raw.data },
  };
}

/** The outbox table: writes happen inside the caller's transaction; reads for replay and delivery. */
@Injectable()
export class EventsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * One statement: the event row and a pending delivery for every matching enabled webhook of the
   * tenant. Answers the webhooks given a delivery. (The NOTIFY goes out after the commit, batched:
   * see EventNotifier. A NOTIFY inside the transaction would serialize every writer's commit on
   * PostgreSQL's notification queue lock.)
   */
  async insert(manager: EntityManager, row: OutboxRow): Promise<{ seq: string; webhookIds: string[] }> {
    const rows = await preparedQueryIn<{ seq: string; webhook_ids: string[] }>(
      manager,
      `WITH e AS (
         INSERT INTO events (id, customer_id, type, data, created_at, bus_pending) VALUES ($1, $2, $3, $4, $5, $10) RETURNING seq
       ), d AS (
         INSERT INTO webhook_deliveries (webhook_id, customer_id, event_id, event_type, lane, status, attempts, next_attempt_at, created_at)
         SELECT w.id, w.customer_id, $1, $3, $6, 'pending', 0, $5, $5
         FROM webhooks w
         WHERE $7 AND w.customer_id = $2 AND NOT w.disabled AND (NOT $11 OR w.include_symptoms)
           AND (w.id = $8 OR ($8::varchar IS NULL AND ('*' = ANY(w.events) OR $3 = ANY(w.events) OR $9 = ANY(w.events))))
         RETURNING webhook_id
       )
       SELECT e.seq, ARRAY(SELECT webhook_id FROM d) AS webhook_ids
       FROM e`,
      [row.id, row.customerId, row.type, row.data, row.createdAt, row.lane, row.deliver, row.onlyWebhookId ?? null, familyOf(row.type), row.bus, row.symptom],
    );
    return { seq: String(rows[0].seq), webhookIds: rows[0].webhook_ids };
  }

  async findById(id: string): Promise<StoredEvent | null> {
    const rows = await this.dataSource.query<RawEvent[]>('SELECT id, seq, customer_id, type, data, created_at FROM events WHERE id = $1', [id]);
    return rows.length === 0 ? null : toStored(rows[0]);
  }

  /** Deletes events older than `before`, in batches; answers how many. */
  async purgeBefore(before: Date, batchSize: number): Promise<number> {
    let total = 0;
    for (let i = 0; i < 1000; i++) {
      const result: [unknown[], number] = await this.dataSource.query(
        'DELETE FROM events WHERE id IN (SELECT id FROM events WHERE created_at < $1 ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)',
        [before, batchSize],
      );
      total += result[1];
      if (result[1] < batchSize) break;
    }
    return total;
  }

  /**
   * Announces committed events to every instance's LISTEN connection, as one JSON array per NOTIFY.
   * A notice is a hint (the events are committed already): its own one-statement transaction
   * commits without waiting for the WAL flush, so notices do not compete with writers for fsyncs.
   */
  async notify(payloads: string[]): Promise<void> {
    await this.dataSource.query(`SELECT set_config('synchronous_commit', 'off', true), pg_notify('${EVENTS_CHANNEL}', p) FROM unnest($1::text[]) AS p`, [payloads]);
  }
}
