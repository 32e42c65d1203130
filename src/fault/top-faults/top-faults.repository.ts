import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { returnedRows } from '../../database/affected-rows';
import { FAULT_COLUMNS, FaultRow } from '../core/fault-columns';
import { FaultRowMapper } from '../core/fault-row.mapper';
import { TopFaultGroup } from '../dto/top-fault.dto';

/** What GET /fault/top_faults asks: `resources` groups, `samples` faults each, counting faults created at or after `since` and not expired at `now`. */
export interface TopFaultsQuery {
  customerId: string;
  now: Date;
  since: Date;
  resources: number;
  samples: number;
}

/**
 * The ranking from the counts, in one statement (one snapshot), when the watermark is at or before
 * `now` ($2): a resource counts its folded counter, plus its pending deltas, less its rows that left
 * the window since the sweep last ran (leaves_at at or before $2). Only the k resources with a delta or
 * a left row can differ from their counter, so the exact top 10 lies among those k and the first
 * 10 + k counters: of those, at least 10 are unadjusted, and each counts at least as much as any
 * resource further down (whose count is its counter). Then each resource's newest faults of the
 * window, one short read of its resource index each. Always one row at least: `counts_hold` false
 * (a clock behind the sweep's: rows it needs may be gone) sends the read to TOP_FROM_FAULTS_SQL.
 */
const TOP_FROM_COUNTS_SQL = `
  WITH fresh AS (SELECT leaves_before <= $2 AS counts_hold FROM fault_top_watermark LIMIT 1),
  adjusted AS (
    SELECT resource_id, sum(n) AS n FROM (
      SELECT resource_id, occurrences AS n FROM fault_top_deltas WHERE customer_id = $1
      UNION ALL
      SELECT resource_id, -occurrences FROM fault_top_window WHERE customer_id = $1 AND leaves_at <= $2
    ) a GROUP BY resource_id
  ),
  candidates AS (
    SELECT resource_id FROM (
      SELECT resource_id FROM fault_top_counts WHERE customer_id = $1
      ORDER BY occurrences DESC, resource_id LIMIT $5 + (SELECT count(*) FROM adjusted)
    ) c
    UNION SELECT resource_id FROM adjusted
  ),
  top AS (
    SELECT resource_id, count FROM (
      SELECT k.resource_id,
             COALESCE((SELECT c.occurrences FROM fault_top_counts c WHERE c.customer_id = $1 AND c.resource_id = k.resource_id), 0)
               + COALESCE((SELECT a.n FROM adjusted a WHERE a.resource_id = k.resource_id), 0) AS count
      FROM candidates k
    ) counted
    WHERE count > 0 AND (SELECT counts_hold FROM fresh) ORDER BY count DESC, resource_id LIMIT $5
  )
  SELECT fresh.counts_hold, t.* FROM fresh LEFT JOIN (
    SELECT top.resource_id AS top_resource_id, top.count AS top_count, ${FAULT_COLUMNS}
    FROM top CROSS JOIN LATERAL (
      SELECT * FROM faults f
      WHERE f.customer_id = $1 AND f.resource_id = top.resource_id AND f.created_at >= $3 AND f.ttl > $4
      ORDER BY f.created_at DESC, f.id DESC LIMIT $6
    ) f
  ) t ON true
  ORDER BY t.top_count DESC, t.top_resource_id, t.created_at DESC, t.id DESC`;

/** The ranking from the faults themselves: the aggregate of the window, then each resource's newest faults. */
const TOP_FROM_FAULTS_SQL = `
  WITH top AS (
    SELECT resource_id, sum(occurrences) AS count FROM faults
    WHERE customer_id = $1 AND created_at >= $2 AND ttl > $3
    GROUP BY resource_id ORDER BY sum(occurrences) DESC, resource_id LIMIT $4
  )
  SELECT true AS counts_hold, top.resource_id AS top_resource_id, top.count AS top_count, ${FAULT_COLUMNS}
  FROM top CROSS JOIN LATERAL (
    SELECT * FROM faults f
    WHERE f.customer_id = $1 AND f.resource_id = top.resource_id AND f.created_at >= $2 AND f.ttl > $3
    ORDER BY f.created_at DESC, f.id DESC LIMIT $5
  ) f
  ORDER BY top.count DESC, top.resource_id, f.created_at DESC, f.id DESC`;

/**
 * One batch of the sweep, in one statement: forgets up to $2 window rows that left by the cutoff ($1),
 * earliest first, and folds up to $2 pending deltas, each skipping rows another transaction holds (a
 * writer changing that fault, another instance's sweep): it never waits on them. Both go into the
 * counters as one sum per counter, taken in key order (two sweeps side by side wait, never cycle).
 */
