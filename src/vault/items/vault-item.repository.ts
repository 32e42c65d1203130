import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { returnedRows } from '../../database/affected-rows';
import { preparedQuery } from '../../database/prepared-query';
import { RowMapper, rowMapper } from '../../database/row-mapper';
import { insertAuditRecord } from '../audit/vault-audit.repository';
import { AuditActor } from '../audit/vault-audit-actor';
import { VAULT_ITEM_FIELDS } from '../dto/vault-item.dto';
import { VaultItem, VaultItemMetadata, vaultItemMetadata } from '../entities/vault-item.entity';
import { ValueReplacement, VaultVersionRepository } from '../versions/vault-version.repository';

export class DuplicateNameError extends Error {}

/** Work done inside a change's transaction with the item's metadata (never its value): its outbox event. */
export type ChangeHook = (manager: EntityManager, item: VaultItemMetadata) => Promise<void>;
const noHook: ChangeHook = () => Promise.resolve();

/** What metadata reads need: never the sealed value or a key hash, which stay in the database. */
export const METADATA_COLUMNS = 'id, customer_id, name, kind, version, created_at, updated_at, expires_at, last_used_at, deleted_at, purge_at';

/** SQL: a timestamptz in the API's format, as toApiTimestamp() writes it (milliseconds, then 000). */
const apiTimestamp = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"000Z"')`;

/** The list's select list: VAULT_ITEM_FIELDS, each written as toVaultItemDto writes it. */
const LIST_FIELDS = Object.entries(VAULT_ITEM_FIELDS)
  .map(([field, format]) => (format === 'timestamp' ? `${apiTimestamp(field)} AS ${field}` : field))
  .join(', ');

/**
 * The hot metadata reads; exported so the benchmark's floor (bench/floor.ts) runs exactly this SQL.
 * `listJson` is the whole list as the API's JSON, serialized by PostgreSQL (row_to_json: compact, in
 * the fields' order) from VAULT_ITEM_FIELDS, the DTO's one field list: a tenant may hold thousands
 * of items, and parsing that many rows into objects, mapping and re-serializing them halved the
 * list's throughput (1,000 items: 151 → 62 req/s, p50 192 → 370 ms; npm run bench, vault list).
 * test/bench-floor.e2e-spec.ts checks each listed item equals the item read alone.
 */
export const VAULT_METADATA_SQL = {
  listJson: `SELECT coalesce('[' || string_agg(row_to_json(t)::text, ',' ORDER BY t.id DESC) || ']', '[]') AS body
    FROM (SELECT ${LIST_FIELDS} FROM vault_item WHERE customer_id = $1 AND deleted_at IS NULL) t`,
  byId: `SELECT ${METADATA_COLUMNS} FROM vault_item WHERE customer_id = $1 AND id = $2 AND deleted_at IS NULL`,
} as const;

function isDuplicateName(error: unknown): boolean {
  const driver = (error as QueryFailedError & { driverError?: { code?: string; constraint?: string } }).driverError;
  return error instanceof QueryFailedError && driver?.code === '23505' && driver.constraint === 'uq_vault_item_customer_name';
}

