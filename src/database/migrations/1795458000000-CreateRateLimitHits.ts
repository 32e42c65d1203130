import { MigrationInterface, QueryRunner } from 'typeorm';

/** Shared rate-limit windows (RATE_LIMIT_STORE=postgres). UNLOGGED: counts need no crash safety. No entity: raw SQL only. */
export class CreateRateLimitHits1795458000000 implements MigrationInterface {
  name = 'CreateRateLimitHits1795458000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE UNLOGGED TABLE "rate_limit_hits" ("key" character varying(300) NOT NULL, "window_start" TIMESTAMP WITH TIME ZONE NOT NULL, "count" integer NOT NULL, CONSTRAINT "rate_limit_hits_pkey" PRIMARY KEY ("key", "window_start"))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "rate_limit_hits"`);
  }
}
