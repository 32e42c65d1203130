import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The partitions whose indexes PartitionCompaction has rebuilt (once each, when settled), with what
 * it gave back. Not tenant-owned: one row per partition, deleted when the partition is dropped.
 */
export class PartitionCompactions1796790000000 implements MigrationInterface {
  name = 'PartitionCompactions1796790000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS "partition_compactions" (
        "partition_name" varchar(63) NOT NULL,
        "compacted_at" timestamptz NOT NULL,
        "index_bytes_before" bigint NOT NULL,
        "index_bytes_after" bigint NOT NULL,
        "duration_ms" integer NOT NULL,
        CONSTRAINT "pk_partition_compactions" PRIMARY KEY ("partition_name")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS "partition_compactions"`);
  }
}
