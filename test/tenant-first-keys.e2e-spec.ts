import { migratedScratchDatabase } from './support/migrated-database';

/**
 * Tenant-first keys (docs/scaling.md): on a fully migrated database, every primary key and unique
 * index of a table holding `customer_id` leads with it, so the table can be distributed by tenant.
 * Exceptions by nature: a one-column lookup by a credential hash or a short code (global by design).
 * NOT_YET lists the tables whose keys have not been moved yet, by name, so the list can only shrink:
 * the test fails when a table outside it breaks the rule, and when a listed table no longer does.
 */
const CREDENTIAL_LOOKUPS = new Set(['fault_access_tokens_code_hash_key', 'fault_access_tokens_token_hash_key', 'uq_vault_item_api_key_hash', 'uq_vault_item_previous_api_key_hash']);
const NOT_YET = new Set<string>([]);

interface KeyIndex {
  table: string;
  index: string;
  definition: string;
}

describe('tenant-first keys', () => {
  const db = migratedScratchDatabase('tenantkeys');

  it('every primary key and unique index of a tenant-owned table leads with customer_id', async () => {
    // Parents only: a partition's indexes are its parent's.
    const keys = await db.ds.query<KeyIndex[]>(
      `SELECT i.tablename AS table, i.indexname AS index, i.indexdef AS definition
       FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname JOIN pg_index x ON x.indexrelid = c.oid
       JOIN pg_class t ON t.oid = x.indrelid
       WHERE i.schemaname = 'public' AND x.indisunique AND NOT t.relispartition
         AND EXISTS (SELECT 1 FROM information_schema.columns col WHERE col.table_schema = 'public' AND col.table_name = i.tablename AND col.column_name = 'customer_id')
       ORDER BY 1, 2`,
    );
    expect(keys.length).toBeGreaterThan(10);
    const leadsWithTenant = (k: KeyIndex): boolean => /\(customer_id[,)]/.test(k.definition.replace(/"/g, ''));
    const breaking = keys.filter((k) => !leadsWithTenant(k) && !CREDENTIAL_LOOKUPS.has(k.index));
    expect(breaking.filter((k) => !NOT_YET.has(k.table)).map((k) => k.definition)).toEqual([]);
    const stillListed = [...NOT_YET].filter((table) => breaking.some((k) => k.table === table));
    expect(stillListed).toEqual([...NOT_YET]);
    // The partitioned tables' keys carry the tenant first, then the row, then the partition key.
    expect(keys.find((k) => k.index === 'pk_events')?.definition).toMatch(/\(customer_id, id, created_at\)/);
    expect(keys.find((k) => k.index === 'pk_webhook_deliveries')?.definition).toMatch(/\(customer_id, id, created_at\)/);
    expect(keys.find((k) => k.index === 'fault_timeline_pkey')?.definition).toMatch(/\(customer_id, fault_id, at, id, fault_expires_at\)/);
    expect(keys.find((k) => k.index === 'fault_idempotency_keys_pkey')?.definition).toMatch(/\(customer_id, key, created_at\)/);
    expect(keys.find((k) => k.index === 'faults_pkey')?.definition).toMatch(/\(customer_id, id, ttl\)/);
    // One open fault per (tenant, dedup_key): the unpartitioned open-keys table's key, tenant first.
    expect(keys.find((k) => k.index === 'fault_open_keys_pkey')?.definition).toMatch(/\(customer_id, dedup_key\)/);
    expect(keys.find((k) => k.index === 'faults_open_dedup_key_idx')).toBeUndefined();
    const partitioned = await db.ds.query<Array<{ name: string }>>(
      `SELECT relname AS name FROM pg_class WHERE relkind = 'p' AND relname IN ('faults', 'fault_timeline', 'fault_idempotency_keys', 'fault_open_keys') ORDER BY 1`,
    );
    expect(partitioned.map((t) => t.name)).toEqual(['fault_idempotency_keys', 'fault_timeline', 'faults']);
    expect(keys.find((k) => k.index === 'pk_vault_event')?.definition).toMatch(/\(customer_id, id, created_at\)/);
  });
});
