import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `GET /fault?q=`: a pg_trgm GIN index on message + newline + cause (the expression the list
 * query filters with ILIKE; a query has no newline, so it never matches across the two fields).
 * Built CONCURRENTLY, outside a transaction, so reports keep being written while it builds on a
 * large table (≈ 1 min per million faults here); a failed build leaves an INVALID index that the
 * rerun drops and builds again.
 */
export class AddFaultTextSearch1795587057216 implements MigrationInterface {
  name = 'AddFaultTextSearch1795587057216';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    // pg_trgm is a trusted extension (PostgreSQL ≥ 13): the database owner may create it.
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS "faults_text_trgm_idx"`);
    await queryRunner.query(`SET statement_timeout = 0`);
    try {
      await queryRunner.query(
        `CREATE INDEX CONCURRENTLY "faults_text_trgm_idx" ON "faults" USING gin ((message || E'\\n' || coalesce(cause, '')) gin_trgm_ops)`,
      );
    } finally {
      await queryRunner.query(`RESET statement_timeout`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Not CONCURRENTLY: TypeORM reverts inside a transaction whatever `transaction` says; a drop is quick anyway.
    await queryRunner.query(`DROP INDEX IF EXISTS "faults_text_trgm_idx"`);
    // The extension stays: other schemas of the database may use it.
  }
}
