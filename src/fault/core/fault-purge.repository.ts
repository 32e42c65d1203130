import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * What retention deletes row by row before the partition drop of `faults` (the faults themselves, and
 * their comments and path segments, go with their months' partitions): the open keys and open-fault
 * rows of its faults, tables with no partitions of their own. Every tenant at once: the statements not
 * scoped to a tenant.
 */
@Injectable()
export class FaultPurgeRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Deletes the rows of open faults expiring in [start, end) (those of a partition about to be
   * dropped, whose drop fires no trigger): their open keys and their rows in fault_open_paths (a sequential scan of a small table, once a month).
   */
  async deleteOpenRows(startSeconds: number, endSeconds: number): Promise<void> {
    for (const table of ['fault_open_keys', 'fault_open_paths']) {
      await this.dataSource.query(`DELETE FROM ${table} WHERE fault_ttl >= $1 AND fault_ttl < $2`, [startSeconds, endSeconds]);
    }
  }
}
