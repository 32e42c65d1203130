import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { preparedQuery, preparedQueryIn } from '../../database/prepared-query';
import { FaultEntity } from '../entities/fault.entity';
import { FAULT_COLUMNS, FaultRow, symptomCount } from './fault-columns';
import { FaultPageQuery, FaultPageRow, SEARCH_WALK_ROWS, SEARCH_WINDOW_DAYS, WINDOWED_WALK_SPAN_MS, buildListPageSql, containsPattern, dateToMicros } from './fault-list-query';
import { FaultRowMapper } from './fault-row.mapper';

/**
 * Reads of faults: one by id, list pages, the shared dashboard. Every method takes
 * the tenant; there is no lookup by id alone. The list is hand-written SQL so that each filter
 * combination stays one index range read in (created_at, id) order: see docs/faults.md.
 */
@Injectable()
export class FaultReadRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly mapper: FaultRowMapper,
  ) {}

  async findById(customerId: string, id: string, nowSeconds: number, manager: EntityManager = this.dataSource.manager): Promise<FaultEntity | null> {
    const sql = `SELECT ${FAULT_COLUMNS} FROM faults f WHERE f.id = $1 AND f.customer_id = $2 AND f.ttl > $3`;
    const params = [id, customerId, nowSeconds];
    const rows = await preparedQueryIn<FaultRow>(manager, sql, params);
    return rows[0] ? this.mapper.toFault(rows[0]) : null;
  }

  /** One page in (created_at DESC, id DESC) order after `after`, exact under concurrent inserts. */
  async listPage(query: FaultPageQuery): Promise<FaultPageRow[]> {
    const { filters } = query;
    if (filters.q !== undefined && filters.site === undefined && filters.status !== 'recent') return this.searchPage(query);
    const { sql, params } = buildListPageSql(query);
    const rows = await preparedQuery<FaultRow>(this.dataSource, sql, params);
    return rows.map((raw) => this.toPageRow(raw));
  }

  private toPageRow(raw: FaultRow): FaultPageRow {
    return { fault: this.mapper.toFault(raw), createdAtMicros: BigInt(raw.created_at_micros!) };
  }

  /**
   * `?q=` in two bounded steps, because neither plan alone is: a frequent term is found at once by
   * walking the newest faults (faults_customer_created_idx), a rare one only by the trigram index
   * (a walk would read the whole tenant). Step 1 walks at most SEARCH_WALK_ROWS of the newest rows
   * after the cursor and keeps the matches; when that fills the page, done. Otherwise step 2 reads
   * the matches older than the last walked row through faults_text_trgm_idx (index scans off for
   * that statement, so the planner cannot walk again) — few by then: the term matched fewer than a
   * page in SEARCH_WALK_ROWS rows (olderMatches: in windows of time, newest first). Both steps keep
   * the (created_at, id) order, so paging stays exact.
   */
  private async searchPage(query: FaultPageQuery): Promise<FaultPageRow[]> {
    const { q, ...others } = query.filters;
    // The walk leaves symptom_count out (each count probes every partition of faults: ~19 per row,
    // 2,000 rows: 150 ms of a 10 k-fault tenant's search); the page's rows count theirs.
    const walk = buildListPageSql({ ...query, filters: others, take: SEARCH_WALK_ROWS, withoutSymptomCount: true });
    const qParam = `$${walk.params.length + 1}`;
    const walked: Array<FaultRow & { walk_end: boolean; walked: string }> = await this.dataSource.query(
      `WITH w AS MATERIALIZED (${walk.sql})
       SELECT * FROM (
         (SELECT w.*, ${symptomCount('w')}, false AS walk_end FROM w WHERE (w.message || E'\\n' || coalesce(w.cause, '')) ILIKE ${qParam}
          ORDER BY w.created_at_micros DESC, w.id DESC LIMIT ${query.take})
         UNION ALL
         (SELECT w.*, NULL::int AS symptom_count, true AS walk_end FROM w ORDER BY w.created_at_micros, w.id LIMIT 1)
       ) r CROSS JOIN (SELECT count(*) AS walked FROM w) c`,
      [...walk.params, containsPattern(q!)],
    );
    const matches = walked.filter((row) => !row.walk_end).map((row) => this.toPageRow(row));
    const end = walked.find((row) => row.walk_end);
    if (matches.length >= query.take || end === undefined || Number(end.walked) < SEARCH_WALK_ROWS) return matches;
    const older = await this.olderMatches(query, { createdAtMicros: BigInt(end.created_at_micros!), id: String(end.id) }, query.take - matches.length);
    return [...matches, ...older];
  }

  /**
   * Step 2 of `?q=`: the matches older than `after`, through the trigram index, until `take` are
   * found. The index of each partition holds every tenant's rows: one read of all of them fetches and
   * filters every match of every tenant (at 10 M faults, 9,437 buffers for the 2 M tenant's rare
   * word). For a busy tenant (its walk of SEARCH_WALK_ROWS spanned less than WINDOWED_WALK_SPAN_MS)
   * the matches are read in windows of created_at newest first (SEARCH_WINDOW_DAYS back from
   * `after`, then the rest): a window lets the planner AND the trigram bitmap with the tenant's
   * created_at range, so a page found in the newest days reads those days only (659 buffers, 3 ms).
   * Each window is in keyset order and older than the one before: the page stays exact.
   */
  private async olderMatches(query: FaultPageQuery, after: { createdAtMicros: bigint; id: string }, take: number): Promise<FaultPageRow[]> {
    const floor = query.filters.from?.getTime();
    const endMs = Number(after.createdAtMicros / 1000n);
    // The time the walk's rows spanned (from the cursor, or from now, to its end): a tenant whose 2,000 faults took
    // longer is small or quiet enough for one read (each window costs a statement planned anew).
    const walkTopMs = query.after === undefined ? query.nowSeconds * 1000 : Number(query.after.createdAtMicros / 1000n);
    const windowsDays = walkTopMs - endMs < WINDOWED_WALK_SPAN_MS ? SEARCH_WINDOW_DAYS : [];
    return this.dataSource.transaction(async (manager) => {
      // Bitmap reads only, so the planner cannot walk the tenant's range again.
      await manager.query('SET LOCAL enable_indexscan = off');
      const found: FaultPageRow[] = [];
      let upper = after;
      for (const days of [...windowsDays, undefined]) {
        const startMs = days === undefined ? undefined : endMs - days * 86_400_000;
        const last = startMs === undefined || (floor !== undefined && startMs <= floor);
        const from = last ? query.filters.from : new Date(startMs);
        const window = buildListPageSql({ ...query, filters: { ...query.filters, from }, take: take - found.length, after: upper });
        const rows = await manager.query<FaultRow[]>(window.sql, window.params);
        found.push(...rows.map((row) => this.toPageRow(row)));
        if (found.length >= take || last) break;
        // The next window ends where this one began (`from` is inclusive there, so nothing is read twice or skipped).
        upper = { createdAtMicros: dateToMicros(from!), id: '' };
      }
      return found;
    });
  }

  /** Faults for a shared dashboard: unresolved, or created since `since`; newest first. */
  async dashboardFaults(customerId: string, since: Date, nowSeconds: number, limit: number): Promise<FaultEntity[]> {
    const page = await this.listPage({
      customerId,
      filters: { status: 'recent' },
      take: limit,
      recentSinceMicros: dateToMicros(since),
      nowSeconds,
    });
    return page.map((row) => row.fault);
  }
}
