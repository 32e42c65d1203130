import { EntityManager } from 'typeorm';

/**
 * Serializes, per tenant, the transactions that check and then change something counted against a
 * per-tenant cap: a transaction-scoped advisory lock on (scope, tenant), released at commit or
 * rollback. Counting and inserting under it is atomic, where a count and an insert in separate
 * statements let 40 concurrent creations through a cap of 25 (each counted before any committed).
 */
export async function lockTenantScope(manager: EntityManager, scope: string, customerId: string): Promise<void> {
  await manager.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [scope, customerId]);
}
