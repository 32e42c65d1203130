import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { quoteIdent, rowsOf } from '../../database/partitions/partition.repository';

/**
 * What retention deletes row by row around the partition drop of `faults` (the faults themselves go
 * with their partition): the comments and path segments of a partition's faults (they have no
 * partitions of their own, and no foreign key cascades into the partitioned faults), and the open
 * keys and open-fault rows of its faults. Every tenant at once: the statements not scoped to a tenant.
 */
@Injectable()
export class FaultPurgeRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Deletes the comments and path segments of up to `batch` faults of `partition` after the key
   * (customer_id, id) `after` (null: from the start), walking the partition's key; answers the last
   * key of the batch, null when the partition is walked through.
   */
  async deleteChildrenBatch(partition: string, after: [string, string] | null, batch: number): Promise<[string, string] | null> {
    const from = after === null ? '' : `WHERE (customer_id, id) > ($2::varchar, $3::varchar)`;
    const rows = await rowsOf<{ customer_id: string | null; id: string | null }>(
      this.dataSource,
      `WITH batch AS (SELECT customer_id, id FROM ${quoteIdent(partition)} ${from} ORDER BY customer_id, id LIMIT $1),
            comments AS (DELETE FROM fault_comments c USING batch b WHERE c.customer_id = b.customer_id AND c.fault_id = b.id),
            segments AS (DELETE FROM fault_path_segments s USING batch b WHERE s.customer_id = b.customer_id AND s.fault_id = b.id)
       SELECT customer_id, id FROM batch ORDER BY customer_id DESC, id DESC LIMIT 1`,
      [batch, ...(after ?? [])],
    );
    return rows.length === 0 || rows[0].customer_id === null ? null : [rows[0].customer_id, rows[0].id as string];
  }

  /**
   * Deletes the rows of open faults expiring in [start, end) (those of a partition about to be
   * dropped, whose drop fires no trigger): their open keys and their entries in fault_open_resources.
   */
  async deleteOpenRows(startSeconds: number, endSeconds: number): Promise<void> {
    for (const table of ['fault_open_keys', 'fault_open_resources']) {
      await this.dataSource.query(`DELETE FROM ${table} WHERE fault_ttl >= $1 AND fault_ttl < $2`, [startSeconds, endSeconds]);
    }
  }
}
