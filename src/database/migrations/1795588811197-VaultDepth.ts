import { MigrationInterface, QueryRunner } from 'typeorm';

export class VaultDepth1795588811197 implements MigrationInterface {
  name = 'VaultDepth1795588811197';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "vault_item_version" ("vault_id" character varying(30) NOT NULL, "version" integer NOT NULL, "customer_id" character varying(128) NOT NULL, "enc_format" smallint NOT NULL, "kms_provider" character varying(16) NOT NULL, "kms_key_id" character varying(256) NOT NULL, "kms_key_version" character varying(128) NOT NULL, "wrapped_key" bytea NOT NULL, "ciphertext" bytea NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "created_by" character varying(300), CONSTRAINT "pk_vault_item_version" PRIMARY KEY ("vault_id", "version"))`);
    await queryRunner.query(`CREATE INDEX "idx_vault_item_version_kms_key" ON "vault_item_version"  ("kms_provider", "kms_key_id", "kms_key_version", "vault_id") `);
    await queryRunner.query(`ALTER TABLE "vault_item" ADD "previous_api_key_hash" bytea`);
    await queryRunner.query(`ALTER TABLE "vault_item" ADD "previous_api_key_expires_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "vault_item" ADD "version" integer NOT NULL DEFAULT '1'`);
    await queryRunner.query(`ALTER TABLE "vault_item" ADD "value_created_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "vault_item" ADD "value_created_by" character varying(300)`);
    await queryRunner.query(`ALTER TABLE "vault_item" ADD "deleted_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "vault_item" ADD "purge_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`CREATE INDEX "idx_vault_event_customer_id" ON "vault_event"  ("customer_id", "id") `);
    await queryRunner.query(`CREATE INDEX "idx_vault_item_purge_at" ON "vault_item"  ("purge_at") WHERE purge_at IS NOT NULL`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_vault_item_previous_api_key_hash" ON "vault_item"  ("previous_api_key_hash") WHERE previous_api_key_hash IS NOT NULL`);
    await queryRunner.query(`ALTER TABLE "vault_item_version" ADD CONSTRAINT "fk_vault_item_version_item" FOREIGN KEY ("vault_id") REFERENCES "vault_item"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "vault_item_version" DROP CONSTRAINT "fk_vault_item_version_item"`);
    await queryRunner.query(`DROP INDEX "public"."uq_vault_item_previous_api_key_hash"`);
    await queryRunner.query(`DROP INDEX "public"."idx_vault_item_purge_at"`);
    await queryRunner.query(`DROP INDEX "public"."idx_vault_event_customer_id"`);
    await queryRunner.query(`ALTER TABLE "vault_item" DROP COLUMN "purge_at"`);
    await queryRunner.query(`ALTER TABLE "vault_item" DROP COLUMN "deleted_at"`);
    await queryRunner.query(`ALTER TABLE "vault_item" DROP COLUMN "value_created_by"`);
    await queryRunner.query(`ALTER TABLE "vault_item" DROP COLUMN "value_created_at"`);
    await queryRunner.query(`ALTER TABLE "vault_item" DROP COLUMN "version"`);
    await queryRunner.query(`ALTER TABLE "vault_item" DROP COLUMN "previous_api_key_expires_at"`);
    await queryRunner.query(`ALTER TABLE "vault_item" DROP COLUMN "previous_api_key_hash"`);
    await queryRunner.query(`DROP INDEX "public"."idx_vault_item_version_kms_key"`);
    await queryRunner.query(`DROP TABLE "vault_item_version"`);
  }
}
