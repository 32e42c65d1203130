import { MigrationInterface, QueryRunner } from 'typeorm';
import { moveOntoPartitions, moveOffPartitions } from '../partitions/move-onto-partitions';

/**
 * The outbox (`events`) and `webhook_deliveries` move onto daily partitions by `created_at`, online
 * (see moveOntoPartitions: mirror trigger, batched resumable copy, one short swap). Primary keys lead
 * with the tenant and carry the partition key; a lookup by id alone gets a plain index.
 * Outside a transaction: every batch commits on its own, so a killed run resumes.
 */
export class PartitionEvents1796620000000 implements MigrationInterface {
  name = 'PartitionEvents1796620000000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await moveOntoPartitions(queryRunner, {
      table: 'events',
      column: 'created_at',
      interval: 'day',
      ahead: 3,
      key: ['id'],
      primaryKey: { name: 'pk_events', columns: ['customer_id', 'id', 'created_at'] },
      indexes: [
        { name: 'idx_events_id', definition: `CREATE INDEX IF NOT EXISTS "idx_events_id" ON {table} ("id")` },
        { name: 'idx_events_bus_pending', definition: `CREATE INDEX IF NOT EXISTS "idx_events_bus_pending" ON {table} ("seq") WHERE bus_pending` },
        { name: 'idx_events_created_at', definition: `CREATE INDEX IF NOT EXISTS "idx_events_created_at" ON {table} ("created_at")` },
        { name: 'idx_events_customer_seq', definition: `CREATE INDEX IF NOT EXISTS "idx_events_customer_seq" ON {table} ("customer_id", "seq")` },
        { name: 'idx_events_position', definition: `CREATE INDEX IF NOT EXISTS "idx_events_position" ON {table} ("xid", "seq")` },
        { name: 'idx_events_customer_position', definition: `CREATE INDEX IF NOT EXISTS "idx_events_customer_position" ON {table} ("customer_id", "xid", "seq")` },
      ],
    });
    await moveOntoPartitions(queryRunner, {
      table: 'webhook_deliveries',
      column: 'created_at',
      interval: 'day',
      ahead: 3,
      key: ['id'],
      primaryKey: { name: 'pk_webhook_deliveries', columns: ['customer_id', 'id', 'created_at'] },
      indexes: [
        { name: 'idx_webhook_deliveries_id', definition: `CREATE INDEX IF NOT EXISTS "idx_webhook_deliveries_id" ON {table} ("id")` },
        {
          name: 'idx_webhook_deliveries_pending_due',
          definition: `CREATE INDEX IF NOT EXISTS "idx_webhook_deliveries_pending_due" ON {table} ("next_attempt_at") WHERE status = 'pending'`,
        },
        {
          name: 'idx_webhook_deliveries_lane_pending',
          definition: `CREATE INDEX IF NOT EXISTS "idx_webhook_deliveries_lane_pending" ON {table} ("webhook_id", "lane", "id") WHERE status = 'pending'`,
        },
        { name: 'idx_webhook_deliveries_webhook_id', definition: `CREATE INDEX IF NOT EXISTS "idx_webhook_deliveries_webhook_id" ON {table} ("webhook_id", "id")` },
      ],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await moveOffPartitions(queryRunner, 'webhook_deliveries', [
      `ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "pk_webhook_deliveries" PRIMARY KEY ("id")`,
      `CREATE INDEX "idx_webhook_deliveries_pending_due" ON "webhook_deliveries" ("next_attempt_at") WHERE status = 'pending'`,
      `CREATE INDEX "idx_webhook_deliveries_lane_pending" ON "webhook_deliveries" ("webhook_id", "lane", "id") WHERE status = 'pending'`,
      `CREATE INDEX "idx_webhook_deliveries_webhook_id" ON "webhook_deliveries" ("webhook_id", "id")`,
    ]);
    await moveOffPartitions(queryRunner, 'events', [
      `ALTER TABLE "events" ADD CONSTRAINT "pk_events" PRIMARY KEY ("id")`,
      `CREATE INDEX "idx_events_bus_pending" ON "events" ("seq") WHERE bus_pending`,
      `CREATE INDEX "idx_events_created_at" ON "events" ("created_at")`,
      `CREATE INDEX "idx_events_customer_seq" ON "events" ("customer_id", "seq")`,
      `CREATE INDEX "idx_events_position" ON "events" ("xid", "seq")`,
      `CREATE INDEX "idx_events_customer_position" ON "events" ("customer_id", "xid", "seq")`,
    ]);
  }
}
