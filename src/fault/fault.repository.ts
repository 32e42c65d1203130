import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { FaultCommentEntity } from './entities/fault-comment.entity';
import { FaultPathSegmentEntity } from './entities/fault-path-segment.entity';
import { preparedQuery } from '../database/prepared-query';
import { FaultEntity, type FaultSeverity, type FaultStatus } from './entities/fault.entity';

export interface FaultListFilters {
  from?: Date;
  to?: Date;
  severity?: FaultSeverity;
  status?: 'unresolved' | 'resolved' | 'recent';
  type?: string;
  resourceId?: string;
  site?: string;
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

export interface TopFaultRow {
  resourceId: string;
  count: number;
  faults: FaultEntity[];
}

interface RawFault {
  id: string;
  customer_id: string;
  resource_id: string;
  microservice_id: string;
  type: string;
  status: FaultStatus;
  severity: FaultSeverity;
  message: string;
  cause: string | null;
  resource_ancestry_path: string | null;
  created_at: Date;
  updated_at: Date;
  resolved_at: Date | null;
  ttl: string;
  created_at_micros?: string;
}

const FAULT_COLUMNS =
  'f.id, f.customer_id, f.resource_id, f.microservice_id, f.type, f.status, f.severity, f.message, f.cause, ' +
  'f.resource_ancestry_path, f.created_at, f.updated_at, f.resolved_at, f.ttl';

/** Microseconds since the epoch → a timestamptz literal PostgreSQL parses without loss. */
export function microsToTimestamp(micros: bigint): string {
  const millis = micros / 1000n;
  const rest = micros % 1000n;
  return new Date(Number(millis)).toISOString().replace(/Z$/, `${rest.toString().padStart(3, '0')}Z`);
}

export function dateToMicros(date: Date): bigint {
  return BigInt(date.getTime()) * 1000n;
}

function toEntity(raw: RawFault): FaultEntity {
  const fault = new FaultEntity();
  fault.id = raw.id;
  fault.customerId = raw.customer_id;
  fault.resourceId = raw.resource_id;
  fault.microserviceId = raw.microservice_id;
  fault.type = raw.type;
  fault.status = raw.status;
  fault.severity = raw.severity;
  fault.message = raw.message;
  fault.cause = raw.cause;
  fault.resourceAncestryPath = raw.resource_ancestry_path;
  fault.createdAt = raw.created_at;
  fault.updatedAt = raw.updated_at;
  fault.resolvedAt = raw.resolved_at;
  fault.ttl = Number(raw.ttl);
  return fault;
}

/** The segments of a pipe-separated ancestry path, trimmed, without empties or repeats. */
export function pathSegments(path: string | null): string[] {
  if (path === null) return [];
  return [...new Set(path.split('|').map((s) => s.trim()).filter((s) => s.length > 0))];
}

/**
 * Storage of faults. Every method takes the tenant; there is no lookup by id alone.
 * The list is hand-written SQL so that each filter combination stays one
 * index range read in (created_at, id) order: see docs/faults.md.
 */
@Injectable()
export class FaultRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** A read: on a prepared statement outside a transaction, on the transaction's connection inside one. */
  private read<T>(manager: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
    return manager === this.dataSource.manager ? preparedQuery<T>(this.dataSource, sql, params) : manager.query<T[]>(sql, params);
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async insert(manager: EntityManager, fault: FaultEntity): Promise<void> {
    await manager.insert(FaultEntity, fault);
    const segments = pathSegments(fault.resourceAncestryPath).map((segment) => ({
      faultId: fault.id,
      segment,
      customerId: fault.customerId,
      createdAt: fault.createdAt,
    }));
    if (segments.length > 0) await manager.insert(FaultPathSegmentEntity, segments);
  }

  async findById(customerId: string, id: string, nowSeconds: number, manager: EntityManager = this.dataSource.manager): Promise<FaultEntity | null> {
    const sql = `SELECT ${FAULT_COLUMNS} FROM faults f WHERE f.id = $1 AND f.customer_id = $2 AND f.ttl > $3`;
    const params = [id, customerId, nowSeconds];
    const rows = await this.read<RawFault>(manager, sql, params);
    return rows[0] ? toEntity(rows[0]) : null;
  }

  /** Locks the row for an update inside a transaction. */
  async findByIdForUpdate(manager: EntityManager, customerId: string, id: string, nowSeconds: number): Promise<FaultEntity | null> {
    const rows: RawFault[] = await manager.query(
      `SELECT ${FAULT_COLUMNS} FROM faults f WHERE f.id = $1 AND f.customer_id = $2 AND f.ttl > $3 FOR UPDATE`,
      [id, customerId, nowSeconds],
    );
    return rows[0] ? toEntity(rows[0]) : null;
  }

  async update(manager: EntityManager, fault: FaultEntity): Promise<void> {
    await manager.update(
      FaultEntity,
      { id: fault.id, customerId: fault.customerId },
      { severity: fault.severity, message: fault.message, cause: fault.cause, status: fault.status, resolvedAt: fault.resolvedAt, updatedAt: fault.updatedAt },
    );
  }

  async delete(customerId: string, id: string, nowSeconds: number): Promise<boolean> {
    // DELETE through query() answers [rows, affected].
    const [, affected]: [unknown[], number] = await this.dataSource.query(`DELETE FROM faults WHERE id = $1 AND customer_id = $2 AND ttl > $3`, [
      id,
      customerId,
      nowSeconds,
    ]);
    return affected > 0;
  }

  async insertComment(manager: EntityManager, comment: FaultCommentEntity): Promise<void> {
    await manager.insert(FaultCommentEntity, comment);
  }

  /** Comments of these faults, oldest first, grouped by fault id. */
  async commentsOf(customerId: string, faultIds: string[], manager: EntityManager = this.dataSource.manager): Promise<Map<string, FaultCommentEntity[]>> {
    const byFault = new Map<string, FaultCommentEntity[]>(faultIds.map((id) => [id, []]));
    if (faultIds.length === 0) return byFault;
    // Hand-written like the list itself: it runs once per page, so the query builder's overhead counts.
    const sql = `SELECT id, fault_id, customer_id, user_id, comment, created_at FROM fault_comments
       WHERE customer_id = $1 AND fault_id = ANY($2::varchar[]) ORDER BY fault_id, created_at, id`;
    type Row = { id: string; fault_id: string; customer_id: string; user_id: string; comment: string; created_at: Date };
    const rows = await this.read<Row>(manager, sql, [customerId, faultIds]);
    for (const row of rows) {
      const comment = new FaultCommentEntity();
      comment.id = row.id;
      comment.faultId = row.fault_id;
      comment.customerId = row.customer_id;
      comment.userId = row.user_id;
      comment.comment = row.comment;
      comment.createdAt = row.created_at;
      byFault.get(row.fault_id)?.push(comment);
    }
    return byFault;
  }

  /** One page in (created_at DESC, id DESC) order after `after`, exact under concurrent inserts. */
  async listPage(query: FaultPageQuery): Promise<FaultPageRow[]> {
    const { sql, params } = buildListPageSql(query);
    const rows = await preparedQuery<RawFault>(this.dataSource, sql, params);
    return rows.map((raw) => ({ fault: toEntity(raw), createdAtMicros: BigInt(raw.created_at_micros!) }));
  }

  /**
   * The resources with the most faults since `since`, each with its most recent
   * faults: one grouped range read on the tenant's created_at index, then one
   * short index read per resource.
   */
  async topResources(customerId: string, since: Date, nowSeconds: number, resources: number, samples: number): Promise<TopFaultRow[]> {
    const rows: Array<RawFault & { top_resource_id: string; top_count: string }> = await this.dataSource.query(
      `WITH top AS (
         SELECT resource_id, count(*) AS count FROM faults
         WHERE customer_id = $1 AND created_at >= $2 AND ttl > $3
         GROUP BY resource_id ORDER BY count(*) DESC, resource_id LIMIT $4
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
    const result: TopFaultRow[] = [];
    for (const row of rows) {
      let last = result[result.length - 1];
      if (last?.resourceId !== row.top_resource_id) {
        last = { resourceId: row.top_resource_id, count: Number(row.top_count), faults: [] };
        result.push(last);
      }
      last.faults.push(toEntity(row));
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
