import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { returnedRows } from '../../database/affected-rows';
import { FaultEntity } from '../entities/fault.entity';
import { FAULT_COLUMNS, FaultRow } from './fault-columns';
import { FaultRowMapper } from './fault-row.mapper';

/** State changes of a tenant's faults (PATCH, resolve, bulk actions, delete), and the transaction they run in. */
@Injectable()
export class FaultLifecycleRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly mapper: FaultRowMapper,
  ) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Locks the row for an update inside a transaction. */
  async findByIdForUpdate(manager: EntityManager, customerId: string, id: string, nowSeconds: number): Promise<FaultEntity | null> {
    const rows: FaultRow[] = await manager.query(
      `SELECT ${FAULT_COLUMNS} FROM faults f WHERE f.id = $1 AND f.customer_id = $2 AND f.ttl > $3 FOR UPDATE`,
      [id, customerId, nowSeconds],
    );
    return rows[0] ? this.mapper.toFault(rows[0]) : null;
  }

  async update(manager: EntityManager, fault: FaultEntity): Promise<void> {
    // The full key (ttl too): one partition's index, not every partition's.
    await manager.update(
      FaultEntity,
      { id: fault.id, customerId: fault.customerId, ttl: fault.ttl },
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
    return rows.map((row) => this.mapper.toFault(row)).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
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
        // A live open holder of the key (fault_open_keys; an expired holder gives the key up, as to a report).
        where: `f.status = 'resolved' AND (f.dedup_key IS NULL OR NOT EXISTS (
                  SELECT 1 FROM fault_open_keys o WHERE o.customer_id = f.customer_id AND o.dedup_key = f.dedup_key AND o.fault_ttl > $3))`,
      },
      acknowledge: { sql: `acknowledged_at = $4, acknowledged_by = $5, updated_at = $4`, where: `f.acknowledged_at IS NULL` },
    }[action];
    const [rows]: [FaultRow[], number] = await manager.query(
      `UPDATE faults AS f SET ${set.sql}
       WHERE f.customer_id = $1 AND f.id = ANY($2::varchar[]) AND f.ttl > $3 AND ${set.where}
       RETURNING ${FAULT_COLUMNS}`,
      [customerId, found.map((r) => r.id), nowSeconds, now, ...(action === 'acknowledge' ? [actor] : [])],
    );
    return { found: found.map((r) => r.id), updated: rows.map((row) => this.mapper.toFault(row)) };
  }

  /**
   * Deletes the fault with its comments and path segments (no foreign key cascades into the
   * partitioned faults: the caller's transaction deletes them, as it does the timeline). The
   * children are deleted by the deleted fault's ttl, their partition key: one partition each.
   */
  async delete(customerId: string, id: string, nowSeconds: number, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const [deleted] = returnedRows<{ ttl: string }>(
      await manager.query(`DELETE FROM faults WHERE id = $1 AND customer_id = $2 AND ttl > $3 RETURNING ttl`, [id, customerId, nowSeconds]),
    );
    if (deleted === undefined) return false;
    await manager.query(`DELETE FROM fault_comments WHERE customer_id = $1 AND fault_id = $2 AND fault_ttl = $3`, [customerId, id, deleted.ttl]);
    await manager.query(`DELETE FROM fault_path_segments WHERE customer_id = $1 AND fault_id = $2 AND fault_ttl = $3`, [customerId, id, deleted.ttl]);
    return true;
  }
}
