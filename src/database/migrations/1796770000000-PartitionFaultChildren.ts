import { MigrationInterface, QueryRunner } from 'typeorm';
import { fillFromParent } from '../partitions/fill-from-parent';
import { PartitionMove, isPartitioned, moveOntoPartitions, moveOffPartitions } from '../partitions/move-onto-partitions';
import { monthsToLastExpiry } from './1796750000000-PartitionFaults';

/** The tables' secondary indexes as they are (partitioned indexes: one per partition, made with each). */
const CHILDREN: Array<Omit<PartitionMove, 'ahead'>> = [
  {
    table: 'fault_comments',
    column: 'fault_ttl',
    keyType: 'epoch-seconds',
    interval: 'month',
    key: ['customer_id', 'id'],
    primaryKey: { name: 'fault_comments_pkey', columns: ['customer_id', 'id', 'fault_ttl'] },
    indexes: [{ name: 'fault_comments_fault_created_idx', definition: `CREATE INDEX IF NOT EXISTS "fault_comments_fault_created_idx" ON {table} ("fault_id", "created_at", "id")` }],
  },
  {
    table: 'fault_path_segments',
    column: 'fault_ttl',
    keyType: 'epoch-seconds',
    interval: 'month',
    key: ['customer_id', 'fault_id', 'segment'],
    primaryKey: { name: 'fault_path_segments_pkey', columns: ['customer_id', 'fault_id', 'segment', 'fault_ttl'] },
    indexes: [
      {
        name: 'fault_path_segments_lookup_idx',
        definition: `CREATE INDEX IF NOT EXISTS "fault_path_segments_lookup_idx" ON {table} ("customer_id", "segment", "created_at", "fault_id")`,
      },
      { name: 'fault_path_segments_fault_idx', definition: `CREATE INDEX IF NOT EXISTS "fault_path_segments_fault_idx" ON {table} ("fault_id")` },
    ],
  },
];

/**
 * `fault_comments` and `fault_path_segments` move onto monthly partitions by their fault's expiry,
 * online, the way fault_timeline did (1796700000000): each row gets `fault_ttl`, its fault's `ttl`
 * (Unix seconds, the key `faults` itself is partitioned by), so a month's partition of either holds
 * only children of faults expiring in that month, and PartitionMaintenance drops it once the month is
 * over (retainMs 0, FaultPurgeService) instead of retention deleting them row by row before the
 * faults' month is dropped.
 *
 * Per table: the column is added and filled (fillFromParent: a trigger for rows written meanwhile,
 * by the previous release too, then batches walking the key; children of faults already gone are
 * deleted, a partition key cannot be null), then moveOntoPartitions (mirror trigger, batched
 * resumable copy, one short swap). Keys: the tenant-first keys with the partition key last,
 * (customer_id, id, fault_ttl) and (customer_id, fault_id, segment, fault_ttl); the secondary indexes
 * are kept as they are. Outside a transaction: every batch commits on its own, so a killed run resumes.
 */
export class PartitionFaultChildren1796770000000 implements MigrationInterface {
  name = 'PartitionFaultChildren1796770000000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const child of CHILDREN) {
      if (!(await isPartitioned(queryRunner, child.table))) {
        await fillFromParent(queryRunner, {
          table: child.table,
          column: 'fault_ttl',
          type: 'bigint',
          key: child.key,
          parent: { table: 'faults', value: 'p.ttl', match: [['customer_id', 'customer_id'], ['fault_id', 'id']] },
        });
        await moveOntoPartitions(queryRunner, { ...child, ahead: await monthsToLastExpiry(queryRunner) });
      }
      // Left by the old table's fill trigger (the trigger went with the table).
      await queryRunner.query(`DROP FUNCTION IF EXISTS "${child.table}__fault_ttl"()`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await moveOffPartitions(queryRunner, 'fault_path_segments', [
      `ALTER TABLE "fault_path_segments" DROP COLUMN "fault_ttl"`,
      `ALTER TABLE "fault_path_segments" ADD CONSTRAINT "fault_path_segments_pkey" PRIMARY KEY ("customer_id", "fault_id", "segment")`,
      ...CHILDREN[1].indexes.map((index) => index.definition.replace('{table}', '"fault_path_segments"')),
    ]);
    await moveOffPartitions(queryRunner, 'fault_comments', [
      `ALTER TABLE "fault_comments" DROP COLUMN "fault_ttl"`,
      `ALTER TABLE "fault_comments" ADD CONSTRAINT "fault_comments_pkey" PRIMARY KEY ("customer_id", "id")`,
      ...CHILDREN[0].indexes.map((index) => index.definition.replace('{table}', '"fault_comments"')),
    ]);
  }
}
