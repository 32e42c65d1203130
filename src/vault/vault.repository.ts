import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { preparedQuery } from '../database/prepared-query';
import { VaultAction, VaultEvent, VaultOutcome } from './entities/vault-event.entity';
import { VaultItem, VaultItemKind, VaultItemMetadata } from './entities/vault-item.entity';

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

export class DuplicateNameError extends Error {}

/** What metadata reads need: never the sealed value or a key hash, which stay in the database. */
const METADATA_COLUMNS = 'id, customer_id, name, kind, created_at, updated_at, expires_at, last_used_at';

interface MetadataRow {
  id: string;
  customer_id: string;
  name: string;
  kind: VaultItemKind;
  created_at: Date;
  updated_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
}


function toMetadata(row: MetadataRow): VaultItemMetadata {
  return {
    id: row.id,
    customerId: row.customer_id,
    name: row.name,
    kind: row.kind,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
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

  async list(customerId: string): Promise<VaultItemMetadata[]> {
    const rows = await preparedQuery<MetadataRow>(this.dataSource, `SELECT ${METADATA_COLUMNS} FROM vault_item WHERE customer_id = $1 ORDER BY id DESC`, [customerId]);
    return rows.map(toMetadata);
  }

  /** Items expiring in (now, until], soonest first. */
  listExpiring(customerId: string, now: Date, until: Date): Promise<VaultItem[]> {
    return this.dataSource
      .getRepository(VaultItem)
      .createQueryBuilder('v')
      .where('v.customer_id = :customerId', { customerId })
      .andWhere('v.expires_at > :now AND v.expires_at <= :until', { now, until })
      .orderBy('v.expires_at', 'ASC')
      .addOrderBy('v.id', 'ASC')
      .getMany();
  }

  async findById(customerId: string, id: string): Promise<VaultItemMetadata | null> {
    const rows = await preparedQuery<MetadataRow>(this.dataSource, `SELECT ${METADATA_COLUMNS} FROM vault_item WHERE customer_id = $1 AND id = $2`, [customerId, id]);
    return rows.length === 0 ? null : toMetadata(rows[0]);
  }

  /** Inserts the item and its audit record atomically; DuplicateNameError when the name is taken. */
  async insert(item: VaultItem, who: AuditActor): Promise<void> {
    // ON CONFLICT DO NOTHING rather than a failed statement: a taken name is an answer, not a database error to log.
    const inserted = await this.dataSource.transaction(async (m) => {
      const result = await m.createQueryBuilder().insert().into(VaultItem).values(item).orIgnore().returning('id').execute();
      if ((result.raw as unknown[]).length === 0) return false;
      await this.audit(m, who, { customerId: item.customerId, vaultId: item.id, itemName: item.name, action: 'create', outcome: 'success' });
      return true;
    });
    if (!inserted) throw new DuplicateNameError();
  }

  /** Saves the changed fields and the audit record atomically; false when the item vanished meanwhile. */
  async update(customerId: string, id: string, changes: Partial<VaultItem>, who: AuditActor, name: string): Promise<boolean> {
    try {
      return await this.dataSource.transaction(async (m) => {
        // Checked first so the usual conflict is an answer, not a failed statement; the unique index still decides races.
        const taken = await m.query<unknown[]>('SELECT 1 FROM vault_item WHERE customer_id = $1 AND name = $2 AND id <> $3', [customerId, changes.name, id]);
        if (taken.length > 0) throw new DuplicateNameError();
        const result = await m.update(VaultItem, { customerId, id }, changes);
        if (!result.affected) return false;
        await this.audit(m, who, { customerId, vaultId: id, itemName: name, action: 'update', outcome: 'success' });
        return true;
      });
    } catch (error) {
      if (error instanceof DuplicateNameError || isDuplicateName(error)) throw new DuplicateNameError();
      throw error;
    }
  }

  /** Deletes permanently (the sealed value goes with the row); the audit trail stays. */
  async delete(customerId: string, id: string, who: AuditActor): Promise<boolean> {
    return this.dataSource.transaction(async (m) => {
      const raw = await m.query<unknown[]>('DELETE FROM vault_item WHERE customer_id = $1 AND id = $2 RETURNING name', [customerId, id]);
      // TypeORM answers a DELETE … RETURNING with [rows, rowCount].
      const rows = (Array.isArray(raw[0]) ? raw[0] : raw) as Array<{ name: string }>;
      const deleted = rows[0];
      if (deleted === undefined) return false;
      await this.audit(m, who, { customerId, vaultId: id, itemName: deleted.name, action: 'delete', outcome: 'success' });
      return true;
    });
  }

  /**
   * One round trip: finds the named items of the tenant, stamps last_used_at
   * when every name is usable, and writes one audit record per name.
   */
  async resolve(customerId: string, names: string[], now: Date, who: AuditActor): Promise<ResolvedRow[]> {
    const rows = await this.dataSource.query<Array<Record<string, unknown>>>(
      `WITH req AS (
         SELECT DISTINCT unnest($2::varchar[]) AS name
       ), found AS (
         SELECT v.id, v.name, v.kind, v.enc_format, v.kms_provider, v.kms_key_id, v.kms_key_version, v.wrapped_key, v.ciphertext,
                (v.expires_at IS NOT NULL AND v.expires_at <= $3) AS expired
         FROM vault_item v
         WHERE v.customer_id = $1 AND v.name IN (SELECT name FROM req)
       ), verdict AS (
         SELECT (SELECT count(*) FROM found WHERE NOT expired AND kind = 'secret') = (SELECT count(*) FROM req) AS ok
       ), touched AS (
         UPDATE vault_item v SET last_used_at = $3
         FROM verdict
         WHERE verdict.ok AND v.customer_id = $1 AND v.id IN (SELECT id FROM found)
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
  async verifyApiKey(hash: Buffer, now: Date, who: AuditActor): Promise<ApiKeyRow | undefined> {
    const rows = await this.dataSource.query<Array<{ id: string; customer_id: string; api_key_hash: Buffer; expired: boolean }>>(
      `WITH hit AS (
         SELECT id, customer_id, name, api_key_hash, (expires_at IS NOT NULL AND expires_at <= $2) AS expired
         FROM vault_item WHERE api_key_hash = $1 AND kind = 'api_key'
       ), touched AS (
         UPDATE vault_item v SET last_used_at = $2 FROM hit WHERE v.id = hit.id AND NOT hit.expired RETURNING v.id
       ), audit AS (
         INSERT INTO vault_event (customer_id, vault_id, item_name, action, outcome, actor, request_id, created_at)
         SELECT hit.customer_id, hit.id, hit.name, 'verify',
                CASE WHEN hit.id IS NULL THEN 'invalid' WHEN hit.expired THEN 'expired' ELSE 'success' END,
                $3, $4, $2
         FROM (SELECT 1) one LEFT JOIN hit ON true
         RETURNING 1
       )
       SELECT id, customer_id, api_key_hash, expired FROM hit`,
      [hash, now, who.actor, who.requestId],
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

  async record(who: AuditActor, record: AuditRecord): Promise<void> {
    await this.audit(this.dataSource.manager, who, record);
  }

  private async audit(m: EntityManager, who: AuditActor, record: AuditRecord): Promise<void> {
    await m.insert(VaultEvent, { ...record, actor: who.actor, requestId: who.requestId, createdAt: who.at });
  }

  /** Stored values per wrapping key, for the startup report. */
  async valuesPerKey(): Promise<Array<{ provider: string; keyId: string; keyVersion: string; count: number }>> {
    const rows = await this.dataSource.query<Array<{ kms_provider: string; kms_key_id: string; kms_key_version: string; count: number }>>(
      `SELECT kms_provider, kms_key_id, kms_key_version, count(*)::int AS count
       FROM vault_item WHERE kind = 'secret' GROUP BY 1, 2, 3`,
    );
    return rows.map((r) => ({ provider: r.kms_provider, keyId: r.kms_key_id, keyVersion: r.kms_key_version, count: r.count }));
  }
}
