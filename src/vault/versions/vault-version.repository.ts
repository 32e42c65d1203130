import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { RowMapper, rowMapper } from '../../database/row-mapper';
import { VaultItemVersion } from '../entities/vault-item-version.entity';

/** A stored sealed value (current or older version), as read for opening. */
export type SealedRow = Pick<VaultItemVersion, 'version' | 'encFormat' | 'kmsProvider' | 'kmsKeyId' | 'kmsKeyVersion' | 'wrappedKey' | 'ciphertext'>;

/** One entry of an item's version list. */
export interface VersionInfo {
  version: number;
  createdAt: Date;
  createdBy: string | null;
  current: boolean;
}

/** A new value replacing the current one (PUT with a secret, or restore of a version). */
export interface ValueReplacement {
  /** The version the new value was sealed for is expectedVersion + 1. */
  expectedVersion: number;
  maxVersions: number;
  action: 'update' | 'restore_version';
}

/** The item changed between read and write (another replace won): the caller may retry. */
export class ConcurrentChangeError extends Error {}

/**
 * The kept older values of secrets (`vault_item_version`). Every method is scoped to a tenant's
 * item; a row of vault_item or vault_item_version (same column names) becomes a VaultItemVersion.
 */
@Injectable()
export class VaultVersionRepository {
  private readonly toVersion: RowMapper<VaultItemVersion>;

  constructor(private readonly dataSource: DataSource) {
    this.toVersion = rowMapper(dataSource, VaultItemVersion);
  }

  /**
   * Inside a replace: copies the current value (still sealed, unchanged) into
   * the version table and erases versions beyond the maximum. The row lock
   * makes concurrent replaces take turns; a version that moved meanwhile is a
   * ConcurrentChangeError (the new value was sealed for another version number).
   */
  async keepCurrentAsVersion(m: EntityManager, customerId: string, id: string, replacement: ValueReplacement): Promise<void> {
    const current = await m.query<Array<{ version: number }>>(
      `SELECT version FROM vault_item WHERE customer_id = $1 AND id = $2 AND deleted_at IS NULL AND kind = 'secret' FOR UPDATE`,
      [customerId, id],
    );
    if (current.length === 0) return; // gone: the UPDATE that follows finds nothing and answers null
    if (current[0].version !== replacement.expectedVersion) throw new ConcurrentChangeError();
    await m.query(
      `INSERT INTO vault_item_version (vault_id, version, customer_id, enc_format, kms_provider, kms_key_id, kms_key_version, wrapped_key, ciphertext, created_at, created_by)
       SELECT id, version, customer_id, enc_format, kms_provider, kms_key_id, kms_key_version, wrapped_key, ciphertext, COALESCE(value_created_at, created_at), value_created_by
       FROM vault_item WHERE customer_id = $1 AND id = $2`,
      [customerId, id],
    );
    // The new value becomes expectedVersion + 1; keep maxVersions in all, the current one included.
    await m.query('DELETE FROM vault_item_version WHERE vault_id = $1 AND version <= $2', [id, replacement.expectedVersion + 1 - replacement.maxVersions]);
  }

  /** The item's versions, newest (current) first; null when the item is not a live secret of the tenant. */
  async listVersions(customerId: string, id: string): Promise<VersionInfo[] | null> {
    const rows = await this.dataSource.query<Array<Record<string, unknown>>>(
      `SELECT version, COALESCE(value_created_at, created_at) AS created_at, value_created_by AS created_by, true AS current
       FROM vault_item WHERE customer_id = $1 AND id = $2 AND deleted_at IS NULL
       UNION ALL
       SELECT ver.version, ver.created_at, ver.created_by, false
       FROM vault_item_version ver JOIN vault_item v ON v.id = ver.vault_id
       WHERE v.customer_id = $1 AND v.id = $2 AND v.deleted_at IS NULL
       ORDER BY version DESC`,
      [customerId, id],
    );
    if (rows.length === 0) return null;
    return rows.map((r) => {
      const { version, createdAt, createdBy } = this.toVersion(r);
      return { version, createdAt, createdBy, current: r.current as boolean };
    });
  }

  /** One version's sealed value (the current one or a kept older one), or null. */
  async findSealedVersion(customerId: string, id: string, version: number): Promise<SealedRow | null> {
    const rows = await this.dataSource.query<Array<Record<string, unknown>>>(
      `SELECT version, enc_format, kms_provider, kms_key_id, kms_key_version, wrapped_key, ciphertext
       FROM vault_item WHERE customer_id = $1 AND id = $2 AND version = $3 AND deleted_at IS NULL AND kind = 'secret'
       UNION ALL
       SELECT ver.version, ver.enc_format, ver.kms_provider, ver.kms_key_id, ver.kms_key_version, ver.wrapped_key, ver.ciphertext
       FROM vault_item_version ver JOIN vault_item v ON v.id = ver.vault_id
       WHERE v.customer_id = $1 AND v.id = $2 AND ver.version = $3 AND v.deleted_at IS NULL`,
      [customerId, id, version],
    );
    return rows[0] === undefined ? null : this.toVersion(rows[0]);
  }
}
