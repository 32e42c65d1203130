import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { affectedRows } from '../../database/affected-rows';
import { RowMapper, rowMapper } from '../../database/row-mapper';
import { KeyRef, KmsProviderName, WrappedKey } from '../../kms/kms-provider.interface';
import { VaultItemVersion } from '../entities/vault-item-version.entity';
import { SealedRow } from '../versions/vault-version.repository';

/** Where wrapped data keys live: the current values, and the kept older versions. */
export type WrappedKeySource = 'current' | 'versions';

/** A stored data key to move to another key-encryption key. */
export interface WrappedKeyRow {
  /** The item the data key is bound to. */
  id: string;
  /** Null for the current value (vault_item); the version number for a kept version (vault_item_version). */
  version: number | null;
  customerId: string;
  wrapped: WrappedKey;
}

/** A format-1/2 value (current or kept version) to move onto its tenant's key. */
export interface LegacySealedRow extends SealedRow {
  id: string;
  customerId: string;
  /** true: vault_item (its current value); false: a kept version in vault_item_version. */
  current: boolean;
}

/** A value sealed again (on its tenant's key), to replace a LegacySealedRow. */
export interface ResealedValue {
  formatVersion: number;
  provider: string;
  keyId: string;
  keyVersion: string;
  wrappedKey: Buffer;
  ciphertext: Buffer;
}

/** Keyset position of a re-wrap pass: after this item (and, in the versions pass, this version). */
export interface WrappedKeyPosition {
  id: string;
  version: number;
}

/** Data keys wrapped by the KMS provider (formats 1, 2; format 3's are wrapped by a tenant key) under another key than the given one. */
const NOT_ON_KEY = `enc_format < 3 AND (kms_provider, kms_key_id, kms_key_version) IS DISTINCT FROM ($1, $2, $3)`;

/**
 * The stored values as key maintenance sees them, across every tenant: the re-wrap
 * (`npm run vault:rewrap`, keys/rewrap.ts), the move onto tenant keys (`npm run vault:tenant-keys`,
 * keys/tenant-key-migration.ts) and the startup report of values per KMS key. Built with `new` by
 * the command-line tools, injected for the report.
 */
@Injectable()
export class VaultKeyMaintenanceRepository {
  /** Sealed-value columns of vault_item and vault_item_version (the same names) as entities. */
  private readonly toSealed: RowMapper<VaultItemVersion>;

  constructor(private readonly dataSource: DataSource) {
    this.toSealed = rowMapper(dataSource, VaultItemVersion);
  }

  /** Stored values per wrapping key, for the startup report. */
  async valuesPerKey(): Promise<Array<{ provider: string; keyId: string; keyVersion: string; count: number }>> {
    const rows = await this.dataSource.query<Array<{ kms_provider: string; kms_key_id: string; kms_key_version: string; count: number }>>(
      `SELECT kms_provider, kms_key_id, kms_key_version, count(*)::int AS count FROM (
         SELECT kms_provider, kms_key_id, kms_key_version FROM vault_item WHERE kind = 'secret' AND enc_format < 3
         UNION ALL
         SELECT kms_provider, kms_key_id, kms_key_version FROM vault_item_version WHERE enc_format < 3
       ) stored GROUP BY 1, 2, 3`,
    );
    return rows.map((r) => ({ provider: r.kms_provider, keyId: r.kms_key_id, keyVersion: r.kms_key_version, count: r.count }));
  }

  /** How many stored values (current and kept versions) are wrapped by another key than `key`. */
  async countNotOnKey(key: KeyRef): Promise<number> {
    const [{ count }] = await this.dataSource.query<Array<{ count: number }>>(
      `SELECT (SELECT count(*) FROM vault_item WHERE kind = 'secret' AND ${NOT_ON_KEY}) + (SELECT count(*) FROM vault_item_version WHERE ${NOT_ON_KEY}) AS count`,
      [key.provider, key.keyId, key.keyVersion],
    );
    return Number(count);
  }

  /** The next `limit` data keys of one source (in key order, after `after`) wrapped by another key than `key`. */
  async wrappedKeysNotOnKey(key: KeyRef, source: WrappedKeySource, after: WrappedKeyPosition, limit: number): Promise<WrappedKeyRow[]> {
    const rows = await this.dataSource.query<
      Array<{ id: string; version: number | null; customer_id: string; kms_provider: string; kms_key_id: string; kms_key_version: string; wrapped_key: Buffer }>
    >(
      source === 'current'
        ? `SELECT id, NULL::int AS version, customer_id, kms_provider, kms_key_id, kms_key_version, wrapped_key FROM vault_item
           WHERE kind = 'secret' AND ${NOT_ON_KEY} AND id > $4 AND $5::int IS NOT NULL ORDER BY id LIMIT $6`
        : `SELECT vault_id AS id, version, customer_id, kms_provider, kms_key_id, kms_key_version, wrapped_key FROM vault_item_version
           WHERE ${NOT_ON_KEY} AND (vault_id, version) > ($4, $5) ORDER BY vault_id, version LIMIT $6`,
      [key.provider, key.keyId, key.keyVersion, after.id, after.version, limit],
    );
    // Not an entity's shape: the wrapped key as the KMS provider takes it.
    return rows.map((r) => ({
      id: r.id,
      version: r.version,
      customerId: r.customer_id,
      wrapped: { provider: r.kms_provider as KmsProviderName, keyId: r.kms_key_id, keyVersion: r.kms_key_version, ciphertext: r.wrapped_key },
    }));
  }

