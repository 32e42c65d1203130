import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { FaultListFilters, containsPattern } from '../fault.repository';
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

const stats = (name: string, seconds: string, when: string): string =>
  `avg(${seconds}) FILTER (WHERE ${when}) AS ${name}_mean, ` +
  `percentile_cont(0.5) WITHIN GROUP (ORDER BY ${seconds}) FILTER (WHERE ${when}) AS ${name}_p50, ` +
  `percentile_cont(0.9) WITHIN GROUP (ORDER BY ${seconds}) FILTER (WHERE ${when}) AS ${name}_p90`;

/**
 * MTTA/MTTR per group in one statement: a range of faults_customer_created_idx (the window, at most
 * 92 days), the list filters checked per row, grouped and aggregated in PostgreSQL (percentile_cont).
 */
@Injectable()
export class FaultAnalyticsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async groups(customerId: string, from: Date, to: Date, nowSeconds: number, groupBy: AnalyticsGroup, filters: FaultListFilters, limit: number): Promise<AnalyticsRow[]> {
    const params: unknown[] = [customerId, from, to, nowSeconds];
    const param = (value: unknown): string => `$${params.push(value)}`;
    const where = ['f.customer_id = $1', 'f.created_at >= $2', 'f.created_at < $3', 'f.ttl > $4'];
    if (filters.severity !== undefined) where.push(`f.severity = ${param(filters.severity)}`);
    if (filters.type !== undefined) where.push(`f.type = ${param(filters.type)}`);
    if (filters.resourceId !== undefined) where.push(`f.resource_id = ${param(filters.resourceId)}`);
    if (filters.dedupKey !== undefined) where.push(`f.dedup_key = ${param(filters.dedupKey)}`);
    if (filters.site !== undefined) {
      where.push(`EXISTS (SELECT 1 FROM fault_path_segments s WHERE s.customer_id = f.customer_id AND s.fault_id = f.id AND s.segment = ${param(filters.site)})`);
    }
    if (filters.q !== undefined) where.push(`(f.message || E'\\n' || coalesce(f.cause, '')) ILIKE ${param(containsPattern(filters.q))}`);
    if (filters.status === 'resolved' || filters.status === 'unresolved') where.push(`f.status = ${param(filters.status)}`);
    if (filters.status === 'recent') where.push(`(f.status = 'unresolved' OR f.created_at >= ${param(new Date(nowSeconds * 1000 - 86_400_000))})`);
    if (filters.acknowledged !== undefined) where.push(filters.acknowledged ? 'f.acknowledged_at IS NOT NULL' : 'f.acknowledged_at IS NULL');
    if (filters.silenced !== undefined) where.push(filters.silenced ? 'f.silenced' : 'NOT f.silenced');
    if (filters.root !== undefined) where.push(filters.root ? 'f.root_fault_id IS NULL' : 'f.root_fault_id IS NOT NULL');
    if (filters.rootFaultId !== undefined) where.push(`f.root_fault_id = ${param(filters.rootFaultId)}`);
    if (filters.flapping !== undefined) where.push(filters.flapping ? 'f.flapping' : 'NOT f.flapping');
    const tta = 'extract(epoch FROM f.acknowledged_at - f.created_at)';
    const ttr = 'extract(epoch FROM f.resolved_at - f.created_at)';
    const rows: Array<Record<string, string | null>> = await this.dataSource.query(
      `SELECT ${GROUP_KEYS[groupBy]} AS key, count(*) AS faults,
              count(*) FILTER (WHERE f.status = 'resolved') AS resolved,
              count(*) FILTER (WHERE f.acknowledged_at IS NOT NULL) AS acknowledged,
              count(*) FILTER (WHERE f.reopened_at IS NOT NULL) AS reopened,
              count(*) FILTER (WHERE f.flapping) AS flapping,
              ${stats('mtta', tta, 'f.acknowledged_at IS NOT NULL')},
              ${stats('mttr', ttr, `f.status = 'resolved' AND f.resolved_at IS NOT NULL`)}
       FROM faults f WHERE ${where.join(' AND ')}
       GROUP BY 1 ORDER BY count(*) DESC, 1 NULLS LAST LIMIT ${param(limit)}`,
      params,
    );
    const num = (v: string | null): number | null => (v === null ? null : Number(v));
    return rows.map((r) => ({
      key: r.key,
      faults: Number(r.faults),
      resolved: Number(r.resolved),
      acknowledged: Number(r.acknowledged),
      reopened: Number(r.reopened),
      flapping: Number(r.flapping),
      mtta_mean: num(r.mtta_mean),
      mtta_p50: num(r.mtta_p50),
      mtta_p90: num(r.mtta_p90),
      mttr_mean: num(r.mttr_mean),
      mttr_p50: num(r.mttr_p50),
      mttr_p90: num(r.mttr_p90),
    }));
  }
}
