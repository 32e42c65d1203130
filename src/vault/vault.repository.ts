import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { affectedRows, returnedRows } from '../database/affected-rows';
import { preparedQuery } from '../database/prepared-query';
import { KeyRef, KmsProviderName, WrappedKey } from '../kms/kms-provider.interface';
import { VaultAction, VaultEvent, VaultOutcome } from './entities/vault-event.entity';
import { VaultItem, VaultItemKind, VaultItemMetadata } from './entities/vault-item.entity';

/** A stored sealed value (current or older version), as read for opening. */
export interface SealedRow {
  version: number;
  encFormat: number;
  kmsProvider: string;
  kmsKeyId: string;
  kmsKeyVersion: string;
  wrappedKey: Buffer;
  ciphertext: Buffer;
}

/** The sealed-value columns of a vault_item or vault_item_version row. */
function toSealedRow(r: Record<string, unknown>): SealedRow {
  return {
    version: r.version as number,
    encFormat: r.enc_format as number,
    kmsProvider: r.kms_provider as string,
    kmsKeyId: r.kms_key_id as string,
    kmsKeyVersion: r.kms_key_version as string,
    wrappedKey: r.wrapped_key as Buffer,
    ciphertext: r.ciphertext as Buffer,
  };
}

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

/** Who did it, for the audit trail. */
export interface AuditActor {
  actor: string;
  requestId: string | null;
  /** The request's "now" (from the injected Clock). */
  at: Date;
}

export interface AuditRecord {
  customerId: string | null;
  vaultId: string | null;
  itemName: string | null;
  action: VaultAction;
  outcome: VaultOutcome;
}

/** A row found by resolve: enough to open it, nothing more. */
export interface ResolvedRow {
  id: string;
  name: string;
  kind: VaultItemKind;
  version: number;
  encFormat: number | null;
  kmsProvider: string | null;
  kmsKeyId: string | null;
  kmsKeyVersion: string | null;
  wrappedKey: Buffer | null;
  ciphertext: Buffer | null;
  expired: boolean;
}

export interface ApiKeyRow {
  id: string;
  customerId: string;
  apiKeyHash: Buffer;
  expired: boolean;
}

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

/** Keyset position of a re-wrap pass: after this item (and, in the versions pass, this version). */
export interface WrappedKeyPosition {
  id: string;
  version: number;
}

export class DuplicateNameError extends Error {}

/** Data keys wrapped by the KMS provider (formats 1, 2; format 3's are wrapped by a tenant key) under another key than the given one. */
const NOT_ON_KEY = `enc_format < 3 AND (kms_provider, kms_key_id, kms_key_version) IS DISTINCT FROM ($1, $2, $3)`;

/** Filters of the tenant-wide audit trail (all optional). */
export interface VaultEventFilters {
  vaultId?: string;
  action?: VaultAction;
  outcome?: VaultOutcome;
  from?: Date;
  to?: Date;
  /** Keyset position: only events with a smaller id. */
  beforeId?: string;
}

/** The audit system actor of scheduled work. */
export const PURGE_ACTOR = 'system:vault-purge';

/** Work done inside a change's transaction with the item's metadata (never its value): its outbox event. */
export type ChangeHook = (manager: EntityManager, item: VaultItemMetadata) => Promise<void>;
const noHook: ChangeHook = () => Promise.resolve();

/** What metadata reads need: never the sealed value or a key hash, which stay in the database. */
const METADATA_COLUMNS = 'id, customer_id, name, kind, version, created_at, updated_at, expires_at, last_used_at, deleted_at, purge_at';

interface MetadataRow {
  id: string;
  customer_id: string;
  name: string;
  kind: VaultItemKind;
  version: number;
  created_at: Date;
  updated_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  deleted_at: Date | null;
  purge_at: Date | null;
}


/** SQL: a timestamptz in the API's format, as toApiTimestamp() writes it (milliseconds, then 000). */
const apiTimestamp = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"000Z"')`;

