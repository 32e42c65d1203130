import { DataSource } from 'typeorm';

export interface QueueStats {
  queue: string;
  /** Waiting jobs whose start time has come. */
  due: number;
  /** Waiting jobs scheduled later (retries backing off, delayed lanes). */
  deferred: number;
  active: number;
  /** Seconds the oldest due job has waited since it could have started (0 when none waits). */
  oldestDueAgeSeconds: number;
}

export interface OutboxStats {
  /** webhook: deliveries pending; bus: events not yet published on NATS. */
  target: 'webhook' | 'bus';
  undelivered: number;
  oldestAgeSeconds: number;
}

export interface DatabaseSnapshot {
  queues: QueueStats[];
  outbox: OutboxStats[];
}

/**
 * The gauges that need the database, in two statements on partial indexes (the job queue's
 * `state < 'active'` index, the pending-deliveries and bus-pending indexes): their cost follows
 * what is waiting, not the size of the tables (faults are never read).
 */
export async function readDatabaseSnapshot(dataSource: DataSource, jobsSchema: string): Promise<DatabaseSnapshot> {
  const [queues, outbox] = await Promise.all([
    dataSource.query<Array<{ queue: string; due: string; deferred: string; active: string; oldest: number | null }>>(
      `SELECT q.name AS queue,
              count(j.*) FILTER (WHERE j.state < 'active' AND j.start_after <= now()) AS due,
              count(j.*) FILTER (WHERE j.state < 'active' AND j.start_after > now()) AS deferred,
              count(j.*) FILTER (WHERE j.state = 'active') AS active,
              extract(epoch FROM now() - min(j.start_after) FILTER (WHERE j.state < 'active' AND j.start_after <= now()))::float8 AS oldest
       FROM "${jobsSchema}".queue q
       LEFT JOIN "${jobsSchema}".job j ON j.name = q.name AND j.state <= 'active'
       GROUP BY q.name`,
    ),
    dataSource.query<Array<{ target: 'webhook' | 'bus'; n: string; oldest: number | null }>>(
      `SELECT 'webhook' AS target, count(*) AS n, extract(epoch FROM now() - min(created_at))::float8 AS oldest FROM webhook_deliveries WHERE status = 'pending'
       UNION ALL
       SELECT 'bus', count(*), extract(epoch FROM now() - min(created_at))::float8 FROM events WHERE bus_pending`,
    ),
  ]);
  return {
    queues: queues.map((r) => ({ queue: r.queue, due: Number(r.due), deferred: Number(r.deferred), active: Number(r.active), oldestDueAgeSeconds: Math.max(0, r.oldest ?? 0) })),
    outbox: outbox.map((r) => ({ target: r.target, undelivered: Number(r.n), oldestAgeSeconds: Math.max(0, r.oldest ?? 0) })),
  };
}
