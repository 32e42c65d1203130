import { MigrationInterface, QueryRunner } from 'typeorm';

/** The transactional outbox (events), webhooks and their deliveries. */
export class CreateEventsAndWebhooks1795589000000 implements MigrationInterface {
  name = 'CreateEventsAndWebhooks1795589000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "events" ("id" character varying(31) NOT NULL, "seq" BIGSERIAL NOT NULL, "customer_id" character varying(128) NOT NULL, "type" character varying(64) NOT NULL, "data" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "bus_pending" boolean NOT NULL DEFAULT false, CONSTRAINT "pk_events" PRIMARY KEY ("id"))`);
    // Events still to publish on the NATS bus (only written true when NATS_URL is set): a small partial index the relay walks in order.
    await queryRunner.query(`CREATE INDEX "idx_events_bus_pending" ON "events" ("seq") WHERE bus_pending`);
    await queryRunner.query(`CREATE INDEX "idx_events_created_at" ON "events"  ("created_at") `);
    await queryRunner.query(`CREATE INDEX "idx_events_customer_seq" ON "events"  ("customer_id", "seq") `);
    await queryRunner.query(`CREATE TABLE "webhook_deliveries" ("id" BIGSERIAL NOT NULL, "webhook_id" character varying(31) NOT NULL, "customer_id" character varying(128) NOT NULL, "event_id" character varying(31) NOT NULL, "event_type" character varying(64) NOT NULL, "lane" character varying(64) NOT NULL, "status" character varying(16) NOT NULL, "attempts" integer NOT NULL DEFAULT '0', "last_response_code" integer, "last_error" character varying(300), "next_attempt_at" TIMESTAMP WITH TIME ZONE, "lease_until" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "completed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "pk_webhook_deliveries" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "idx_webhook_deliveries_pending_due" ON "webhook_deliveries"  ("next_attempt_at") WHERE status = 'pending'`);
    await queryRunner.query(`CREATE INDEX "idx_webhook_deliveries_lane_pending" ON "webhook_deliveries"  ("webhook_id", "lane", "id") WHERE status = 'pending'`);
    await queryRunner.query(`CREATE INDEX "idx_webhook_deliveries_webhook_id" ON "webhook_deliveries"  ("webhook_id", "id") `);
    await queryRunner.query(`CREATE TABLE "webhooks" ("id" character varying(31) NOT NULL, "customer_id" character varying(128) NOT NULL, "url" character varying(2048) NOT NULL, "events" text array NOT NULL, "description" character varying(500), "disabled" boolean NOT NULL DEFAULT false, "disabled_reason" character varying(200), "failing_since" TIMESTAMP WITH TIME ZONE, "secret_format" smallint NOT NULL, "kms_provider" character varying(16) NOT NULL, "kms_key_id" character varying(256) NOT NULL, "kms_key_version" character varying(128) NOT NULL, "wrapped_key" bytea NOT NULL, "secret_ciphertext" bytea NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "pk_webhooks" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "idx_webhooks_customer_id" ON "webhooks"  ("customer_id", "id") `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."idx_webhooks_customer_id"`);
    await queryRunner.query(`DROP TABLE "webhooks"`);
    await queryRunner.query(`DROP INDEX "public"."idx_webhook_deliveries_webhook_id"`);
    await queryRunner.query(`DROP INDEX "public"."idx_webhook_deliveries_lane_pending"`);
    await queryRunner.query(`DROP INDEX "public"."idx_webhook_deliveries_pending_due"`);
    await queryRunner.query(`DROP TABLE "webhook_deliveries"`);
    await queryRunner.query(`DROP INDEX "public"."idx_events_customer_seq"`);
    await queryRunner.query(`DROP INDEX "public"."idx_events_bus_pending"`);
    await queryRunner.query(`DROP INDEX "public"."idx_events_created_at"`);
    await queryRunner.query(`DROP TABLE "events"`);
  }
}