const SWEEP_SQL = `
  WITH forgotten AS (
    DELETE FROM fault_top_window w WHERE (w.customer_id, w.fault_id) IN (
      SELECT customer_id, fault_id FROM fault_top_window WHERE leaves_at <= $1 ORDER BY leaves_at LIMIT $2 FOR UPDATE SKIP LOCKED
    ) RETURNING w.customer_id, w.resource_id, -w.occurrences AS n
  ), folded AS (
    DELETE FROM fault_top_deltas d WHERE (d.customer_id, d.id) IN (
      SELECT customer_id, id FROM fault_top_deltas LIMIT $2 FOR UPDATE SKIP LOCKED
    ) RETURNING d.customer_id, d.resource_id, d.occurrences AS n
  ), sums AS (
    SELECT customer_id, resource_id, sum(n) AS n FROM (SELECT * FROM forgotten UNION ALL SELECT * FROM folded) x GROUP BY customer_id, resource_id
  ), applied AS (
    INSERT INTO fault_top_counts AS c (customer_id, resource_id, occurrences)
    SELECT customer_id, resource_id, n FROM sums ORDER BY customer_id, resource_id
    ON CONFLICT (customer_id, resource_id) DO UPDATE SET occurrences = c.occurrences + EXCLUDED.occurrences
    RETURNING c.customer_id, c.resource_id, c.occurrences = 0 AS empty
  )
  SELECT (SELECT count(*) FROM forgotten)::int AS forgotten, (SELECT count(*) FROM folded)::int AS folded,
         COALESCE((SELECT array_agg(customer_id) FROM applied WHERE empty), '{}') AS empty_customers,
         COALESCE((SELECT array_agg(resource_id) FROM applied WHERE empty), '{}') AS empty_resources`;

/** GET /fault/top_faults from fault_top_counts (migration 1796800000000); the sweep is sweepTopFaultCounts below. */
@Injectable()
export class TopFaultsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly mapper: FaultRowMapper,
  ) {}

  async topResources(query: TopFaultsQuery): Promise<TopFaultGroup[]> {
    const { customerId, now, since, resources, samples } = query;
    const nowSeconds = Math.floor(now.getTime() / 1000);
    type Row = FaultRow & { counts_hold: boolean; top_resource_id: string | null; top_count: string };
    const rows = await this.dataSource.transaction(async (m) => {
      // No JIT: the planner prices the samples' reads of every partition near jit_above_cost, and
      // compiling took ~100 ms of a 4 ms read (10 M faults, the 2 M tenant).
      await m.query(`SELECT set_config('jit', 'off', true)`);
      const counted = await m.query<Row[]>(TOP_FROM_COUNTS_SQL, [customerId, now, since, nowSeconds, resources, samples]);
      return counted[0].counts_hold ? counted : m.query<Row[]>(TOP_FROM_FAULTS_SQL, [customerId, since, nowSeconds, resources, samples]);
    });
    const result: TopFaultGroup[] = [];
    for (const row of rows) {
      if (row.top_resource_id === null) continue; // the flag's row: nothing counts
      let last = result[result.length - 1];
      if (last?.resourceId !== row.top_resource_id) {
        last = { resourceId: row.top_resource_id, count: Number(row.top_count), faults: [] };
        result.push(last);
      }
      last.faults.push(this.mapper.toFault(row));
    }
    return result;
  }
}

/**
 * One batch of the fault-top-window sweep: moves the watermark to the cutoff (`now`, or the database's clock if that is earlier: an
 * instance whose clock runs ahead must not take rows others still count), forgets up to `limit` rows
 * that left by then, folds up to `limit` deltas and deletes counters that reached 0. Answers the
 * larger of the two counts (a full batch of either: another batch is due).
 */
export async function sweepTopFaultCounts(manager: EntityManager, now: Date, limit: number): Promise<number> {
  const [{ cutoff }] = returnedRows<{ cutoff: Date }>(
    await manager.query(
      `UPDATE fault_top_watermark SET leaves_before = greatest(leaves_before, least($1::timestamptz, now()))
       RETURNING least($1::timestamptz, now()) AS cutoff`,
      [now],
    ),
  );
  const [done] = await manager.query<Array<{ forgotten: number; folded: number; empty_customers: string[]; empty_resources: string[] }>>(SWEEP_SQL, [cutoff, limit]);
  if (done.empty_customers.length > 0) {
    await manager.query(
      `DELETE FROM fault_top_counts c USING unnest($1::varchar[], $2::varchar[]) AS k(customer_id, resource_id)
       WHERE c.customer_id = k.customer_id AND c.resource_id = k.resource_id AND c.occurrences = 0`,
      [done.empty_customers, done.empty_resources],
    );
  }
  return Math.max(done.forgotten, done.folded);
}

/**
 * The sweep's batches, each in its own transaction, until one comes back short: what the service's
 * sweep does within a minute, all at once (the seeder after loading, the benchmark before measuring).
 * Answers how many deltas were folded or rows forgotten.
 */
export async function sweepTopFaultCountsFully(dataSource: DataSource, now: Date, batch = 10_000): Promise<number> {
  let total = 0;
  for (let done = batch; done === batch; total += done) done = await dataSource.transaction((manager) => sweepTopFaultCounts(manager, now, batch));
  return total;
}
