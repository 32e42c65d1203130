import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The fault lifecycle (dedup, acknowledge, silences). Instant on a large table: every added column
 * is nullable or has a constant default, which PostgreSQL records in the catalog without rewriting
 * a row (existing faults read `occurrences` 1 and `silenced` false at once; their NULL
 * `last_occurred_at` is read as `created_at`, see FAULT_COLUMNS). The new indexes are partial, over
 * rows that do not exist yet (dedup keys, acknowledgements, silences) or the few unresolved faults,
 * so each is one sequential read of the table and tiny. The trigram index is the next migration.
 */
export class AddFaultLifecycle1795587057215 implements MigrationInterface {
  name = 'AddFaultLifecycle1795587057215';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "fault_silences" ("id" character varying(31) NOT NULL, "customer_id" character varying(128) NOT NULL, "site" character varying(512), "resource_id" character varying(128), "type" character varying(128), "starts_at" TIMESTAMP WITH TIME ZONE NOT NULL, "ends_at" TIMESTAMP WITH TIME ZONE NOT NULL, "comment" character varying(500) NOT NULL, "created_by" character varying(256) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "fault_silences_pkey" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "fault_silences_customer_ends_idx" ON "fault_silences"  ("customer_id", "ends_at") `);
    await queryRunner.query(`ALTER TABLE "faults" ADD "dedup_key" character varying(255)`);
    await queryRunner.query(`ALTER TABLE "faults" ADD "occurrences" integer NOT NULL DEFAULT '1'`);
    await queryRunner.query(`ALTER TABLE "faults" ADD "last_occurred_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "faults" ADD "acknowledged_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "faults" ADD "acknowledged_by" character varying(256)`);
    await queryRunner.query(`ALTER TABLE "faults" ADD "silenced" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`ALTER TABLE "fault_idempotency_keys" ADD "response_outcome" character varying(16)`);
    // Index builds read the whole table: not bound by the service's statement timeout.
    await queryRunner.query(`SET LOCAL statement_timeout = 0`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "faults_open_dedup_key_idx" ON "faults" ("customer_id", "dedup_key") WHERE status = 'unresolved' AND dedup_key IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "faults_customer_dedup_key_created_idx" ON "faults" ("customer_id", "dedup_key", "created_at", "id") WHERE dedup_key IS NOT NULL`,
    );
    await queryRunner.query(`CREATE INDEX "faults_open_resource_type_idx" ON "faults" ("customer_id", "resource_id", "type") WHERE status = 'unresolved'`);
    await queryRunner.query(
      `CREATE INDEX "faults_customer_acknowledged_created_idx" ON "faults" ("customer_id", "created_at", "id") WHERE acknowledged_at IS NOT NULL`,
    );
    await queryRunner.query(`CREATE INDEX "faults_customer_silenced_created_idx" ON "faults" ("customer_id", "created_at", "id") WHERE silenced`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const index of [
      'faults_customer_silenced_created_idx',
      'faults_customer_acknowledged_created_idx',
      'faults_open_resource_type_idx',
      'faults_customer_dedup_key_created_idx',
      'faults_open_dedup_key_idx',
    ]) {
      await queryRunner.query(`DROP INDEX "public"."${index}"`);
    }
    await queryRunner.query(`ALTER TABLE "fault_idempotency_keys" DROP COLUMN "response_outcome"`);
    await queryRunner.query(`ALTER TABLE "faults" DROP COLUMN "silenced"`);
    await queryRunner.query(`ALTER TABLE "faults" DROP COLUMN "acknowledged_by"`);
    await queryRunner.query(`ALTER TABLE "faults" DROP COLUMN "acknowledged_at"`);
    await queryRunner.query(`ALTER TABLE "faults" DROP COLUMN "last_occurred_at"`);
    await queryRunner.query(`ALTER TABLE "faults" DROP COLUMN "occurrences"`);
    await queryRunner.query(`ALTER TABLE "faults" DROP COLUMN "dedup_key"`);
    await queryRunner.query(`DROP INDEX "public"."fault_silences_customer_ends_idx"`);
    await queryRunner.query(`DROP TABLE "fault_silences"`);
  }
}
