import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { FaultListFilters, containsPattern } from '../core/fault-list-query';
import { AnalyticsGroup } from './dto/analytics.dto';

export interface AnalyticsRow {
  key: string | null;
  faults: number;
  resolved: number;
  acknowledged: number;
  reopened: number;
  flapping: number;
  mtta_mean: number | null;
  mtta_p50: number | null;
  mtta_p90: number | null;
  mttr_mean: number | null;
  mttr_p50: number | null;
  mttr_p90: number | null;
}

const GROUP_KEYS: Record<AnalyticsGroup, string> = {
  site: `nullif(trim(split_part(f.resource_ancestry_path, '|', 1)), '')`,
  type: 'f.type',
  severity: 'f.severity',
  resource_id: 'f.resource_id',
  none: 'NULL::varchar',
};

/** The durations of one fault, in seconds as double precision (date_part; `extract` yields numeric, slower to sort and average). */
const DURATIONS = `date_part('epoch', f.acknowledged_at - f.created_at) AS tta,
                  CASE WHEN f.status = 'resolved' THEN date_part('epoch', f.resolved_at - f.created_at) END AS ttr`;

/**
 * `none`: one group, so the ordered-set aggregates read the rows directly: one sort per metric.
 * (percentile_cont(ARRAY[0.5, 0.9]) sorts each metric once for both fractions.)
 */
const UNGROUPED = (rows: string): string => `
  SELECT NULL::varchar AS key, count(*) AS faults, count(*) FILTER (WHERE resolved) AS resolved, count(tta) AS acknowledged,
         count(*) FILTER (WHERE reopened) AS reopened, count(*) FILTER (WHERE flapping) AS flapping,
         avg(tta) AS mtta_mean, percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY tta) AS mtta_p,
         avg(ttr) AS mttr_mean, percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY ttr) AS mttr_p
  FROM (${rows}) r
  HAVING count(*) > 0`;

/**
 * Grouped: the rows are hashed by group (counts and each group's durations gathered into two arrays),
 * the 100 largest groups kept, and only their arrays sorted for the percentiles and averaged. An
 * ordered-set aggregate per group would force a sort of every row by group first (PostgreSQL never
 * hashes them), and sort the durations of groups that are then dropped: at 1 M faults over 92 days
 * (387 k rows, 20 k resources) that was 2× the CPU of this.
 */
const GROUPED = (rows: string, limit: string): string => `
  SELECT g.key, g.faults, g.resolved, coalesce(cardinality(g.ttas), 0) AS acknowledged, g.reopened, g.flapping,
         a.mtta_mean, a.mtta_p, b.mttr_mean, b.mttr_p
  FROM (
    SELECT key, count(*) AS faults, count(*) FILTER (WHERE resolved) AS resolved,
           count(*) FILTER (WHERE reopened) AS reopened, count(*) FILTER (WHERE flapping) AS flapping,
           array_agg(tta) FILTER (WHERE tta IS NOT NULL) AS ttas, array_agg(ttr) FILTER (WHERE ttr IS NOT NULL) AS ttrs
    FROM (${rows}) r
    GROUP BY key ORDER BY count(*) DESC, key NULLS LAST LIMIT ${limit}
  ) g
  CROSS JOIN LATERAL (SELECT avg(v) AS mtta_mean, percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY v) AS mtta_p FROM unnest(g.ttas) v) a
  CROSS JOIN LATERAL (SELECT avg(v) AS mttr_mean, percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY v) AS mttr_p FROM unnest(g.ttrs) v) b
  ORDER BY g.faults DESC, g.key NULLS LAST`;

/**
 * By resource, first the counts alone (the groups are many: 20 k resources at 1 M faults, and
 * gathering every group's durations into arrays cost more than the scan), the largest groups kept.
 */
const TOP_COUNTS = (where: string, limit: string): string => `
  SELECT f.resource_id AS key, count(*) AS faults, count(*) FILTER (WHERE f.status = 'resolved') AS resolved, count(f.acknowledged_at) AS acknowledged,
         count(*) FILTER (WHERE f.reopened_at IS NOT NULL) AS reopened, count(*) FILTER (WHERE f.flapping) AS flapping
  FROM faults f WHERE ${where}
  GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT ${limit}`;

