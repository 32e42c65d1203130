import { QueryRunner } from 'typeorm';
import { ensureIndexConcurrently } from './concurrent-index';

/**
 * Moves a table's primary key to lead with customer_id (docs/scaling.md, tenant-first keys) without
 * locking the table while the new key's index builds: a unique index built CONCURRENTLY, then swapped
 * in as the primary key under the same constraint name (ALTER TABLE … ADD CONSTRAINT … USING INDEX
 * renames the index to the constraint's name). For a migration with `transaction = false`.
 * Idempotent: a key already moved is left alone, and an INVALID index left by a killed build is dropped first.
 */
export async function moveToTenantFirstKey(queryRunner: QueryRunner, table: string, constraint: string, columns: string[]): Promise<void> {
  const wanted = columns.join(', ');
  const [current] = (await queryRunner.query(
    `SELECT string_agg(a.attname, ', ' ORDER BY k.ord) AS columns
     FROM pg_constraint c CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
     WHERE c.conrelid = $1::regclass AND c.conname = $2 AND c.contype = 'p'`,
    [table, constraint],
  )) as Array<{ columns: string | null }>;
  if (current?.columns === wanted) return;
  const building = `${constraint}_tenant_first`;
  await ensureIndexConcurrently(queryRunner, building, `"${table}" (${columns.map((c) => `"${c}"`).join(', ')})`, { unique: true });
  await queryRunner.query(`ALTER TABLE "${table}" DROP CONSTRAINT "${constraint}", ADD CONSTRAINT "${constraint}" PRIMARY KEY USING INDEX "${building}"`);
}

/** The way back, inside the revert's transaction (TypeORM reverts so whatever `transaction` says): a plain build. */
export async function moveBackPrimaryKey(queryRunner: QueryRunner, table: string, constraint: string, columns: string[]): Promise<void> {
  await queryRunner.query(`ALTER TABLE "${table}" DROP CONSTRAINT "${constraint}", ADD CONSTRAINT "${constraint}" PRIMARY KEY (${columns.map((c) => `"${c}"`).join(', ')})`);
}
