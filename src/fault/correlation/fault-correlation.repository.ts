import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { preparedQueryIn } from '../../database/prepared-query';
import { FaultEntity } from '../entities/fault.entity';
import { FAULT_COLUMNS } from '../core/fault-columns';
import { FaultRowMapper } from '../core/fault-row.mapper';
import { AdoptionCandidate, RootCandidate } from './correlation-rules';

/** SQL of topology correlation; every statement scoped to the tenant. */
@Injectable()
export class FaultCorrelationRepository {
  constructor(private readonly mapper: FaultRowMapper) {}

  /**
   * In one round trip (function fault_correlation_candidates, migration FaultIntelligence): first the
   * tenant's transaction-scoped correlation lock — so a site fault and its devices' faults reported at
   * once see each other in whatever order they commit — then, on a fresh snapshot, the unresolved faults on the reported fault's proper ancestors
   * (faults_open_resource_type_idx), and the unresolved faults below its resource created since `since`
   * with their current root (one range of fault_path_segments_lookup_idx).
   */
  async candidates(
    manager: EntityManager,
    customerId: string,
    ancestors: string[],
    resourceId: string,
    since: Date,
    exceptId: string,
    nowSeconds: number,
  ): Promise<{ roots: RootCandidate[]; below: AdoptionCandidate[] }> {
    const rows = await preparedQueryIn<{
      below: boolean;
      id: string;
      resource_id: string;
      created_at: Date;
      resource_ancestry_path: string | null;
      root_fault_id: string | null;
      root_resource_id: string | null;
      root_status: string | null;
    }>(
      manager,
      `SELECT * FROM fault_correlation_candidates($1, $2::varchar[], $3, $4, $5, $6)`,
      [customerId, ancestors, resourceId, since, exceptId, nowSeconds],
    );
    const roots: RootCandidate[] = [];
    const below: AdoptionCandidate[] = [];
    for (const r of rows) {
      if (r.below) below.push({ id: r.id, resourceAncestryPath: r.resource_ancestry_path, rootFaultId: r.root_fault_id, rootResourceId: r.root_resource_id, rootStatus: r.root_status });
      else roots.push({ id: r.id, resourceId: r.resource_id, createdAt: r.created_at });
    }
    below.sort((x, y) => (x.id < y.id ? -1 : 1));
    return { roots, below };
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