/** Then the durations of those groups only, each read through the tenant's index by resource (faults_customer_resource_created_idx). */
const DURATIONS_BY_RESOURCE = (where: string, keys: string): string => `
  SELECT k.key, d.mtta_mean, d.mtta_p, d.mttr_mean, d.mttr_p
  FROM unnest(${keys}::varchar[]) AS k(key)
  CROSS JOIN LATERAL (
    SELECT avg(tta) AS mtta_mean, percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY tta) AS mtta_p,
           avg(ttr) AS mttr_mean, percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY ttr) AS mttr_p
    FROM (SELECT ${DURATIONS} FROM faults f WHERE ${where} AND f.resource_id = k.key) r
  ) d`;

/** A group as the statements answer it (counts and means as text: bigint and double precision). */
interface ResultRow {
  key: string | null;
  faults: string;
  resolved: string;
  acknowledged: string;
  reopened: string;
  flapping: string;
  mtta_mean: string | null;
  mtta_p: number[] | null;
  mttr_mean: string | null;
  mttr_p: number[] | null;
}
type Durations = Pick<ResultRow, 'key' | 'mtta_mean' | 'mtta_p' | 'mttr_mean' | 'mttr_p'>;
type Counts = Omit<ResultRow, keyof Durations> & { key: string };

/**
 * The window and the list filters as a WHERE over `faults f` ($1 tenant, $2/$3 window, $4 now in
 * seconds, then the filters'), built once: each statement adds one parameter of its own after these
 * (`extra`: the number of groups kept, or the resources read).
 */
function windowWhere(customerId: string, from: Date, to: Date, nowSeconds: number, filters: FaultListFilters): { params: unknown[]; where: string; extra: string } {
  const params: unknown[] = [customerId, from, to, nowSeconds];
  const where = whereClause(filters, nowSeconds, (value) => `$${params.push(value)}`);
  return { params, where, extra: `$${params.length + 1}` };
}

/**
 * MTTA/MTTR per group: an index-only range of faults_customer_created_idx, which covers the columns
 * read here (migration FaultAnalyticsCoveringIndex; the window, at most 92 days), the list filters
 * checked per row, grouped and aggregated in PostgreSQL (percentile_cont). By resource, the counts
 * come first and the durations are read for the largest groups only, through the index by
 * resource, as long as those groups hold at most `resourceReadMaxFaults` faults (at 1 M faults the
 * 100 largest of 20 k resources hold about 27 k: 215-276 ms against 358-441 ms for one statement);
 * a tenant with few, large resources gets the one statement (its groups are few, so it is cheap).
 */
@Injectable()
export class FaultAnalyticsRepository {
  /** Above this many faults in the largest groups, reading them resource by resource costs more than one pass over the window. */
  resourceReadMaxFaults = 50_000;

  constructor(private readonly dataSource: DataSource) {}

  async groups(customerId: string, from: Date, to: Date, nowSeconds: number, groupBy: AnalyticsGroup, filters: FaultListFilters, limit: number): Promise<AnalyticsRow[]> {
    const window = windowWhere(customerId, from, to, nowSeconds, filters);
    const rows = `SELECT ${GROUP_KEYS[groupBy]} AS key, f.status = 'resolved' AS resolved, f.reopened_at IS NOT NULL AS reopened, f.flapping, ${DURATIONS}
                  FROM faults f WHERE ${window.where}`;
    const [statement, params] = groupBy === 'none' ? [UNGROUPED(rows), window.params] : [GROUPED(rows, window.extra), [...window.params, limit]];
    // Repeatable read: by resource the counts and the durations are two statements that must see the same faults.
    const result: ResultRow[] = await this.dataSource.transaction('REPEATABLE READ', async (m) => {
      // In one round trip, for this transaction only: work_mem for the sorts and the hash table; no JIT
      // (compiling the expressions cost more than it saved: about 80 ms of a 0.9 s read at 1 M faults);
      // and no sort where a hash will do: the planner prices array_agg's state at 8 kB a group (it
      // cannot know its size), so with thousands of groups it would sort every row by group instead
      // of hashing them (the top-100 sort and the percentiles' own sorts are not plan choices); and no
      // sequential scan: the covering index holds every column read here, but when one tenant is most
      // of the table the planner's default page costs favour reading the whole heap (at 1 M faults
      // 470-490 ms against 280 ms through the index), and on a shared table that means every tenant's rows.
      await m.query(
        `SELECT set_config('work_mem', '64MB', true), set_config('jit', 'off', true), set_config('enable_sort', 'off', true), set_config('enable_seqscan', 'off', true)`,
      );
      if (groupBy === 'resource_id') {
        const byResource = await this.byResource(m, window, limit);
        if (byResource !== undefined) return byResource;
      }
      return m.query(statement, params);
    });
    const num = (v: string | null): number | null => (v === null ? null : Number(v));
    return result.map((r) => ({
      key: r.key,
      faults: Number(r.faults),
      resolved: Number(r.resolved),
      acknowledged: Number(r.acknowledged),
      reopened: Number(r.reopened),
      flapping: Number(r.flapping),
      mtta_mean: num(r.mtta_mean),
      mtta_p50: r.mtta_p?.[0] ?? null,
      mtta_p90: r.mtta_p?.[1] ?? null,
      mttr_mean: num(r.mttr_mean),
      mttr_p50: r.mttr_p?.[0] ?? null,
      mttr_p90: r.mttr_p?.[1] ?? null,
    }));
  }

