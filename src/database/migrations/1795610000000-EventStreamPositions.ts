import { MigrationInterface, QueryRunner } from 'typeorm';

export class EventStreamPositions1795610000000 implements MigrationInterface {
  name = 'EventStreamPositions1795610000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The writing transaction's id orders events for streams: an event below the oldest running
    // transaction can no longer appear, so a stream reading by (xid, seq) never passes one that commits later.
    await queryRunner.query(`ALTER TABLE "events" ADD "xid" bigint NOT NULL DEFAULT ((pg_current_xact_id())::text)::bigint`);
    await queryRunner.query(`CREATE INDEX "idx_events_position" ON "events"  ("xid", "seq") `);
    await queryRunner.query(`CREATE INDEX "idx_events_customer_position" ON "events"  ("customer_id", "xid", "seq") `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."idx_events_customer_position"`);
    await queryRunner.query(`DROP INDEX "public"."idx_events_position"`);
    await queryRunner.query(`ALTER TABLE "events" DROP COLUMN "xid"`);
  }
}
