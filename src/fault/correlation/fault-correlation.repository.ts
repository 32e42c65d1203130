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

  /** Unresolved faults on these resources (faults_open_resource_type_idx), other than `exceptId`. */
  async openOn(manager: EntityManager, customerId: string, resources: string[], exceptId: string, nowSeconds: number): Promise<RootCandidate[]> {
    if (resources.length === 0) return [];
    const rows = await preparedQueryIn<{ id: string; resource_id: string; created_at: Date }>(
      manager,
      `SELECT id, resource_id, created_at FROM faults
       WHERE customer_id = $1 AND status = 'unresolved' AND resource_id = ANY($2::varchar[]) AND id <> $3 AND ttl > $4`,
      [customerId, resources, exceptId, nowSeconds],
    );
    return rows.map((r) => ({ id: r.id, resourceId: r.resource_id, createdAt: r.created_at }));
  }

  /**
   * Unresolved faults of the tenant below `resourceId` (it is a segment of their path, not their own
   * resource) created since `since`, with their current root: one range of fault_path_segments_lookup_idx.
   */
  async openBelow(manager: EntityManager, customerId: string, resourceId: string, since: Date, exceptId: string, nowSeconds: number): Promise<AdoptionCandidate[]> {
    const rows = await preparedQueryIn<{ id: string; resource_ancestry_path: string | null; root_fault_id: string | null; root_resource_id: string | null; root_status: string | null }>(
      manager,
      `SELECT f.id, f.resource_ancestry_path, f.root_fault_id, r.resource_id AS root_resource_id, r.status AS root_status
       FROM fault_path_segments s
       JOIN faults f ON f.id = s.fault_id
       LEFT JOIN faults r ON r.id = f.root_fault_id AND r.customer_id = f.customer_id
       WHERE s.customer_id = $1 AND s.segment = $2 AND s.created_at >= $3 AND f.customer_id = $1 AND f.status = 'unresolved'
         AND f.resource_id <> $2 AND f.id <> $4 AND f.ttl > $5
       ORDER BY f.id`,
      [customerId, resourceId, since, exceptId, nowSeconds],
    );
    return rows.map((r) => ({ id: r.id, resourceAncestryPath: r.resource_ancestry_path, rootFaultId: r.root_fault_id, rootResourceId: r.root_resource_id, rootStatus: r.root_status }));
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
