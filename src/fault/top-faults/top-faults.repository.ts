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
 * The ranking, in one statement (one snapshot). When the watermark is at or before `now` ($2), from the
 * counts: a resource counts its folded counter, plus its pending deltas, less its rows that left the
 * window since the sweep last ran (leaves_at at or before $2). Only the k resources with a delta or
 * a left row can differ from their counter, so the exact top 10 lies among those k and the first
 * 10 + k counters: of those, at least 10 are unadjusted, and each counts at least as much as any
 * resource further down (whose count is its counter). Otherwise (a clock behind the sweep's: rows it
 * needs may be gone) from the faults themselves, the aggregate of the window. Each branch runs only
 * when its condition holds (a one-time filter). Then each resource's newest faults of the window, one
 * short read of its resource index each.
 */
const TOP_FAULTS_SQL = `
  WITH fresh AS (SELECT leaves_before <= $2 AS counts_hold FROM fault_top_watermark),
  adjusted AS (
    SELECT resource_id, sum(n) AS n FROM (
      SELECT resource_id, occurrences AS n FROM fault_top_deltas WHERE customer_id = $1 AND (SELECT counts_hold FROM fresh)
      UNION ALL
      SELECT resource_id, -occurrences FROM fault_top_window WHERE customer_id = $1 AND leaves_at <= $2 AND (SELECT counts_hold FROM fresh)
    ) a GROUP BY resource_id
  ),
  candidates AS (
    SELECT resource_id FROM (
      SELECT resource_id FROM fault_top_counts WHERE customer_id = $1 AND (SELECT counts_hold FROM fresh)
      ORDER BY occurrences DESC, resource_id LIMIT $5 + (SELECT count(*) FROM adjusted)
    ) c
    UNION SELECT resource_id FROM adjusted
  ),
  from_counts AS (
    SELECT k.resource_id, COALESCE(c.occurrences, 0) + COALESCE(a.n, 0) AS count
    FROM candidates k
    LEFT JOIN fault_top_counts c ON c.customer_id = $1 AND c.resource_id = k.resource_id
    LEFT JOIN adjusted a ON a.resource_id = k.resource_id
  ),
  from_faults AS (
    SELECT resource_id, sum(occurrences) AS count FROM faults
    WHERE customer_id = $1 AND created_at >= $3 AND ttl > $4 AND NOT (SELECT counts_hold FROM fresh)
    GROUP BY resource_id
  ),
  top AS (
    SELECT resource_id, count FROM (SELECT * FROM from_counts UNION ALL SELECT * FROM from_faults) ranked
    WHERE count > 0 ORDER BY count DESC, resource_id LIMIT $5
  )
  SELECT top.resource_id AS top_resource_id, top.count AS top_count, ${FAULT_COLUMNS}
  FROM top CROSS JOIN LATERAL (
    SELECT * FROM faults f
    WHERE f.customer_id = $1 AND f.resource_id = top.resource_id AND f.created_at >= $3 AND f.ttl > $4
    ORDER BY f.created_at DESC, f.id DESC LIMIT $6
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
    const rows: Array<FaultRow & { top_resource_id: string; top_count: string }> = await this.dataSource.query(TOP_FAULTS_SQL, [
      query.customerId,
      query.now,
      query.since,
      Math.floor(query.now.getTime() / 1000),
      query.resources,
      query.samples,
    ]);
    const result: TopFaultGroup[] = [];
    for (const row of rows) {
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
 * One batch of the fault-top-window sweep (also run by the seeder, as the sweep would within a
 * minute): moves the watermark to the cutoff (`now`, or the database's clock if that is earlier: an
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
