import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateFaults1795457339041 implements MigrationInterface {
  name = 'CreateFaults1795457339041';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "fault_access_tokens" ("id" uuid NOT NULL, "customer_id" character varying(128) NOT NULL, "issued_by" character varying(256) NOT NULL, "token_hash" character(64) NOT NULL, "code_hash" character(64) NOT NULL, "key_id" character varying(64) NOT NULL, "issued_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "fault_access_tokens_pkey" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "fault_access_tokens_expires_idx" ON "fault_access_tokens"  ("expires_at") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "fault_access_tokens_code_hash_key" ON "fault_access_tokens"  ("code_hash") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "fault_access_tokens_token_hash_key" ON "fault_access_tokens"  ("token_hash") `);
    await queryRunner.query(`CREATE TABLE "faults" ("id" character varying(31) NOT NULL, "customer_id" character varying(128) NOT NULL, "resource_id" character varying(128) NOT NULL, "microservice_id" character varying(128) NOT NULL, "type" character varying(128) NOT NULL, "status" character varying(16) NOT NULL, "severity" character varying(16) NOT NULL, "message" character varying(500) NOT NULL, "cause" character varying(2000), "resource_ancestry_path" character varying(512), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL, "resolved_at" TIMESTAMP WITH TIME ZONE, "ttl" bigint NOT NULL, CONSTRAINT "faults_pkey" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "faults_ttl_idx" ON "faults"  ("ttl") `);
    await queryRunner.query(`CREATE INDEX "faults_customer_resource_created_idx" ON "faults"  ("customer_id", "resource_id", "created_at", "id") `);
    await queryRunner.query(`CREATE INDEX "faults_customer_type_created_idx" ON "faults"  ("customer_id", "type", "created_at", "id") `);
    await queryRunner.query(`CREATE INDEX "faults_customer_severity_created_idx" ON "faults"  ("customer_id", "severity", "created_at", "id") `);
    await queryRunner.query(`CREATE INDEX "faults_customer_status_created_idx" ON "faults"  ("customer_id", "status", "created_at", "id") `);
    await queryRunner.query(`CREATE INDEX "faults_customer_created_idx" ON "faults"  ("customer_id", "created_at", "id") `);
    await queryRunner.query(`CREATE TABLE "fault_comments" ("id" uuid NOT NULL, "fault_id" character varying(31) NOT NULL, "customer_id" character varying(128) NOT NULL, "user_id" character varying(256) NOT NULL, "comment" character varying(2000) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "fault_comments_pkey" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "fault_comments_fault_created_idx" ON "fault_comments"  ("fault_id", "created_at", "id") `);
    await queryRunner.query(`CREATE TABLE "fault_idempotency_keys" ("customer_id" character varying(128) NOT NULL, "key" character varying(255) NOT NULL, "request_hash" character(64) NOT NULL, "response_status" integer, "response_body" jsonb, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "fault_idempotency_keys_pkey" PRIMARY KEY ("customer_id", "key"))`);
    await queryRunner.query(`CREATE INDEX "fault_idempotency_keys_expires_idx" ON "fault_idempotency_keys"  ("expires_at") `);
    await queryRunner.query(`CREATE TABLE "fault_path_segments" ("fault_id" character varying(31) NOT NULL, "segment" character varying(512) NOT NULL, "customer_id" character varying(128) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "fault_path_segments_pkey" PRIMARY KEY ("fault_id", "segment"))`);
    await queryRunner.query(`CREATE INDEX "fault_path_segments_lookup_idx" ON "fault_path_segments"  ("customer_id", "segment", "created_at", "fault_id") `);
    await queryRunner.query(`ALTER TABLE "fault_comments" ADD CONSTRAINT "fault_comments_fault_fk" FOREIGN KEY ("fault_id") REFERENCES "faults"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "fault_path_segments" ADD CONSTRAINT "fault_path_segments_fault_fk" FOREIGN KEY ("fault_id") REFERENCES "faults"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "fault_path_segments" DROP CONSTRAINT "fault_path_segments_fault_fk"`);
    await queryRunner.query(`ALTER TABLE "fault_comments" DROP CONSTRAINT "fault_comments_fault_fk"`);
    await queryRunner.query(`DROP INDEX "public"."fault_path_segments_lookup_idx"`);
    await queryRunner.query(`DROP TABLE "fault_path_segments"`);
    await queryRunner.query(`DROP INDEX "public"."fault_idempotency_keys_expires_idx"`);
    await queryRunner.query(`DROP TABLE "fault_idempotency_keys"`);
    await queryRunner.query(`DROP INDEX "public"."fault_comments_fault_created_idx"`);
    await queryRunner.query(`DROP TABLE "fault_comments"`);
    await queryRunner.query(`DROP INDEX "public"."faults_customer_created_idx"`);
    await queryRunner.query(`DROP INDEX "public"."faults_customer_status_created_idx"`);
    await queryRunner.query(`DROP INDEX "public"."faults_customer_severity_created_idx"`);
    await queryRunner.query(`DROP INDEX "public"."faults_customer_type_created_idx"`);
    await queryRunner.query(`DROP INDEX "public"."faults_customer_resource_created_idx"`);
    await queryRunner.query(`DROP INDEX "public"."faults_ttl_idx"`);
    await queryRunner.query(`DROP TABLE "faults"`);
    await queryRunner.query(`DROP INDEX "public"."fault_access_tokens_token_hash_key"`);
    await queryRunner.query(`DROP INDEX "public"."fault_access_tokens_code_hash_key"`);
    await queryRunner.query(`DROP INDEX "public"."fault_access_tokens_expires_idx"`);
    await queryRunner.query(`DROP TABLE "fault_access_tokens"`);
  }
}
