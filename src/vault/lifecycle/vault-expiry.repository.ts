import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { returnedRows } from '../../database/affected-rows';
import { RowMapper, rowMapper } from '../../database/row-mapper';
import { VaultItem, VaultItemMetadata, vaultItemMetadata } from '../entities/vault-item.entity';
import { METADATA_COLUMNS } from '../items/vault-item.repository';

/** Items near or past expiry, and the ledger of reminders sent (one per item, horizon and expiry). */
@Injectable()
export class VaultExpiryRepository {
  private readonly toItem: RowMapper<VaultItem>;

  constructor(private readonly dataSource: DataSource) {
    this.toItem = rowMapper(dataSource, VaultItem);
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Every tenant's items expiring between `from` and `to` (metadata only). */
  async expiringBetween(from: Date, to: Date, limit: number): Promise<VaultItemMetadata[]> {
    const rows = await this.dataSource.query<Array<Record<string, unknown>>>(
      `SELECT ${METADATA_COLUMNS} FROM vault_item
       WHERE expires_at > $1 AND expires_at <= $2 AND deleted_at IS NULL ORDER BY expires_at LIMIT $3`,
      [from, to, limit],
    );
    return rows.map((r) => vaultItemMetadata(this.toItem(r)));
  }

  /** Claims a reminder; false when it was sent already (by this or another instance). */
  async claim(manager: EntityManager, vaultId: string, horizonDays: number, expiresAt: Date, now: Date): Promise<boolean> {
    const raw: unknown = await manager.query(
      `INSERT INTO vault_expiry_reminders (vault_id, horizon_days, expires_at, sent_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING RETURNING vault_id`,
      [vaultId, horizonDays, expiresAt, now],
    );
    return returnedRows(raw).length > 0;
  }

  /** Forgets reminders of items gone or whose expiry passed long ago. */
  async purgeLedger(before: Date): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM vault_expiry_reminders r WHERE r.expires_at < $1 OR NOT EXISTS (SELECT 1 FROM vault_item v WHERE v.id = r.vault_id)`,
      [before],
    );
  }
}
