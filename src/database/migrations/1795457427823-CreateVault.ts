import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateVault1795457427823 implements MigrationInterface {
  name = 'CreateVault1795457427823';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "kms_key_check" ("provider" character varying(16) NOT NULL, "key_id" character varying(256) NOT NULL, "key_version" character varying(128) NOT NULL, "wrapped_key" bytea NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_kms_key_check" PRIMARY KEY ("provider", "key_id"))`);
    await queryRunner.query(`CREATE TABLE "vault_event" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "customer_id" character varying(128), "vault_id" character varying(30), "item_name" character varying(200), "action" character varying(16) NOT NULL, "outcome" character varying(16) NOT NULL, "actor" character varying(300) NOT NULL, "request_id" character varying(128), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "pk_vault_event" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "idx_vault_event_customer_vault" ON "vault_event"  ("customer_id", "vault_id", "id") `);
    await queryRunner.query(`CREATE TABLE "vault_item" ("id" character varying(30) NOT NULL, "customer_id" character varying(128) NOT NULL, "name" character varying(200) NOT NULL, "kind" character varying(16) NOT NULL, "enc_format" smallint, "kms_provider" character varying(16), "kms_key_id" character varying(256), "kms_key_version" character varying(128), "wrapped_key" bytea, "ciphertext" bytea, "api_key_hash" bytea, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE, "last_used_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "pk_vault_item" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_vault_item_api_key_hash" ON "vault_item"  ("api_key_hash") WHERE api_key_hash IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX "idx_vault_item_kms_key" ON "vault_item"  ("kms_provider", "kms_key_id", "kms_key_version", "id") `);
    await queryRunner.query(`CREATE INDEX "idx_vault_item_customer_expires" ON "vault_item"  ("customer_id", "expires_at") `);
    await queryRunner.query(`CREATE INDEX "idx_vault_item_customer_id" ON "vault_item"  ("customer_id", "id") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_vault_item_customer_name" ON "vault_item"  ("customer_id", "name") `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."uq_vault_item_customer_name"`);
    await queryRunner.query(`DROP INDEX "public"."idx_vault_item_customer_id"`);
    await queryRunner.query(`DROP INDEX "public"."idx_vault_item_customer_expires"`);
    await queryRunner.query(`DROP INDEX "public"."idx_vault_item_kms_key"`);
    await queryRunner.query(`DROP INDEX "public"."uq_vault_item_api_key_hash"`);
    await queryRunner.query(`DROP TABLE "vault_item"`);
    await queryRunner.query(`DROP INDEX "public"."idx_vault_event_customer_vault"`);
    await queryRunner.query(`DROP TABLE "vault_event"`);
    await queryRunner.query(`DROP TABLE "kms_key_check"`);
  }
}
