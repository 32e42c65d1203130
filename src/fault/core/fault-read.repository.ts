import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { FaultCommentEntity } from '../entities/fault-comment.entity';
import { affectedRows } from '../../database/affected-rows';
import { preparedQuery, preparedQueryIn } from '../../database/prepared-query';
import { RowMapper, rowMapper } from '../../database/row-mapper';
import { pathSegments } from '../ancestry-path';
import { TopFaultGroup } from '../dto/top-fault.dto';
import { FaultEntity, type FaultSeverity } from '../entities/fault.entity';

export interface FaultListFilters {
  from?: Date;
  to?: Date;
  severity?: FaultSeverity;
  status?: 'unresolved' | 'resolved' | 'recent';
  type?: string;
  resourceId?: string;
  site?: string;
  /** Case-insensitive substring of message or cause (pg_trgm index). */
  q?: string;
  dedupKey?: string;
  acknowledged?: boolean;
  silenced?: boolean;
  /** true: only faults without a root (what a person should act on). */
  root?: boolean;
  rootFaultId?: string;
  flapping?: boolean;
}

export interface KeysetPosition {
  createdAtMicros: bigint;
  id: string;
}

export interface FaultPageQuery {
  customerId: string;
  filters: FaultListFilters;
  /** Rows to fetch (the page size plus one, to know whether there is more). */
  take: number;
  after?: KeysetPosition;
  /** status=recent: resolved faults count when created at or after this instant (microseconds). */
  recentSinceMicros?: bigint;
  /** Faults whose ttl is at or before this (Unix seconds) are expired and never listed. */
  nowSeconds: number;
}

export interface FaultPageRow {
  fault: FaultEntity;
  createdAtMicros: bigint;
}


type FaultRow = Record<string, unknown> & { created_at_micros?: string };

export const FAULT_COLUMNS =
  'f.id, f.customer_id, f.resource_id, f.microservice_id, f.type, f.status, f.severity, f.message, f.cause, ' +
  'f.resource_ancestry_path, f.created_at, f.updated_at, f.resolved_at, f.ttl, f.dedup_key, f.occurrences, ' +
  // NULL on rows older than the lifecycle columns (added without a table rewrite): never repeated, so created_at.
  'coalesce(f.last_occurred_at, f.created_at) AS last_occurred_at, f.acknowledged_at, f.acknowledged_by, f.silenced, ' +
  'f.root_fault_id, f.flapping, f.flapping_since, f.reopened_at, f.escalation_step, f.escalation_base_at, ' +
  // symptom_count: one probe of the partial index faults_customer_root_created_idx (empty for most faults).
  '(SELECT count(*) FROM faults sx WHERE sx.customer_id = f.customer_id AND sx.root_fault_id = f.id)::int AS symptom_count';

/** The text `?q=` searches, exactly as faults_text_trgm_idx indexes it (a query never contains a newline). */
const SEARCH_TEXT = `(f.message || E'\\n' || coalesce(f.cause, ''))`;

/** Severity order of a repeat: LOW < WARNING < MEDIUM < HIGH < CRITICAL. */
const SEVERITY_ORDER = `ARRAY['LOW','WARNING','MEDIUM','HIGH','CRITICAL']::varchar[]`;

/** SQL: the higher of two severities. */
function higherSeverity(current: string, reported: string): string {
  return `CASE WHEN array_position(${SEVERITY_ORDER}, ${reported}::varchar) > array_position(${SEVERITY_ORDER}, ${current}::varchar) THEN ${reported}::varchar ELSE ${current} END`;
}

/**
 * SQL: does an active silence of the tenant match the fault? Reads only the tenant's silences
 * that have not ended (fault_silences_customer_ends_idx); every given matcher must equal.
 */
