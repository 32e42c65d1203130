import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { returnedRows } from '../database/affected-rows';
import { OffboardingState, TenantOffboarding } from './entities/tenant-offboarding.entity';

/**
 * What the background deletion removes, table by table, in this order (children before parents).
 * A table holds the tenant in `customer_id` unless the step says how to find its rows (`rows`, with
 * the tenant as $1); a new tenant-owned table is one more line here.
 * Kept on purpose: `tenant_offboarding` (the minimal audit of the offboarding itself) and the
 * destroyed `vault_tenant_key` row (no key bytes; it stops a new key from ever being created).
 * `rate_limit_hits` is keyed by caller, not tenant, and expires by itself.
 */
export interface OffboardingStep {
  table: string;
  /** The tenant's rows of the table (default `customer_id = $1`). */
  rows?: string;
}

export const OFFBOARDING_STEPS: readonly OffboardingStep[] = [
  { table: 'vault_expiry_reminders', rows: 'vault_id IN (SELECT id FROM vault_item WHERE customer_id = $1)' },
  { table: 'vault_item_version' },
  { table: 'vault_item' },
  { table: 'vault_event' },
  { table: 'fault_timeline' },
  { table: 'fault_comments' },
  { table: 'fault_path_segments' },
  // Before the faults: their deletes then find no window rows and leave the counters alone.
  { table: 'fault_top_window' },
  { table: 'fault_top_deltas' },
  { table: 'fault_top_counts' },
  { table: 'faults' },
  // Emptied by the triggers faults_open_keys and faults_open_paths_* as the tenant's faults go; anything left (none expected) goes here.
  { table: 'fault_open_keys' },
  { table: 'fault_open_paths' },
  { table: 'fault_access_tokens' },
  { table: 'fault_idempotency_keys' },
  { table: 'fault_silences' },
  { table: 'webhook_deliveries' },
  { table: 'webhooks' },
  { table: 'events' },
];

/** Storage of offboardings and the batched deletion of a tenant's rows. */
@Injectable()
export class TenantOffboardingRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Records the offboarding (once per tenant); the row, new or existing. */
  async record(m: EntityManager, customerId: string, requestedBy: string, at: Date): Promise<TenantOffboarding> {
    await m.query(
      `INSERT INTO tenant_offboarding (customer_id, state, requested_by, requested_at) VALUES ($1, 'deleting', $2, $3) ON CONFLICT (customer_id) DO NOTHING`,
      [customerId, requestedBy, at],
    );
    return (await m.findOneBy(TenantOffboarding, { customerId }))!;
  }

  find(customerId: string): Promise<TenantOffboarding | null> {
    return this.dataSource.getRepository(TenantOffboarding).findOneBy({ customerId });
  }

  /** Dashboard tokens of the tenant stop opening at once (public dashboards and short links too). */
  async revokeAccessTokens(m: EntityManager, customerId: string, at: Date): Promise<void> {
    await m.query('UPDATE fault_access_tokens SET revoked_at = $2 WHERE customer_id = $1 AND revoked_at IS NULL', [customerId, at]);
  }

  /**
   * Offboarded tenants recorded after `afterId`, oldest first (at most 1000), and those of the last
   * minute again: identity values are taken at insert and committed in any order, so a row with a
   * smaller id can become visible after a larger one was read. The table is small (one row per
   * offboarded tenant, ever).
   */
  async offboardedAfter(afterId: string): Promise<Array<{ id: string; customerId: string }>> {
    const rows = await this.dataSource.query<Array<{ id: string; customer_id: string }>>(
      `SELECT id::text AS id, customer_id FROM tenant_offboarding WHERE id > $1 OR requested_at > now() - interval '1 minute' ORDER BY id > $1 DESC, id LIMIT 1000`,
      [afterId],
    );
    return rows.map((r) => ({ id: r.id, customerId: r.customer_id }));
  }

  /** Offboardings whose deletion has not finished (after a restart too), oldest first. */
  async pending(): Promise<Array<{ id: string; customerId: string }>> {
    const rows = await this.dataSource.query<Array<{ id: string; customer_id: string }>>(
      `SELECT id::text AS id, customer_id FROM tenant_offboarding WHERE state = 'deleting' ORDER BY id LIMIT 100`,
    );
    return rows.map((r) => ({ id: r.id, customerId: r.customer_id }));
  }

  /**
   * Deletes up to `limit` of the tenant's rows of one table and counts them in the offboarding's
   * progress, in one statement (one transaction). SKIP LOCKED: instances running it side by side
   * share the rows. Returns how many were deleted.
   * Rows are named by (tableoid, ctid), never by ctid alone: on a partitioned table (events,
   * webhook_deliveries, vault_event) the same ctid exists in every partition, and `ctid = ANY(…)`
   * deleted the row at that position in each of them, other tenants' rows included.
   */
  async deleteBatch(offboardingId: string, customerId: string, step: OffboardingStep, limit: number): Promise<number> {
    const table = step.table;
    const raw = await this.dataSource.query<unknown[]>(
      `WITH gone AS (
         DELETE FROM ${table} WHERE (tableoid, ctid) IN (SELECT tableoid, ctid FROM ${table} WHERE ${step.rows ?? 'customer_id = $1'} LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING 1
       ), n AS (SELECT count(*)::int AS n FROM gone)
       UPDATE tenant_offboarding SET progress = progress || jsonb_build_object($3::text, COALESCE((progress->>$3::text)::bigint, 0) + n.n)
       FROM n WHERE customer_id = $1 AND id = $4 RETURNING n.n`,
      [customerId, limit, table, offboardingId],
    );
    return returnedRows<{ n: number }>(raw)[0]?.n ?? 0;
  }

  /** Whether any row of the tenant is left in a table of OFFBOARDING_STEPS (locked by another run or not). */
  async anyRowLeft(customerId: string): Promise<boolean> {
    const exists = OFFBOARDING_STEPS.map((step) => `EXISTS (SELECT 1 FROM ${step.table} WHERE ${step.rows ?? 'customer_id = $1'})`).join(' OR ');
    const [row] = await this.dataSource.query<Array<{ left: boolean }>>(`SELECT (${exists}) AS left`, [customerId]);
    return row.left;
  }

  async markDone(customerId: string, offboardingId: string, state: OffboardingState, at: Date): Promise<void> {
    await this.dataSource.query('UPDATE tenant_offboarding SET state = $3, completed_at = $4 WHERE customer_id = $1 AND id = $2', [customerId, offboardingId, state, at]);
  }
}
