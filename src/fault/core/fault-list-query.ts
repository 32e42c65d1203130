import { FaultEntity, type FaultSeverity } from '../entities/fault.entity';
import { FAULT_COLUMNS, FAULT_STORED_COLUMNS } from './fault-columns';

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
  /** Leave symptom_count out (`?q=`'s walk reads 2,000 rows to keep a page of them: it counts the kept ones' symptoms only). */
  withoutSymptomCount?: boolean;
}

export interface FaultPageRow {
  fault: FaultEntity;
  createdAtMicros: bigint;
}

/** The text `?q=` searches, exactly as faults_text_trgm_idx indexes it (a query never contains a newline). */
const SEARCH_TEXT = `(f.message || E'\\n' || coalesce(f.cause, ''))`;

/** `?q=` walks at most this many of the newest faults before it turns to the trigram index. */
export const SEARCH_WALK_ROWS = 2000;
/**
 * Then, for a busy tenant, reads the trigram index's matches in windows this many days back from the
 * walk's end, then the rest. Few: each window is a statement planned anew (≈ 3-5 ms), so a term
 * without matches costs that much more than one read would.
 */
export const SEARCH_WINDOW_DAYS = [4, 64];
/** A tenant whose walk covered less time than this is busy: its search reads in windows (a quieter tenant's rows are few: one read). */
export const WINDOWED_WALK_SPAN_MS = 2 * 86_400_000;

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
 * The list query: the keyset condition and every filter on the index that
 * serves it. `site` reads fault_path_segments (customer_id, segment, created_at,
 * fault_id) and joins the fault by its full key (customer_id, id, ttl); `recent` is two ordered reads
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
  // The segment carries its fault's ttl: each segment's fault is read by its full key, one partition
  // (pruned as the loop runs). A lateral probe kept apart by OFFSET 0: as a plain join the planner
  // multiplies the id and ttl clauses' selectivities, expects one row and hashes the tenant's faults.
  const source = bySite
    ? 'fault_path_segments s CROSS JOIN LATERAL (SELECT * FROM faults x WHERE x.customer_id = s.customer_id AND x.id = s.fault_id AND x.ttl = s.fault_ttl OFFSET 0) f'
    : 'faults f';
  const select = (extra: string[]): string =>
    `SELECT ${query.withoutSymptomCount === true ? FAULT_STORED_COLUMNS : FAULT_COLUMNS}, (extract(epoch FROM ${createdAt}) * 1000000)::bigint AS created_at_micros ` +
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