function silenceMatch(customer: string, now: string, resourceId: string, type: string, segments: string): string {
  const matchers = `(s.site IS NULL OR s.site = ANY(${segments}::varchar[]))
    AND (s.resource_id IS NULL OR s.resource_id = ${resourceId}::varchar) AND (s.type IS NULL OR s.type = ${type}::varchar)`;
  // Recurring silences match through their expanded windows (fault_silence_windows_customer_ends_idx), also one index range.
  return `(EXISTS (SELECT 1 FROM fault_silences s WHERE s.customer_id = ${customer}::varchar AND s.ends_at > ${now}::timestamptz
    AND s.starts_at <= ${now}::timestamptz AND s.schedule_rrule IS NULL AND ${matchers})
    OR EXISTS (SELECT 1 FROM fault_silence_windows w JOIN fault_silences s ON s.id = w.silence_id
      WHERE w.customer_id = ${customer}::varchar AND w.ends_at > ${now}::timestamptz AND w.starts_at <= ${now}::timestamptz AND ${matchers}))`;
}

/** The comments of a page of faults ($2), oldest first; exported so the benchmark's floor (bench/floor.ts) runs this SQL. */
export const FAULT_COMMENTS_SQL = `SELECT id, fault_id, customer_id, user_id, comment, created_at FROM fault_comments
  WHERE customer_id = $1 AND fault_id = ANY($2::varchar[]) ORDER BY fault_id, created_at, id`;

/** `?q=` walks at most this many of the newest faults before it turns to the trigram index. */
export const SEARCH_WALK_ROWS = 2000;

/** `%q%` for ILIKE, with q's own wildcards and escapes taken literally. */
export function containsPattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Microseconds since the epoch → a timestamptz literal PostgreSQL parses without loss. */
export function microsToTimestamp(micros: bigint): string {
  const millis = micros / 1000n;
  const rest = micros % 1000n;
  return new Date(Number(millis)).toISOString().replace(/Z$/, `${rest.toString().padStart(3, '0')}Z`);
}

export function dateToMicros(date: Date): bigint {
  return BigInt(date.getTime()) * 1000n;
}

/**
 * Storage of faults. Every method takes the tenant; there is no lookup by id alone.
 * The list is hand-written SQL so that each filter combination stays one
 * index range read in (created_at, id) order: see docs/faults.md.
 */
@Injectable()
export class FaultRepository {
  private readonly toFault: RowMapper<FaultEntity>;
  private readonly toComment: RowMapper<FaultCommentEntity>;