/**
 * The hot metadata reads; exported so the benchmark's floor (bench/floor.ts) runs exactly this SQL.
 * `listJson` is the whole list as the API's JSON, built by PostgreSQL: a tenant may hold thousands of
 * items, and parsing that many rows into objects, mapping and re-serializing them cost more than the
 * query (and held every response's rows in memory at once). Its fields are toVaultItemDto's, in
 * order; test/bench-floor.e2e-spec.ts checks each listed item equals the item read alone.
 */
export const VAULT_METADATA_SQL = {
  listJson: `SELECT coalesce(json_agg(json_build_object(
      'id', id, 'name', name, 'kind', kind, 'version', version,
      'created_at', ${apiTimestamp('created_at')}, 'updated_at', ${apiTimestamp('updated_at')},
      'expires_at', ${apiTimestamp('expires_at')}, 'last_used_at', ${apiTimestamp('last_used_at')}
    ) ORDER BY id DESC), '[]')::text AS body
    FROM vault_item WHERE customer_id = $1 AND deleted_at IS NULL`,
  byId: `SELECT ${METADATA_COLUMNS} FROM vault_item WHERE customer_id = $1 AND id = $2 AND deleted_at IS NULL`,
} as const;

function toMetadata(row: MetadataRow): VaultItemMetadata {
  return {
    id: row.id,
    customerId: row.customer_id,
    name: row.name,
    kind: row.kind,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    deletedAt: row.deleted_at,
    purgeAt: row.purge_at,
  };
}

function isDuplicateName(error: unknown): boolean {
  const driver = (error as QueryFailedError & { driverError?: { code?: string; constraint?: string } }).driverError;
  return error instanceof QueryFailedError && driver?.code === '23505' && driver.constraint === 'uq_vault_item_customer_name';
}