  /**
   * Swaps wrapped data keys in one transaction, each row guarded by the
   * wrapped key it had when read, so a concurrent update by the service wins.
   * Answers how many were swapped and how many had changed meanwhile.
   */
  async replaceWrappedKeys(updates: Array<{ row: WrappedKeyRow; wrapped: WrappedKey }>): Promise<{ replaced: number; changed: number }> {
    return this.dataSource.transaction(async (m) => {
      let replaced = 0;
      for (const { row, wrapped } of updates) {
        const old = row.wrapped;
        const [table, match] = row.version === null ? ['vault_item', 'id = $5 AND $10::int IS NULL'] : ['vault_item_version', 'vault_id = $5 AND version = $10'];
        const result: unknown = await m.query(
          `UPDATE ${table} SET kms_provider = $1, kms_key_id = $2, kms_key_version = $3, wrapped_key = $4
           WHERE ${match} AND kms_provider = $6 AND kms_key_id = $7 AND kms_key_version = $8 AND wrapped_key = $9`,
          [wrapped.provider, wrapped.keyId, wrapped.keyVersion, wrapped.ciphertext, row.id, old.provider, old.keyId, old.keyVersion, old.ciphertext, row.version],
        );
        if (affectedRows(result) === 1) replaced++;
      }
      return { replaced, changed: updates.length - replaced };
    });
  }

  /** Stored values (current and kept versions) still sealed in formats 1/2 (data key wrapped per value by the KMS provider). */
  async countNotOnTenantKeys(): Promise<number> {
    const [{ count }] = await this.dataSource.query<Array<{ count: string }>>(
      `SELECT (SELECT count(*) FROM vault_item WHERE kind = 'secret' AND enc_format < 3) + (SELECT count(*) FROM vault_item_version WHERE enc_format < 3) AS count`,
    );
    return Number(count);
  }

  /** The next `limit` format-1/2 values of one source, in key order after `after`, with everything needed to open them. */
  async sealedNotOnTenantKeys(source: WrappedKeySource, after: WrappedKeyPosition, limit: number): Promise<LegacySealedRow[]> {
    const rows = await this.dataSource.query<Array<Record<string, unknown>>>(
      source === 'current'
        ? `SELECT id, version, customer_id, enc_format, kms_provider, kms_key_id, kms_key_version, wrapped_key, ciphertext, true AS current FROM vault_item
           WHERE kind = 'secret' AND enc_format < 3 AND id > $1 AND $2::int IS NOT NULL ORDER BY id LIMIT $3`
        : `SELECT vault_id AS id, version, customer_id, enc_format, kms_provider, kms_key_id, kms_key_version, wrapped_key, ciphertext, false AS current FROM vault_item_version
           WHERE enc_format < 3 AND (vault_id, version) > ($1, $2) ORDER BY vault_id, version LIMIT $3`,
      [after.id, after.version, limit],
    );
    return rows.map((r) => Object.assign(this.toSealed(r), { id: r.id as string, current: r.current as boolean }));
  }

  /**
   * Replaces re-sealed values in one transaction, each row compare-and-set on the sealed value read
   * (format, wrapped key, ciphertext; for a current value also its version), so a value the service
   * replaced meanwhile is left alone and nothing is sealed twice.
   */
  async replaceSealed(updates: Array<{ row: LegacySealedRow; sealed: ResealedValue }>): Promise<{ replaced: number; changed: number }> {
    return this.dataSource.transaction(async (m) => {
      let replaced = 0;
      for (const { row, sealed } of updates) {
        const [table, match] = row.current ? ['vault_item', 'id = $7 AND version = $8'] : ['vault_item_version', 'vault_id = $7 AND version = $8'];
        const result: unknown = await m.query(
          `UPDATE ${table} SET enc_format = $1, kms_provider = $2, kms_key_id = $3, kms_key_version = $4, wrapped_key = $5, ciphertext = $6
           WHERE ${match} AND enc_format = $9 AND wrapped_key = $10 AND ciphertext = $11`,
          [sealed.formatVersion, sealed.provider, sealed.keyId, sealed.keyVersion, sealed.wrappedKey, sealed.ciphertext, row.id, row.version, row.encFormat, row.wrappedKey, row.ciphertext],
        );
        if (affectedRows(result) === 1) replaced++;
      }
      return { replaced, changed: updates.length - replaced };
    });
  }
}