  constructor(private readonly dataSource: DataSource) {
    const toEntity = rowMapper(dataSource, FaultEntity);
    this.toFault = (row) => {
      const fault = toEntity(row);
      if ('symptom_count' in row) fault.symptomCount = Number(row.symptom_count);
      return fault;
    };
    this.toComment = rowMapper(dataSource, FaultCommentEntity);
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /**
   * Stores a report: one INSERT … ON CONFLICT on faults_open_dedup_key_idx (with an inserted
   * fault's path segments, in the same statement). Without a dedup_key, or when no unresolved
   * fault of the tenant has it, the row is inserted; otherwise the open fault absorbs the report
   * (occurrences + 1, last_occurred_at, severity raised to the higher). Concurrent reports with
   * one key serialize on that unique index, so exactly one row is created. `silenced` is decided
   * here too, from the tenant's active silences (an index range on fault_silences_customer_ends_idx).
   */
  async upsertReport(manager: EntityManager, fault: FaultEntity): Promise<{ fault: FaultEntity; inserted: boolean }> {
    const segments = pathSegments(fault.resourceAncestryPath);
    // One statement: the report, and the path segments (for ?site=) of a fault it inserted. The
    // segments' foreign key is checked at the end of the statement, when the fault row exists; if the
    // report then reopens an older fault instead, deleting this row deletes its segments (cascade).
    const rows = await preparedQueryIn<FaultRow & { inserted: boolean }>(
      manager,
      `WITH reported AS (
         INSERT INTO faults AS f (id, customer_id, resource_id, microservice_id, type, status, severity, message, cause, resource_ancestry_path,
                                  created_at, updated_at, resolved_at, ttl, dedup_key, occurrences, last_occurred_at, silenced)
         VALUES ($1, $2::varchar, $3::varchar, $4, $5::varchar, 'unresolved', $6, $7, $8, $9, $10::timestamptz, $10, NULL, $11, $12, 1, $10, ${silenceMatch('$2', '$10', '$3', '$5', '$13')})
         ON CONFLICT (customer_id, dedup_key) WHERE status = 'unresolved' AND dedup_key IS NOT NULL DO UPDATE SET
           occurrences = f.occurrences + 1,
           last_occurred_at = greatest(coalesce(f.last_occurred_at, f.created_at), EXCLUDED.last_occurred_at),
           severity = ${higherSeverity('f.severity', 'EXCLUDED.severity')},
           updated_at = EXCLUDED.updated_at
         RETURNING ${FAULT_COLUMNS}, (f.xmax = 0) AS inserted
       ), segments AS (
         INSERT INTO fault_path_segments (fault_id, segment, customer_id, created_at)
         SELECT r.id, segment, r.customer_id, r.created_at FROM reported r, unnest($13::varchar[]) AS segment WHERE r.inserted
       )
       SELECT * FROM reported`,
      [
        fault.id,
        fault.customerId,
        fault.resourceId,
        fault.microserviceId,
        fault.type,
        fault.severity,
        fault.message,
        fault.cause,
        fault.resourceAncestryPath,
        fault.createdAt,
        fault.ttl,
        fault.dedupKey,
        segments,
      ],
    );
    return { fault: this.toFault(rows[0]), inserted: rows[0].inserted };
  }

  /** The tenant's newest fault with this key other than `exceptId`, locked: the reopen candidate. */
  async newestWithKeyForUpdate(manager: EntityManager, customerId: string, dedupKey: string, exceptId: string, nowSeconds: number): Promise<FaultEntity | null> {
    const rows: FaultRow[] = await manager.query(
      `SELECT ${FAULT_COLUMNS} FROM faults f
       WHERE f.customer_id = $1 AND f.dedup_key = $2 AND f.id <> $3 AND f.ttl > $4
       ORDER BY f.created_at DESC, f.id DESC LIMIT 1 FOR UPDATE`,
      [customerId, dedupKey, exceptId, nowSeconds],
    );
    return rows[0] ? this.toFault(rows[0]) : null;
  }

  /**
   * Reopens the (locked, resolved) fault `reopenedId` for a report, in place of the fault
   * `insertedId` this transaction just inserted for it. That row is deleted first: it holds the
   * open-key slot, so no concurrent report slips in between, and the reopened row takes the slot
   * over (concurrent reports waiting on it then merge into the reopened fault).
   */
  async reopenInstead(manager: EntityManager, insertedId: string, reopenedId: string, report: FaultEntity): Promise<FaultEntity> {
    await manager.query(`DELETE FROM faults WHERE id = $1 AND customer_id = $2`, [insertedId, report.customerId]);
    const [rows]: [FaultRow[], number] = await manager.query(
      `UPDATE faults AS f SET status = 'unresolved', resolved_at = NULL, occurrences = f.occurrences + 1,
              last_occurred_at = greatest(coalesce(f.last_occurred_at, f.created_at), $3), updated_at = $3,
              severity = ${higherSeverity('f.severity', '$4')}, acknowledged_at = NULL, acknowledged_by = NULL, silenced = $5,
              escalation_step = 0, escalation_base_at = $3
       WHERE f.id = $1 AND f.customer_id = $2
       RETURNING ${FAULT_COLUMNS}`,
      [reopenedId, report.customerId, report.createdAt, report.severity, report.silenced],
    );
    return this.toFault(rows[0]);
  }

  /**
   * Resolves every unresolved fault of the tenant with this dedup_key, or with this resource_id and
   * type (one read of faults_open_dedup_key_idx or faults_open_resource_type_idx).
   */
  async resolveMatching(
    manager: EntityManager,
    customerId: string,
    match: { dedupKey: string } | { resourceId: string; type: string },
    now: Date,
  ): Promise<FaultEntity[]> {
    const where = 'dedupKey' in match ? 'f.dedup_key = $4' : 'f.resource_id = $4 AND f.type = $5';
    const params = 'dedupKey' in match ? [match.dedupKey] : [match.resourceId, match.type];
    const [rows]: [FaultRow[], number] = await manager.query(
      `UPDATE faults AS f SET status = 'resolved', resolved_at = $2, updated_at = $2
       WHERE f.customer_id = $1 AND f.status = 'unresolved' AND f.ttl > $3 AND ${where}
       RETURNING ${FAULT_COLUMNS}`,
      [customerId, now, Math.floor(now.getTime() / 1000), ...params],
    );
    return rows.map((row) => this.toFault(row)).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
  }

  /**
   * One bulk action on the tenant's faults among `ids`; answers the ids it found (changed or
   * already in that state). `unresolve` skips a fault whose dedup_key is already open elsewhere.
   */
  async bulkUpdate(
    manager: EntityManager,
    customerId: string,
    ids: string[],
    action: 'resolve' | 'unresolve' | 'acknowledge',
    now: Date,
    actor: string,
  ): Promise<{ found: string[]; updated: FaultEntity[] }> {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const found: Array<{ id: string }> = await manager.query(
      `SELECT id FROM faults WHERE customer_id = $1 AND id = ANY($2::varchar[]) AND ttl > $3 ORDER BY id FOR UPDATE`,
      [customerId, ids, nowSeconds],
    );
    const set = {
      resolve: { sql: `status = 'resolved', resolved_at = $4, updated_at = $4`, where: `f.status = 'unresolved'` },
      unresolve: {
        sql: `status = 'unresolved', resolved_at = NULL, updated_at = $4, escalation_step = 0, escalation_base_at = $4`,
        where: `f.status = 'resolved' AND (f.dedup_key IS NULL OR NOT EXISTS (
                  SELECT 1 FROM faults o WHERE o.customer_id = f.customer_id AND o.dedup_key = f.dedup_key AND o.status = 'unresolved'))`,
      },
      acknowledge: { sql: `acknowledged_at = $4, acknowledged_by = $5, updated_at = $4`, where: `f.acknowledged_at IS NULL` },
    }[action];
    const [rows]: [FaultRow[], number] = await manager.query(
      `UPDATE faults AS f SET ${set.sql}
       WHERE f.customer_id = $1 AND f.id = ANY($2::varchar[]) AND f.ttl > $3 AND ${set.where}
       RETURNING ${FAULT_COLUMNS}`,
      [customerId, found.map((r) => r.id), nowSeconds, now, ...(action === 'acknowledge' ? [actor] : [])],
    );
    return { found: found.map((r) => r.id), updated: rows.map((row) => this.toFault(row)) };
  }

  /** Whether an active silence of the tenant matches this fault (read with the report). */
  async silenced(manager: EntityManager, fault: FaultEntity): Promise<boolean> {
    const rows: Array<{ silenced: boolean }> = await manager.query(`SELECT ${silenceMatch('$1', '$2', '$3', '$4', '$5')} AS silenced`, [
      fault.customerId,
      fault.createdAt,
      fault.resourceId,
      fault.type,
      pathSegments(fault.resourceAncestryPath),
    ]);
    return rows[0].silenced;
  }

  async findById(customerId: string, id: string, nowSeconds: number, manager: EntityManager = this.dataSource.manager): Promise<FaultEntity | null> {
    const sql = `SELECT ${FAULT_COLUMNS} FROM faults f WHERE f.id = $1 AND f.customer_id = $2 AND f.ttl > $3`;
    const params = [id, customerId, nowSeconds];
    const rows = await preparedQueryIn<FaultRow>(manager, sql, params);
    return rows[0] ? this.toFault(rows[0]) : null;
  }

  /** Locks the row for an update inside a transaction. */
  async findByIdForUpdate(manager: EntityManager, customerId: string, id: string, nowSeconds: number): Promise<FaultEntity | null> {
    const rows: FaultRow[] = await manager.query(
      `SELECT ${FAULT_COLUMNS} FROM faults f WHERE f.id = $1 AND f.customer_id = $2 AND f.ttl > $3 FOR UPDATE`,
      [id, customerId, nowSeconds],
    );
    return rows[0] ? this.toFault(rows[0]) : null;
  }

  async update(manager: EntityManager, fault: FaultEntity): Promise<void> {
    await manager.update(
      FaultEntity,
      { id: fault.id, customerId: fault.customerId },
      {
        severity: fault.severity,
        message: fault.message,
        cause: fault.cause,
        status: fault.status,
        resolvedAt: fault.resolvedAt,
        updatedAt: fault.updatedAt,
        acknowledgedAt: fault.acknowledgedAt,
        acknowledgedBy: fault.acknowledgedBy,
        escalationStep: fault.escalationStep,
        escalationBaseAt: fault.escalationBaseAt,
      },
    );
  }

  /** Maps rows selected with FAULT_COLUMNS (for the rooms of fault/ that write their own SQL). */
  mapFault(row: Record<string, unknown>): FaultEntity {
    return this.toFault(row);
  }

  async delete(customerId: string, id: string, nowSeconds: number, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const result: unknown = await manager.query(`DELETE FROM faults WHERE id = $1 AND customer_id = $2 AND ttl > $3`, [id, customerId, nowSeconds]);
    return affectedRows(result) > 0;
  }

  /** Deletes up to `batch` faults whose ttl has passed (SKIP LOCKED: instances purging at once do not wait on each other). */
  async deleteExpiredBatch(nowSeconds: number, batch: number): Promise<number> {
    const result: unknown = await this.dataSource.query(
      `DELETE FROM faults WHERE id IN (SELECT id FROM faults WHERE ttl <= $1 ORDER BY ttl LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [nowSeconds, batch],
    );
    return affectedRows(result);
  }

  async countComments(manager: EntityManager, customerId: string, faultId: string): Promise<number> {
    const rows = await manager.query<Array<{ n: number }>>('SELECT count(*)::int AS n FROM fault_comments WHERE customer_id = $1 AND fault_id = $2', [customerId, faultId]);
    return rows[0].n;
  }

  async insertComment(manager: EntityManager, comment: FaultCommentEntity): Promise<void> {
    await manager.insert(FaultCommentEntity, comment);
  }

  /** Comments of these faults, oldest first, grouped by fault id. */
  async commentsOf(customerId: string, faultIds: string[], manager: EntityManager = this.dataSource.manager): Promise<Map<string, FaultCommentEntity[]>> {
    const byFault = new Map<string, FaultCommentEntity[]>(faultIds.map((id) => [id, []]));
    if (faultIds.length === 0) return byFault;
    // Hand-written like the list itself: it runs once per page, so the query builder's overhead counts.
    const rows = await preparedQueryIn<Record<string, unknown>>(manager, FAULT_COMMENTS_SQL, [customerId, faultIds]);
    for (const row of rows) {
      const comment = this.toComment(row);
      byFault.get(comment.faultId)?.push(comment);
    }
    return byFault;
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
    return { fault: this.toFault(raw), createdAtMicros: BigInt(raw.created_at_micros!) };
  }

  /**
   * `?q=` in two bounded steps, because neither plan alone is: a frequent term is found at once by
   * walking the newest faults (faults_customer_created_idx), a rare one only by the trigram index
   * (a walk would read the whole tenant). Step 1 walks at most SEARCH_WALK_ROWS of the newest rows
   * after the cursor and keeps the matches; when that fills the page, done. Otherwise step 2 reads
   * the matches older than the last walked row through faults_text_trgm_idx (index scans off for
   * that statement, so the planner cannot walk again) — few by then: the term matched fewer than a
   * page in SEARCH_WALK_ROWS rows. Both steps keep the (created_at, id) order, so paging stays exact.
   */
  private async searchPage(query: FaultPageQuery): Promise<FaultPageRow[]> {
    const { q, ...others } = query.filters;
    const walk = buildListPageSql({ ...query, filters: others, take: SEARCH_WALK_ROWS });
    const qParam = `$${walk.params.length + 1}`;
    const walked: Array<FaultRow & { walk_end: boolean; walked: string }> = await this.dataSource.query(
      `WITH w AS MATERIALIZED (${walk.sql})
       SELECT * FROM (
         (SELECT w.*, false AS walk_end FROM w WHERE (w.message || E'\\n' || coalesce(w.cause, '')) ILIKE ${qParam}
          ORDER BY w.created_at_micros DESC, w.id DESC LIMIT ${query.take})
         UNION ALL
         (SELECT w.*, true AS walk_end FROM w ORDER BY w.created_at_micros, w.id LIMIT 1)
       ) r CROSS JOIN (SELECT count(*) AS walked FROM w) c`,
      [...walk.params, containsPattern(q!)],
    );
    const matches = walked.filter((row) => !row.walk_end).map((row) => this.toPageRow(row));
    const end = walked.find((row) => row.walk_end);
    if (matches.length >= query.take || end === undefined || Number(end.walked) < SEARCH_WALK_ROWS) return matches;
    const rest = buildListPageSql({ ...query, take: query.take - matches.length, after: { createdAtMicros: BigInt(end.created_at_micros!), id: String(end.id) } });
    const older = await this.dataSource.transaction(async (manager) => {
      await manager.query('SET LOCAL enable_indexscan = off');
      return manager.query<FaultRow[]>(rest.sql, rest.params);
    });
    return [...matches, ...older.map((row) => this.toPageRow(row))];
  }

  /**
   * The resources with the most reports since `since` (a fault counts its occurrences: a
   * deduplicated fault that merged 30 repeats weighs as much as 30 plain faults), each with its most recent
   * faults: one grouped range read on the tenant's created_at index, then one
   * short index read per resource.
   */
  async topResources(customerId: string, since: Date, nowSeconds: number, resources: number, samples: number): Promise<TopFaultGroup[]> {
    const rows: Array<FaultRow & { top_resource_id: string; top_count: string }> = await this.dataSource.query(
      `WITH top AS (
         SELECT resource_id, sum(occurrences) AS count FROM faults
         WHERE customer_id = $1 AND created_at >= $2 AND ttl > $3
         GROUP BY resource_id ORDER BY sum(occurrences) DESC, resource_id LIMIT $4
       )
       SELECT top.resource_id AS top_resource_id, top.count AS top_count, ${FAULT_COLUMNS}
       FROM top CROSS JOIN LATERAL (
         SELECT * FROM faults f
         WHERE f.customer_id = $1 AND f.resource_id = top.resource_id AND f.created_at >= $2 AND f.ttl > $3
         ORDER BY f.created_at DESC, f.id DESC LIMIT $5
       ) f
       ORDER BY top.count DESC, top.resource_id, f.created_at DESC, f.id DESC`,
      [customerId, since, nowSeconds, resources, samples],
    );
    const result: TopFaultGroup[] = [];
    for (const row of rows) {
      let last = result[result.length - 1];
      if (last?.resourceId !== row.top_resource_id) {
        last = { resourceId: row.top_resource_id, count: Number(row.top_count), faults: [] };
        result.push(last);
      }
      last.faults.push(this.toFault(row));
    }
    return result;
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

/**
 * The list query: the keyset condition and every filter on the index that
 * serves it. `site` reads fault_path_segments (customer_id, segment, created_at,
 * fault_id) and joins the fault by primary key; `recent` is two ordered reads
 * merged (an OR would read every resolved fault of the tenant).
 */
export function buildListPageSql(query: FaultPageQuery): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const { filters } = query;
  const bySite = filters.site !== undefined;
  const createdAt = bySite ? 's.created_at' : 'f.created_at';
  const id = bySite ? 's.fault_id' : 'f.id';
  const tenant = param(query.customerId);
  const common: string[] = [`f.customer_id = ${tenant}`, `f.ttl > ${param(query.nowSeconds)}`];
  if (bySite) common.push(`s.customer_id = ${tenant}`, `s.segment = ${param(filters.site)}`);
  if (filters.severity !== undefined) common.push(`f.severity = ${param(filters.severity)}`);
  if (filters.type !== undefined) common.push(`f.type = ${param(filters.type)}`);
  if (filters.resourceId !== undefined) common.push(`f.resource_id = ${param(filters.resourceId)}`);
  if (filters.dedupKey !== undefined) common.push(`f.dedup_key = ${param(filters.dedupKey)}`);
  if (filters.q !== undefined) common.push(`${SEARCH_TEXT} ILIKE ${param(containsPattern(filters.q))}`);
  // Written as the predicates of the partial indexes (faults_customer_acknowledged/silenced_created_idx).
  if (filters.acknowledged !== undefined) common.push(filters.acknowledged ? 'f.acknowledged_at IS NOT NULL' : 'f.acknowledged_at IS NULL');
  if (filters.silenced !== undefined) common.push(filters.silenced ? 'f.silenced' : 'NOT f.silenced');
  // faults_customer_root_created_idx / faults_customer_flapping_created_idx (partial, in keyset order).
  if (filters.rootFaultId !== undefined) common.push(`f.root_fault_id = ${param(filters.rootFaultId)}`);
  if (filters.root !== undefined) common.push(filters.root ? 'f.root_fault_id IS NULL' : 'f.root_fault_id IS NOT NULL');
  if (filters.flapping !== undefined) common.push(filters.flapping ? 'f.flapping' : 'NOT f.flapping');
  if (filters.from !== undefined) common.push(`${createdAt} >= ${param(filters.from.toISOString())}::timestamptz`);
  if (filters.to !== undefined) common.push(`${createdAt} < ${param(filters.to.toISOString())}::timestamptz`);
  if (query.after !== undefined) {
    common.push(`(${createdAt}, ${id}) < (${param(microsToTimestamp(query.after.createdAtMicros))}::timestamptz, ${param(query.after.id)})`);
  }
  const take = param(query.take);
  const source = bySite ? 'fault_path_segments s JOIN faults f ON f.id = s.fault_id' : 'faults f';
  const select = (extra: string[]): string =>
    `SELECT ${FAULT_COLUMNS}, (extract(epoch FROM ${createdAt}) * 1000000)::bigint AS created_at_micros ` +
    `FROM ${source} WHERE ${[...common, ...extra].join(' AND ')} ORDER BY ${createdAt} DESC, ${id} DESC LIMIT ${take}`;

  switch (filters.status) {
    case undefined:
      return { sql: select([]), params };
    case 'resolved':
    case 'unresolved':
      return { sql: select([`f.status = ${param(filters.status)}`]), params };
    case 'recent': {
      const since = param(microsToTimestamp(query.recentSinceMicros ?? 0n));
      const sql =
        `SELECT * FROM ((${select([`f.status = 'unresolved'`])}) UNION ALL ` +
        `(${select([`f.status = 'resolved'`, `${createdAt} >= ${since}::timestamptz`])})) u ` +
        `ORDER BY u.created_at_micros DESC, u.id DESC LIMIT ${take}`;
      return { sql, params };
    }
  }
}
