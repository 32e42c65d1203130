import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { affectedRows } from '../../database/affected-rows';
import { KeyRef, KmsProviderName, WrappedKey } from '../../kms/kms-provider.interface';

/** A tenant key as stored: wrapped by the KMS provider, or destroyed (no bytes left). */
export interface StoredTenantKey {
  customerId: string;
  keyId: string;
  /** Null once destroyed. */
  wrapped: WrappedKey | null;
  destroyedAt: Date | null;
}

/** A `vault_tenant_key` row as PostgreSQL returns it (the crypto-shredding spec reads its raw copies too). */
export interface TenantKeyRow {
  customer_id: string;
  key_id: string;
  kms_provider: string | null;
  kms_key_id: string | null;
  kms_key_version: string | null;
  wrapped_key: Buffer | null;
  destroyed_at: Date | null;
}

function toStored(r: TenantKeyRow): StoredTenantKey {
  return {
    customerId: r.customer_id,
    keyId: r.key_id,
    wrapped:
      r.wrapped_key === null || r.destroyed_at !== null
        ? null
        : { provider: r.kms_provider as KmsProviderName, keyId: r.kms_key_id ?? '', keyVersion: r.kms_key_version ?? '', ciphertext: r.wrapped_key },
    destroyedAt: r.destroyed_at,
  };
}

const COLUMNS = 'customer_id, key_id, kms_provider, kms_key_id, kms_key_version, wrapped_key, destroyed_at';

/** Storage of the tenant keys (`vault_tenant_key`): one row per tenant, ever. Not an injectable: the CLI commands build it too. */
@Injectable()
export class TenantKeyRepository {
  constructor(private readonly dataSource: DataSource) {}

  async find(customerId: string): Promise<StoredTenantKey | null> {
    const rows = await this.dataSource.query<TenantKeyRow[]>(`SELECT ${COLUMNS} FROM vault_tenant_key WHERE customer_id = $1`, [customerId]);
    return rows.length === 0 ? null : toStored(rows[0]);
  }

  /**
   * Stores a new tenant's key unless the tenant has one already (or had one, destroyed):
   * two first writes of one tenant race here and both read back the one row that won.
   */
  async insertIfAbsent(customerId: string, keyId: string, wrapped: WrappedKey, at: Date): Promise<StoredTenantKey> {
    await this.dataSource.query(
      `INSERT INTO vault_tenant_key (customer_id, key_id, kms_provider, kms_key_id, kms_key_version, wrapped_key, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (customer_id) DO NOTHING`,
      [customerId, keyId, wrapped.provider, wrapped.keyId, wrapped.keyVersion, wrapped.ciphertext, at],
    );
    return (await this.find(customerId))!;
  }

  /**
   * Destroys the tenant's key: the wrapped bytes are overwritten with NULL and `destroyed_at` set.
   * A tenant that never had a key gets a destroyed row, so none can be created for it later.
   */
  async destroy(m: EntityManager, customerId: string, at: Date, placeholderKeyId: string): Promise<void> {
    await m.query(
      `INSERT INTO vault_tenant_key (customer_id, key_id, created_at, destroyed_at) VALUES ($1, $2, $3, $3)
       ON CONFLICT (customer_id) DO UPDATE SET wrapped_key = NULL, kms_provider = NULL, kms_key_id = NULL, kms_key_version = NULL,
         destroyed_at = COALESCE(vault_tenant_key.destroyed_at, EXCLUDED.destroyed_at)`,
      [customerId, placeholderKeyId, at],
    );
  }

  /** Live tenant keys not wrapped by `key`. */
  async countNotOnKey(key: KeyRef): Promise<number> {
    const [{ count }] = await this.dataSource.query<Array<{ count: string }>>(
      `SELECT count(*) AS count FROM vault_tenant_key WHERE wrapped_key IS NOT NULL AND (kms_provider, kms_key_id, kms_key_version) IS DISTINCT FROM ($1, $2, $3)`,
      [key.provider, key.keyId, key.keyVersion],
    );
    return Number(count);
  }

  /** The next `limit` live tenant keys (by tenant, after `afterCustomerId`) not wrapped by `key`. */
  async notOnKey(key: KeyRef, afterCustomerId: string, limit: number): Promise<StoredTenantKey[]> {
    const rows = await this.dataSource.query<TenantKeyRow[]>(
      `SELECT ${COLUMNS} FROM vault_tenant_key
       WHERE wrapped_key IS NOT NULL AND destroyed_at IS NULL AND (kms_provider, kms_key_id, kms_key_version) IS DISTINCT FROM ($1, $2, $3) AND customer_id > $4
       ORDER BY customer_id LIMIT $5`,
      [key.provider, key.keyId, key.keyVersion, afterCustomerId, limit],
    );
    return rows.map(toStored);
  }

  /** Swaps wrapped tenant keys in one transaction, each guarded by the bytes read (a destroy meanwhile wins). */
  async replaceWrapped(updates: Array<{ row: StoredTenantKey; wrapped: WrappedKey }>): Promise<{ replaced: number; changed: number }> {
    return this.dataSource.transaction(async (m) => {
      let replaced = 0;
      for (const { row, wrapped } of updates) {
        const result: unknown = await m.query(
          `UPDATE vault_tenant_key SET kms_provider = $2, kms_key_id = $3, kms_key_version = $4, wrapped_key = $5
           WHERE customer_id = $1 AND destroyed_at IS NULL AND wrapped_key = $6`,
          [row.customerId, wrapped.provider, wrapped.keyId, wrapped.keyVersion, wrapped.ciphertext, row.wrapped!.ciphertext],
        );
        if (affectedRows(result) === 1) replaced++;
      }
      return { replaced, changed: updates.length - replaced };
    });
  }

  /** Live tenant keys per wrapping key, for the startup report. */
  async keysPerKey(): Promise<Array<{ provider: string; keyId: string; keyVersion: string; count: number }>> {
    const rows = await this.dataSource.query<Array<{ kms_provider: string; kms_key_id: string; kms_key_version: string; count: number }>>(
      `SELECT kms_provider, kms_key_id, kms_key_version, count(*)::int AS count FROM vault_tenant_key WHERE wrapped_key IS NOT NULL GROUP BY 1, 2, 3`,
    );
    return rows.map((r) => ({ provider: r.kms_provider, keyId: r.kms_key_id, keyVersion: r.kms_key_version, count: r.count }));
  }
}
