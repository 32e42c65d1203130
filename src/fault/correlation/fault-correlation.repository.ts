import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { preparedQueryIn } from '../../database/prepared-query';
import { FaultEntity } from '../entities/fault.entity';
import { FAULT_COLUMNS } from '../core/fault-columns';
import { FaultRowMapper } from '../core/fault-row.mapper';
import { AdoptionCandidate, RootCandidate } from './correlation-rules';

/** What fault_correlation_candidates needs besides the fault: its proper ancestors, the adoption window's start, now. */
export interface CandidateInputs {
  ancestors: string[];
  since: Date;
  nowSeconds: number;
}

export interface CorrelationCandidates {
  roots: RootCandidate[];
  below: AdoptionCandidate[];
}

/** A row of fault_correlation_candidates (as read, or as json_agg gives it inside the report's statement: dates as text). */
export interface CandidateRow {
  below: boolean;
  id: string;
  resource_id: string;
  created_at: Date | string;
  resource_ancestry_path: string | null;
  root_fault_id: string | null;
  root_resource_id: string | null;
  root_status: string | null;
}

export function toCandidates(rows: CandidateRow[]): CorrelationCandidates {
  const roots: RootCandidate[] = [];
  const below: AdoptionCandidate[] = [];
  for (const r of rows) {
    if (r.below) below.push({ id: r.id, resourceAncestryPath: r.resource_ancestry_path, rootFaultId: r.root_fault_id, rootResourceId: r.root_resource_id, rootStatus: r.root_status });
    else roots.push({ id: r.id, resourceId: r.resource_id, createdAt: new Date(r.created_at) });
  }
  below.sort((x, y) => (x.id < y.id ? -1 : 1));
  return { roots, below };
}

/**
 * SQL of topology correlation; every statement scoped to the tenant. The candidates of a fault a
 * report inserts are read by the report's own statement (FaultReportRepository.upsertReport), so
 * correlating a new fault costs no round trip; this read serves a reopened fault.
 */
@Injectable()
export class FaultCorrelationRepository {
  constructor(private readonly mapper: FaultRowMapper) {}

  /**
   * In one round trip (function fault_correlation_candidates, migrations FaultIntelligence and
   * CorrelationOpenFaults): first the tenant's transaction-scoped correlation lock — so a site
   * fault and its devices' faults reported at once see each other in whatever order they commit —
   * then, on fresh snapshots, the unresolved faults on its proper ancestors and those below its
   * resource created since `since`, both index ranges of fault_open_paths (the open faults' path
   * segments), and only those below read from `faults` by full key with their current root.
   */
  async candidates(manager: EntityManager, customerId: string, inputs: CandidateInputs, resourceId: string, exceptId: string): Promise<CorrelationCandidates> {
    const rows = await preparedQueryIn<CandidateRow>(manager, `SELECT * FROM fault_correlation_candidates($1, $2::varchar[], $3, $4, $5, $6)`, [
      customerId,
      inputs.ancestors,
      resourceId,
      inputs.since,
      exceptId,
      inputs.nowSeconds,
    ]);
    return toCandidates(rows);
  }

  /** Sets (or clears) the root of these faults of the tenant; answers them as changed. */
  async setRoot(manager: EntityManager, customerId: string, ids: string[], rootFaultId: string | null, now: Date): Promise<FaultEntity[]> {
    if (ids.length === 0) return [];
    const [rows]: [Array<Record<string, unknown>>, number] = await manager.query(
      `UPDATE faults AS f SET root_fault_id = $3, updated_at = $4 WHERE f.customer_id = $1 AND f.id = ANY($2::varchar[]) RETURNING ${FAULT_COLUMNS}`,
      [customerId, ids, rootFaultId, now],
    );
    return rows.map((row) => this.mapper.toFault(row));
  }
}
