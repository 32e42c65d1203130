import { MigrationInterface, QueryRunner } from 'typeorm';

export class TenantKeys1795600000000 implements MigrationInterface {
  name = 'TenantKeys1795600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "vault_tenant_key" ("customer_id" character varying(128) NOT NULL, "key_id" character varying(64) NOT NULL, "kms_provider" character varying(16), "kms_key_id" character varying(256), "kms_key_version" character varying(128), "wrapped_key" bytea, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "destroyed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "pk_vault_tenant_key" PRIMARY KEY ("customer_id"))`);
    await queryRunner.query(`CREATE INDEX "idx_vault_tenant_key_kms_key" ON "vault_tenant_key"  ("kms_provider", "kms_key_id", "kms_key_version", "customer_id") `);
    await queryRunner.query(`CREATE TABLE "tenant_offboarding" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "customer_id" character varying(128) NOT NULL, "state" character varying(16) NOT NULL, "requested_by" character varying(300) NOT NULL, "requested_at" TIMESTAMP WITH TIME ZONE NOT NULL, "progress" jsonb NOT NULL DEFAULT '{}', "completed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "pk_tenant_offboarding" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_tenant_offboarding_customer" ON "tenant_offboarding"  ("customer_id") `);
    await queryRunner.query(`CREATE INDEX "idx_tenant_offboarding_pending" ON "tenant_offboarding"  ("id") WHERE state = 'deleting'`);
    // The offboarding deletes by tenant in batches: these tables had no index leading with customer_id.
    await queryRunner.query(`CREATE INDEX "idx_vault_item_version_customer" ON "vault_item_version"  ("customer_id") `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."idx_vault_item_version_customer"`);
    await queryRunner.query(`DROP INDEX "public"."idx_tenant_offboarding_pending"`);
    await queryRunner.query(`DROP INDEX "public"."uq_tenant_offboarding_customer"`);
    await queryRunner.query(`DROP TABLE "tenant_offboarding"`);
    await queryRunner.query(`DROP INDEX "public"."idx_vault_tenant_key_kms_key"`);
    await queryRunner.query(`DROP TABLE "vault_tenant_key"`);
  }
}