/** Storage of vault items and their audit trail. Every item method is scoped to a tenant. */
@Injectable()
export class VaultRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The tenant's live items, newest first, already serialized as the API's JSON array (see VAULT_METADATA_SQL). */
  async listJson(customerId: string): Promise<string> {
    const [row] = await preparedQuery<{ body: string }>(this.dataSource, VAULT_METADATA_SQL.listJson, [customerId]);
    return row.body;
  }

  /** Soft-deleted items still in their recovery window, most recently deleted first. */
  async listDeleted(customerId: string): Promise<VaultItemMetadata[]> {
    const rows = await this.dataSource.query<MetadataRow[]>(
      `SELECT ${METADATA_COLUMNS} FROM vault_item WHERE customer_id = $1 AND deleted_at IS NOT NULL ORDER BY deleted_at DESC, id DESC`,
      [customerId],
    );
    return rows.map(toMetadata);
  }

  /** Metadata of the items expiring in (now, until], soonest first: no sealed value or key hash leaves the database. */
  async listExpiring(customerId: string, now: Date, until: Date): Promise<VaultItemMetadata[]> {
    const rows = await preparedQuery<MetadataRow>(
      this.dataSource,
      `SELECT ${METADATA_COLUMNS} FROM vault_item WHERE customer_id = $1 AND deleted_at IS NULL AND expires_at > $2 AND expires_at <= $3 ORDER BY expires_at ASC, id ASC`,
      [customerId, now, until],
    );
    return rows.map(toMetadata);
  }

  async findById(customerId: string, id: string): Promise<VaultItemMetadata | null> {
    const rows = await preparedQuery<MetadataRow>(this.dataSource, VAULT_METADATA_SQL.byId, [customerId, id]);
    return rows.length === 0 ? null : toMetadata(rows[0]);
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
      await this.audit(m, who, { customerId: item.customerId, vaultId: item.id, itemName: item.name, action: 'create', outcome: 'success' });
      await announce(m, item);
      return true;
    });
    if (!inserted) throw new DuplicateNameError();
  }

  /**
   * Saves the changed fields (and a new version number when the value changes)
   * with the audit record atomically; the new version, or null when the item vanished meanwhile.
   */
  async update(customerId: string, id: string, changes: Partial<VaultItem>, replacement: ValueReplacement | null, who: AuditActor, name: string, announce: ChangeHook = noHook): Promise<number | null> {
    try {
      return await this.dataSource.transaction(async (m) => {
        // Checked first so the usual conflict is an answer, not a failed statement; the unique index still decides races.
        const taken = await m.query<unknown[]>('SELECT 1 FROM vault_item WHERE customer_id = $1 AND name = $2 AND id <> $3', [customerId, changes.name, id]);
        if (taken.length > 0) throw new DuplicateNameError();
        if (replacement !== null) await this.keepCurrentAsVersion(m, customerId, id, replacement);
        const result = await m
          .createQueryBuilder()
          .update(VaultItem)
          .set({ ...changes, ...(replacement !== null ? { version: replacement.expectedVersion + 1 } : {}) })
          .where('customer_id = :customerId AND id = :id AND deleted_at IS NULL', { customerId, id })
          .returning(['version'])
          .execute();
        const row = (result.raw as Array<{ version: number }>)[0];
        if (row === undefined) return null;
        await this.audit(m, who, { customerId, vaultId: id, itemName: name, action: replacement?.action ?? 'update', outcome: 'success' });
        const current = await m.query<MetadataRow[]>(`SELECT ${METADATA_COLUMNS} FROM vault_item WHERE customer_id = $1 AND id = $2`, [customerId, id]);
        await announce(m, toMetadata(current[0]));
        return row.version;
      });
    } catch (error) {
      if (error instanceof DuplicateNameError || isDuplicateName(error)) throw new DuplicateNameError();
      throw error;
    }
  }

  /**
   * Inside a replace: copies the current value (still sealed, unchanged) into
   * the version table and erases versions beyond the maximum. The row lock
   * makes concurrent replaces take turns; a version that moved meanwhile is a
   * ConcurrentChangeError (the new value was sealed for another version number).
   */
  private async keepCurrentAsVersion(m: EntityManager, customerId: string, id: string, replacement: ValueReplacement): Promise<void> {
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
    const rows = await this.dataSource.query<Array<{ version: number; created_at: Date; created_by: string | null; current: boolean }>>(
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
    return rows.map((r) => ({ version: r.version, createdAt: r.created_at, createdBy: r.created_by, current: r.current }));
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
    return rows[0] === undefined ? null : toSealedRow(rows[0]);
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
      const deleted = returnedRows<MetadataRow>(raw)[0];
      if (deleted === undefined) return false;
      await this.audit(m, who, { customerId, vaultId: id, itemName: deleted.name, action: 'delete', outcome: 'success' });
      await announce(m, toMetadata(deleted));
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
      const row = returnedRows<MetadataRow>(raw)[0];
      if (row === undefined) {
        const live = await m.query<unknown[]>('SELECT 1 FROM vault_item WHERE customer_id = $1 AND id = $2 AND deleted_at IS NULL', [customerId, id]);
        return live.length > 0 ? 'not_deleted' : null;
      }
      await this.audit(m, who, { customerId, vaultId: id, itemName: row.name, action: 'restore', outcome: 'success' });
      const item = toMetadata(row);
      await announce(m, item);
      return item;
    });
  }

  /**
   * Deletes up to `limit` soft-deleted items whose window ended, with one
   * `purge` audit record each, in one statement; SKIP LOCKED lets several
   * instances purge side by side. Returns how many were purged.
   */
  async purgeDue(now: Date, limit: number): Promise<number> {
    const raw = await this.dataSource.query<unknown[]>(
      `WITH gone AS (
         DELETE FROM vault_item WHERE id IN
           (SELECT id FROM vault_item WHERE purge_at <= $1 ORDER BY purge_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING id, customer_id, name
       )
       INSERT INTO vault_event (customer_id, vault_id, item_name, action, outcome, actor, request_id, created_at)
       SELECT customer_id, id, name, 'purge', 'success', $3, NULL, $1 FROM gone
       RETURNING 1`,
      [now, limit, PURGE_ACTOR],
    );
    return raw.length;
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
      const row = returnedRows<MetadataRow>(raw)[0];
      if (row === undefined) return null;
      await this.audit(m, who, { customerId, vaultId: id, itemName: row.name, action: 'rotate_key', outcome: 'success' });
      const item = toMetadata(row);
      await announce(m, item);
      return item;
    });
  }

  /**
   * One round trip: finds the named items of the tenant, stamps last_used_at
   * when every name is usable (in id order, never waiting on a row another
   * resolve is stamping), and writes one audit record per name.
   */
  async resolve(customerId: string, names: string[], now: Date, who: AuditActor): Promise<ResolvedRow[]> {
    // On a prepared statement: PostgreSQL took longer to plan this statement (1.2–1.6 ms) than to run it (1.0–1.3 ms for 20 names).
    const rows = await preparedQuery<Record<string, unknown>>(
      this.dataSource,
      `WITH req AS (
         SELECT DISTINCT unnest($2::varchar[]) AS name
       ), found AS (
         SELECT v.id, v.name, v.kind, v.version, v.enc_format, v.kms_provider, v.kms_key_id, v.kms_key_version, v.wrapped_key, v.ciphertext,
                (v.expires_at IS NOT NULL AND v.expires_at <= $3) AS expired
         FROM vault_item v
         WHERE v.customer_id = $1 AND v.deleted_at IS NULL AND v.name IN (SELECT name FROM req)
       ), verdict AS (
         SELECT (SELECT count(*) FROM found WHERE NOT expired AND kind = 'secret') = (SELECT count(*) FROM req) AS ok
       ), stamp AS (
         -- Locked in id order, skipping rows another resolve is stamping right now: concurrent resolves of
         -- overlapping names never wait on one another, so they cannot deadlock (one statement locking
         -- many rows in plan order did, under 1,000 concurrent resolves of 100 names).
         SELECT l.id FROM vault_item l
         WHERE (SELECT ok FROM verdict) AND l.customer_id = $1 AND l.id IN (SELECT id FROM found)
           -- At most one stamp a minute: hot names resolved by many runs at once would otherwise queue on these rows' locks.
           AND (l.last_used_at IS NULL OR l.last_used_at < $3::timestamptz - interval '1 minute')
         ORDER BY l.id
         FOR UPDATE OF l SKIP LOCKED
       ), touched AS (
         UPDATE vault_item v SET last_used_at = $3 FROM stamp WHERE v.id = stamp.id
         RETURNING v.id
       ), audit AS (
         INSERT INTO vault_event (customer_id, vault_id, item_name, action, outcome, actor, request_id, created_at)
         SELECT $1, f.id, req.name, 'resolve',
                CASE WHEN f.id IS NULL THEN 'not_found'
                     WHEN f.expired THEN 'expired'
                     WHEN f.kind <> 'secret' THEN 'rejected'
                     WHEN verdict.ok THEN 'success'
                     ELSE 'aborted' END,
                $4, $5, $3
         FROM req LEFT JOIN found f ON f.name = req.name CROSS JOIN verdict
         RETURNING 1
       )
       SELECT * FROM found`,
      [customerId, names, now, who.actor, who.requestId],
    );
    return rows.map((r) => ({
      id: r.id as string,
      name: r.name as string,
      kind: r.kind as VaultItemKind,
      version: r.version as number,
      encFormat: r.enc_format as number | null,
      kmsProvider: r.kms_provider as string | null,
      kmsKeyId: r.kms_key_id as string | null,
      kmsKeyVersion: r.kms_key_version as string | null,
      wrappedKey: r.wrapped_key as Buffer | null,
      ciphertext: r.ciphertext as Buffer | null,
      expired: r.expired as boolean,
    }));
  }

  /**
   * One round trip: finds the API key by its hash, stamps last_used_at when it
   * is still valid, and writes the audit record (outcome from the database's view).
   */
  /**
   * @param tenants the tenants the caller may see (a service token's `customer_ids`), or null for any:
   *   a key of another tenant is not found, exactly like an unknown one (not stamped, audited as invalid)
   */
  async verifyApiKey(hash: Buffer, now: Date, who: AuditActor, tenants: readonly string[] | null): Promise<ApiKeyRow | undefined> {
    // The current key, or the replaced one inside its grace period; never a deleted item's.
    const rows = await preparedQuery<{ id: string; customer_id: string; api_key_hash: Buffer; expired: boolean }>(
      this.dataSource,
      `WITH hit AS (
         SELECT id, customer_id, name, $1::bytea AS api_key_hash, (expires_at IS NOT NULL AND expires_at <= $2) AS expired
         FROM vault_item
         WHERE (api_key_hash = $1 OR (previous_api_key_hash = $1 AND previous_api_key_expires_at > $2))
           AND kind = 'api_key' AND deleted_at IS NULL
           AND ($5::text[] IS NULL OR customer_id = ANY($5::text[]))
       ), touched AS (
         UPDATE vault_item v SET last_used_at = $2 FROM hit
         WHERE v.id = hit.id AND NOT hit.expired AND (v.last_used_at IS NULL OR v.last_used_at < $2::timestamptz - interval '1 minute')
         RETURNING v.id
       ), audit AS (
         INSERT INTO vault_event (customer_id, vault_id, item_name, action, outcome, actor, request_id, created_at)
         SELECT hit.customer_id, hit.id, hit.name, 'verify',
                CASE WHEN hit.id IS NULL THEN 'invalid' WHEN hit.expired THEN 'expired' ELSE 'success' END,
                $3, $4, $2
         FROM (SELECT 1) one LEFT JOIN hit ON true
         RETURNING 1
       )
       SELECT id, customer_id, api_key_hash, expired FROM hit`,
      [hash, now, who.actor, who.requestId, tenants],
    );
    const row = rows[0];
    return row && { id: row.id, customerId: row.customer_id, apiKeyHash: row.api_key_hash, expired: row.expired };
  }

  /** An item's trail, newest first, keyset-paginated by event id. */
  events(customerId: string, vaultId: string, limit: number, beforeId: string | undefined): Promise<VaultEvent[]> {
    const q = this.dataSource
      .getRepository(VaultEvent)
      .createQueryBuilder('e')
      .where('e.customer_id = :customerId AND e.vault_id = :vaultId', { customerId, vaultId })
      .orderBy('e.id', 'DESC')
      .limit(limit);
    if (beforeId !== undefined) q.andWhere('e.id < :beforeId', { beforeId });
    return q.getMany();
  }

  /** The tenant's whole trail, newest first, keyset-paginated by event id, filtered. */
  tenantEvents(customerId: string, filters: VaultEventFilters, limit: number): Promise<VaultEvent[]> {
    const q = this.dataSource
      .getRepository(VaultEvent)
      .createQueryBuilder('e')
      .where('e.customer_id = :customerId', { customerId })
      .orderBy('e.id', 'DESC')
      .limit(limit);
    if (filters.vaultId !== undefined) q.andWhere('e.vault_id = :vaultId', { vaultId: filters.vaultId });
    if (filters.action !== undefined) q.andWhere('e.action = :action', { action: filters.action });
    if (filters.outcome !== undefined) q.andWhere('e.outcome = :outcome', { outcome: filters.outcome });
    if (filters.from !== undefined) q.andWhere('e.created_at >= :from', { from: filters.from });
    if (filters.to !== undefined) q.andWhere('e.created_at < :to', { to: filters.to });
    if (filters.beforeId !== undefined) q.andWhere('e.id < :beforeId', { beforeId: filters.beforeId });
    return q.getMany();
  }

  async record(who: AuditActor, record: AuditRecord): Promise<void> {
    await this.audit(this.dataSource.manager, who, record);
  }

  private async audit(m: EntityManager, who: AuditActor, record: AuditRecord): Promise<void> {
    await m.insert(VaultEvent, { ...record, actor: who.actor, requestId: who.requestId, createdAt: who.at });
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
    return rows.map((r) => ({ ...toSealedRow(r), id: r.id as string, current: r.current as boolean, customerId: r.customer_id as string }));
  }

  /**
   * Replaces re-sealed values in one transaction, each row compare-and-set on the sealed value read
   * (format, wrapped key, ciphertext; for a current value also its version), so a value the service
   * replaced meanwhile is left alone and nothing is sealed twice.
   */
  async replaceSealed(updates: Array<{ row: LegacySealedRow; sealed: { formatVersion: number; provider: string; keyId: string; keyVersion: string; wrappedKey: Buffer; ciphertext: Buffer } }>): Promise<{ replaced: number; changed: number }> {
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