/** Storage of vault items (`vault_item`): reads and changes, each change with its audit record. Every method is scoped to a tenant. */
@Injectable()
export class VaultItemRepository {
  /** Metadata rows (METADATA_COLUMNS): entities through rowMapper, handed on as their metadata fields only. */
  private readonly toItem: RowMapper<VaultItemMetadata>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly versions: VaultVersionRepository,
  ) {
    const toEntity = rowMapper(dataSource, VaultItem);
    this.toItem = (row) => vaultItemMetadata(toEntity(row));
  }

  /** The tenant's live items, newest first, already serialized as the API's JSON array (see VAULT_METADATA_SQL). */
  async listJson(customerId: string): Promise<string> {
    const [row] = await preparedQuery<{ body: string }>(this.dataSource, VAULT_METADATA_SQL.listJson, [customerId]);
    return row.body;
  }

  /** Soft-deleted items still in their recovery window, most recently deleted first. */
  async listDeleted(customerId: string): Promise<VaultItemMetadata[]> {
    const rows = await this.dataSource.query<Array<Record<string, unknown>>>(
      `SELECT ${METADATA_COLUMNS} FROM vault_item WHERE customer_id = $1 AND deleted_at IS NOT NULL ORDER BY deleted_at DESC, id DESC`,
      [customerId],
    );
    return rows.map(this.toItem);
  }

  /** Metadata of the items expiring in (now, until], soonest first: no sealed value or key hash leaves the database. */
  async listExpiring(customerId: string, now: Date, until: Date): Promise<VaultItemMetadata[]> {
    const rows = await preparedQuery<Record<string, unknown>>(
      this.dataSource,
      `SELECT ${METADATA_COLUMNS} FROM vault_item WHERE customer_id = $1 AND deleted_at IS NULL AND expires_at > $2 AND expires_at <= $3 ORDER BY expires_at ASC, id ASC`,
      [customerId, now, until],
    );
    return rows.map(this.toItem);
  }

  async findById(customerId: string, id: string): Promise<VaultItemMetadata | null> {
    const rows = await preparedQuery<Record<string, unknown>>(this.dataSource, VAULT_METADATA_SQL.byId, [customerId, id]);
    return rows.length === 0 ? null : this.toItem(rows[0]);
  }

  /**
   * Inserts the item, its audit record and (`announce`) its event atomically; DuplicateNameError when
   * the name is taken.
   */
  async insert(item: VaultItem, who: AuditActor, announce: ChangeHook = noHook): Promise<void> {
    // ON CONFLICT DO NOTHING rather than a failed statement: a taken name is an answer, not a database error to log.
    const inserted = await this.dataSource.transaction(async (m) => {
      const result = await m.createQueryBuilder().insert().into(VaultItem).values(item).orIgnore().returning('id').execute();
      if ((result.raw as unknown[]).length === 0) return false;
      await insertAuditRecord(m, who, { customerId: item.customerId, vaultId: item.id, itemName: item.name, action: 'create', outcome: 'success' });
      await announce(m, item);
      return true;
    });
    if (!inserted) throw new DuplicateNameError();
  }

  /**
   * Saves the changed fields (and a new version number when the value changes, the current value
   * kept as a version) with the audit record atomically; the new version, or null when the item vanished meanwhile.
   */
  async update(customerId: string, id: string, changes: Partial<VaultItem>, replacement: ValueReplacement | null, who: AuditActor, name: string, announce: ChangeHook = noHook): Promise<number | null> {
    try {
      return await this.dataSource.transaction(async (m) => {
        // Checked first so the usual conflict is an answer, not a failed statement; the unique index still decides races.
        const taken = await m.query<unknown[]>('SELECT 1 FROM vault_item WHERE customer_id = $1 AND name = $2 AND id <> $3', [customerId, changes.name, id]);
        if (taken.length > 0) throw new DuplicateNameError();
        if (replacement !== null) await this.versions.keepCurrentAsVersion(m, customerId, id, replacement);
        const result = await m
          .createQueryBuilder()
          .update(VaultItem)
          .set({ ...changes, ...(replacement !== null ? { version: replacement.expectedVersion + 1 } : {}) })
          .where('customer_id = :customerId AND id = :id AND deleted_at IS NULL', { customerId, id })
          .returning(['version'])
          .execute();
        const row = (result.raw as Array<{ version: number }>)[0];
        if (row === undefined) return null;
        await insertAuditRecord(m, who, { customerId, vaultId: id, itemName: name, action: replacement?.action ?? 'update', outcome: 'success' });
        const current = await m.query<Array<Record<string, unknown>>>(`SELECT ${METADATA_COLUMNS} FROM vault_item WHERE customer_id = $1 AND id = $2`, [customerId, id]);
        await announce(m, this.toItem(current[0]));
        return row.version;
      });
    } catch (error) {
      if (error instanceof DuplicateNameError || isDuplicateName(error)) throw new DuplicateNameError();
      throw error;
    }
  }

  /**
   * Without `purgeAt`: deletes permanently (the sealed value goes with the row).
   * With it: soft delete — hidden and unusable at once, purged at `purgeAt`,
   * the name still taken. The audit trail stays either way.
   */
  async delete(customerId: string, id: string, who: AuditActor, purgeAt: Date | null, announce: ChangeHook = noHook): Promise<boolean> {
    return this.dataSource.transaction(async (m) => {
      const raw =
        purgeAt === null
          ? await m.query<unknown[]>(`DELETE FROM vault_item WHERE customer_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING ${METADATA_COLUMNS}`, [customerId, id])
          : await m.query<unknown[]>(
              `UPDATE vault_item SET deleted_at = $3, purge_at = $4 WHERE customer_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING ${METADATA_COLUMNS}`,
              [customerId, id, who.at, purgeAt],
            );
      const deleted = returnedRows<Record<string, unknown>>(raw)[0];
      if (deleted === undefined) return false;
      const item = this.toItem(deleted);
      await insertAuditRecord(m, who, { customerId, vaultId: id, itemName: item.name, action: 'delete', outcome: 'success' });
      await announce(m, item);
      return true;
    });
  }

  /**
   * Brings back a soft-deleted item still inside its window: the item, or
   * 'not_deleted' when it exists and is not deleted, or null when there is nothing to restore.
   */
  async restore(customerId: string, id: string, who: AuditActor, announce: ChangeHook = noHook): Promise<VaultItemMetadata | 'not_deleted' | null> {
    return this.dataSource.transaction(async (m) => {
      const raw = await m.query<unknown[]>(
        `UPDATE vault_item SET deleted_at = NULL, purge_at = NULL, updated_at = $3
         WHERE customer_id = $1 AND id = $2 AND deleted_at IS NOT NULL AND purge_at > $3 RETURNING ${METADATA_COLUMNS}`,
        [customerId, id, who.at],
      );
      const row = returnedRows<Record<string, unknown>>(raw)[0];
      if (row === undefined) {
        const live = await m.query<unknown[]>('SELECT 1 FROM vault_item WHERE customer_id = $1 AND id = $2 AND deleted_at IS NULL', [customerId, id]);
        return live.length > 0 ? 'not_deleted' : null;
      }
      const item = this.toItem(row);
      await insertAuditRecord(m, who, { customerId, vaultId: id, itemName: item.name, action: 'restore', outcome: 'success' });
      await announce(m, item);
      return item;
    });
  }

  /**
   * Replaces a workflow API key's hash; the replaced one keeps verifying until
   * `previousExpiresAt` (null: at once no more). The item, or null when it is not a live API key of the tenant.
   */
  async rotateApiKey(
    customerId: string,
    id: string,
    newHash: Buffer,
    previousExpiresAt: Date | null,
    who: AuditActor,
    announce: ChangeHook = noHook,
  ): Promise<VaultItemMetadata | null> {
    return this.dataSource.transaction(async (m) => {
      const raw = await m.query<unknown[]>(
        `UPDATE vault_item
         SET previous_api_key_hash = CASE WHEN $4::timestamptz IS NULL THEN NULL ELSE api_key_hash END,
             previous_api_key_expires_at = $4, api_key_hash = $3, version = version + 1, updated_at = $5
         WHERE customer_id = $1 AND id = $2 AND kind = 'api_key' AND deleted_at IS NULL RETURNING ${METADATA_COLUMNS}`,
        [customerId, id, newHash, previousExpiresAt, who.at],
      );
      const row = returnedRows<Record<string, unknown>>(raw)[0];
      if (row === undefined) return null;
      const item = this.toItem(row);
      await insertAuditRecord(m, who, { customerId, vaultId: id, itemName: item.name, action: 'rotate_key', outcome: 'success' });
      await announce(m, item);
      return item;
    });
  }
}
