import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { toApiTimestamp } from '../common/timestamps';
import { EventEnvelope, EventType } from '../events';

interface PendingRow {
  id: string;
  customer_id: string;
  type: EventType;
  data: Record<string, unknown>;
  created_at: Date;
}

/** The outbox rows still to publish on the bus. */
@Injectable()
export class EventBusRepository {
  constructor(private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /**
   * Locks up to `limit` pending events, oldest first; SKIP LOCKED lets a second relay (another
   * instance) take the next ones rather than wait.
   */
  async lockPending(manager: EntityManager, limit: number): Promise<EventEnvelope[]> {
    const rows = await manager.query<PendingRow[]>(
      `SELECT id, customer_id, type, data, created_at FROM events WHERE bus_pending ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    return rows.map((r) => ({ id: r.id, type: r.type, created_at: toApiTimestamp(r.created_at), customer_id: r.customer_id, data: r.data }));
  }

  async markPublished(manager: EntityManager, ids: string[]): Promise<void> {
    await manager.query(`UPDATE events SET bus_pending = false WHERE id = ANY($1::varchar[])`, [ids]);
  }

  async pendingCount(): Promise<number> {
    const rows = await this.dataSource.query<Array<{ n: string }>>(`SELECT count(*) AS n FROM events WHERE bus_pending`);
    return Number(rows[0].n);
  }
}
