import { QueryRunner } from 'typeorm';

/**
 * CREATE [UNIQUE] INDEX CONCURRENTLY `name` unless a valid one is there, for a migration with
 * `transaction = false`: the table keeps being written while it builds. IF NOT EXISTS would keep the
 * INVALID leftover of a killed build: that one is dropped and built again. `definition` is what
 * follows `ON`. No statement timeout while it builds (minutes per million rows on a large table).
 */
export async function ensureIndexConcurrently(queryRunner: QueryRunner, name: string, definition: string, options: { unique?: boolean } = {}): Promise<void> {
  const [valid] = (await queryRunner.query(`SELECT x.indisvalid AS ok FROM pg_index x WHERE x.indexrelid = to_regclass($1)`, [name])) as Array<{ ok: boolean }>;
  if (valid?.ok === true) return;
  await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS "${name}"`);
  await queryRunner.query(`SET statement_timeout = 0`);
  try {
    await queryRunner.query(`CREATE ${options.unique === true ? 'UNIQUE ' : ''}INDEX CONCURRENTLY "${name}" ON ${definition}`);
  } finally {
    await queryRunner.query(`RESET statement_timeout`);
  }
}