  /** The largest groups by resource, counted over the window, then their durations resource by resource; undefined when those groups are too large for that. */
  private async byResource(m: EntityManager, window: ReturnType<typeof windowWhere>, limit: number): Promise<ResultRow[] | undefined> {
    const top: Counts[] = await m.query(TOP_COUNTS(window.where, window.extra), [...window.params, limit]);
    if (top.reduce((sum, g) => sum + Number(g.faults), 0) > this.resourceReadMaxFaults) return undefined;
    const keys = top.map((g) => g.key);
    const durations: Durations[] = await m.query(DURATIONS_BY_RESOURCE(window.where, window.extra), [...window.params, keys]);
    // The lateral aggregate answers one row for every resource given, found or not.
    const byKey = new Map(durations.map((d) => [d.key, d]));
    return top.map((g) => ({ ...g, ...byKey.get(g.key)! }));
  }
}

/** The window and the list filters, as a WHERE over `faults f` ($1 tenant, $2/$3 window, $4 now in seconds). */
function whereClause(filters: FaultListFilters, nowSeconds: number, param: (value: unknown) => string): string {
  const where = ['f.customer_id = $1', 'f.created_at >= $2', 'f.created_at < $3', 'f.ttl > $4'];
  if (filters.severity !== undefined) where.push(`f.severity = ${param(filters.severity)}`);
  if (filters.type !== undefined) where.push(`f.type = ${param(filters.type)}`);
  if (filters.resourceId !== undefined) where.push(`f.resource_id = ${param(filters.resourceId)}`);
  if (filters.dedupKey !== undefined) where.push(`f.dedup_key = ${param(filters.dedupKey)}`);
  if (filters.site !== undefined) {
    where.push(`EXISTS (SELECT 1 FROM fault_path_segments s WHERE s.customer_id = f.customer_id AND s.fault_id = f.id AND s.fault_ttl = f.ttl AND s.segment = ${param(filters.site)})`);
  }
  if (filters.q !== undefined) where.push(`(f.message || E'\\n' || coalesce(f.cause, '')) ILIKE ${param(containsPattern(filters.q))}`);
  if (filters.status === 'resolved' || filters.status === 'unresolved') where.push(`f.status = ${param(filters.status)}`);
  if (filters.status === 'recent') where.push(`(f.status = 'unresolved' OR f.created_at >= ${param(new Date(nowSeconds * 1000 - 86_400_000))})`);
  if (filters.acknowledged !== undefined) where.push(filters.acknowledged ? 'f.acknowledged_at IS NOT NULL' : 'f.acknowledged_at IS NULL');
  if (filters.silenced !== undefined) where.push(filters.silenced ? 'f.silenced' : 'NOT f.silenced');
  if (filters.root !== undefined) where.push(filters.root ? 'f.root_fault_id IS NULL' : 'f.root_fault_id IS NOT NULL');
  if (filters.rootFaultId !== undefined) where.push(`f.root_fault_id = ${param(filters.rootFaultId)}`);
  if (filters.flapping !== undefined) where.push(filters.flapping ? 'f.flapping' : 'NOT f.flapping');
  return where.join(' AND ');
}
