import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** The audit system actor of scheduled work. */
export const PURGE_ACTOR = 'system:vault-purge';

/** The end of the recovery window: soft-deleted items (`vault_item.purge_at`) deleted for good. */
@Injectable()
export class VaultPurgeRepository {
  constructor(private readonly dataSource: DataSource) {}

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
}
