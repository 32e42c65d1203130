import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { preparedQueryIn } from '../../database/prepared-query';
import { lockTenantScope } from '../../database/tenant-lock';
import { FaultEntity } from '../entities/fault.entity';
import { FAULT_COLUMNS, FaultRepository } from '../fault.repository';
import { AdoptionCandidate, RootCandidate } from './correlation-rules';

/** SQL of topology correlation; every statement scoped to the tenant. */
@Injectable()
export class FaultCorrelationRepository {
  constructor(private readonly faults: FaultRepository) {}

  /**
   * Correlation of the tenant's reports runs one at a time (a transaction-scoped advisory lock), so a
   * site fault and its devices' faults reported at once see each other in whatever order they commit.
   */
  lock(manager: EntityManager, customerId: string): Promise<void> {
    return lockTenantScope(manager, 'fault-correlation', customerId);
  }

  /**
   * In one round trip: the unresolved faults on the reported fault's proper ancestors
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
      `SELECT false AS below, f.id, f.resource_id, f.created_at, NULL::varchar AS resource_ancestry_path, NULL::varchar AS root_fault_id,
              NULL::varchar AS root_resource_id, NULL::varchar AS root_status
       FROM faults f
       WHERE f.customer_id = $1 AND f.status = 'unresolved' AND f.resource_id = ANY($2::varchar[]) AND f.id <> $5 AND f.ttl > $6
       UNION ALL
       SELECT true, f.id, f.resource_id, f.created_at, f.resource_ancestry_path, f.root_fault_id, r.resource_id, r.status
       FROM fault_path_segments s
       JOIN faults f ON f.id = s.fault_id
       LEFT JOIN faults r ON r.id = f.root_fault_id AND r.customer_id = f.customer_id
       WHERE s.customer_id = $1 AND s.segment = $3 AND s.created_at >= $4 AND f.customer_id = $1 AND f.status = 'unresolved'
         AND f.resource_id <> $3 AND f.id <> $5 AND f.ttl > $6`,
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
    return rows.map((row) => this.faults.mapFault(row));
  }
}
