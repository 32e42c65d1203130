import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { affectedRows } from '../../database/affected-rows';

/** The purge's deletes of expired faults (every tenant at once: the one statement not scoped to a tenant). */
@Injectable()
export class FaultPurgeRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Deletes up to `batch` faults whose ttl has passed (SKIP LOCKED: instances purging at once do not wait on each other). */
  async deleteExpiredBatch(nowSeconds: number, batch: number): Promise<number> {
    const result: unknown = await this.dataSource.query(
      `DELETE FROM faults WHERE id IN (SELECT id FROM faults WHERE ttl <= $1 ORDER BY ttl LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [nowSeconds, batch],
    );
    return affectedRows(result);
  }
}
