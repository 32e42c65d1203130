import { QueryRunner } from 'typeorm';
import { ensureIndexConcurrently } from './concurrent-index';
import { inShortLockTransaction } from './short-lock';

/**
 * A foreign key into the table whose key moves: `table.column` references the parent's id alone
 * (constraint `from`); it becomes `to`, (customer_id, column) → the parent's (customer_id, id), with
 * the same ON DELETE. The referencing table must hold the same customer_id as the row it references.
 */
export interface TenantFirstReference {
  table: string;
  column: string;
  from: string;
  to: string;
  onDelete: 'CASCADE' | 'NO ACTION' | 'RESTRICT';
}

/** How long a step that needs a short exclusive lock waits for it before giving up and trying again. */
const LOCK_TIMEOUT = '5s';
const LOCK_ATTEMPTS = 12;

/**
 * Moves a table's primary key to lead with customer_id (docs/scaling.md, tenant-first keys) without
 * locking the table while the new key's index builds: a unique index built CONCURRENTLY, then swapped
 * in as the primary key under the same constraint name (ALTER TABLE … ADD CONSTRAINT … USING INDEX
 * renames the index to the constraint's name). For a migration with `transaction = false`.
 *
 * A primary key cannot be dropped while a foreign key depends on it, so `references` (every foreign
 * key into the table, all on its id) move first, online: each new composite key is added NOT VALID
 * against the new unique index (a short lock, no scan), then VALIDATEd (a scan of the referencing table
 * under SHARE UPDATE EXCLUSIVE, which lets reads and writes go on), then the old one is dropped. Only
 * then is the key swapped. The steps that take an exclusive lock (add NOT VALID, drop, swap) wait at
 * most LOCK_TIMEOUT for it and are retried, so they never queue every query behind a long one.
 *
 * Idempotent, step by step: a key already moved is left alone, an INVALID index left by a killed build
 * is dropped and built again, a foreign key left NOT VALID is validated, an old one left is dropped.
 */
export async function moveToTenantFirstKey(queryRunner: QueryRunner, table: string, constraint: string, columns: string[], references: TenantFirstReference[] = []): Promise<void> {
  const moved = (await primaryKeyColumns(queryRunner, table, constraint)) === columns.join(', ');
  const building = `${constraint}_tenant_first`;
  if (!moved) await ensureIndexConcurrently(queryRunner, building, `"${table}" (${quoted(columns)})`, { unique: true });
  for (const reference of references) await moveReference(queryRunner, table, columns, reference);
  if (moved) return;
  await withShortLock(queryRunner, `ALTER TABLE "${table}" DROP CONSTRAINT "${constraint}", ADD CONSTRAINT "${constraint}" PRIMARY KEY USING INDEX "${building}"`);
}

/**
 * The way back, inside the revert's transaction (TypeORM reverts so whatever `transaction` says): a plain
 * build. The composite foreign keys go first (they depend on the key) and come back on the id alone.
 */
export async function moveBackPrimaryKey(queryRunner: QueryRunner, table: string, constraint: string, columns: string[], references: TenantFirstReference[] = []): Promise<void> {
  for (const r of references) await queryRunner.query(`ALTER TABLE "${r.table}" DROP CONSTRAINT IF EXISTS "${r.to}"`);
  await queryRunner.query(`ALTER TABLE "${table}" DROP CONSTRAINT "${constraint}", ADD CONSTRAINT "${constraint}" PRIMARY KEY (${quoted(columns)})`);
  for (const r of references) {
    await queryRunner.query(`ALTER TABLE "${r.table}" ADD CONSTRAINT "${r.from}" FOREIGN KEY ("${r.column}") REFERENCES "${table}" (${quoted(columns)}) ON DELETE ${r.onDelete}`);
  }
}

async function moveReference(queryRunner: QueryRunner, parent: string, parentKey: string[], r: TenantFirstReference): Promise<void> {
  if (parentKey.length !== 2 || parentKey[0] !== 'customer_id') throw new Error(`moveToTenantFirstKey: a reference needs a key of (customer_id, id), not (${parentKey.join(', ')})`);
  const [existing] = (await queryRunner.query(`SELECT convalidated AS valid FROM pg_constraint WHERE conrelid = $1::regclass AND conname = $2`, [r.table, r.to])) as Array<{ valid: boolean }>;
  if (existing === undefined) {
    await withShortLock(
      queryRunner,
      `ALTER TABLE "${r.table}" ADD CONSTRAINT "${r.to}" FOREIGN KEY ("customer_id", "${r.column}") REFERENCES "${parent}" (${quoted(parentKey)}) ON DELETE ${r.onDelete} NOT VALID`,
    );
  }
  if (existing?.valid !== true) {
    // Reads the whole referencing table: no statement timeout.
    await queryRunner.query(`SET statement_timeout = 0`);
    try {
      await queryRunner.query(`ALTER TABLE "${r.table}" VALIDATE CONSTRAINT "${r.to}"`);
    } finally {
      await queryRunner.query(`RESET statement_timeout`);
    }
  }
  await withShortLock(queryRunner, `ALTER TABLE "${r.table}" DROP CONSTRAINT IF EXISTS "${r.from}"`);
}

async function primaryKeyColumns(queryRunner: QueryRunner, table: string, constraint: string): Promise<string | null> {
  const [current] = (await queryRunner.query(
    `SELECT string_agg(a.attname, ', ' ORDER BY k.ord) AS columns
     FROM pg_constraint c CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
     WHERE c.conrelid = $1::regclass AND c.conname = $2 AND c.contype = 'p'`,
    [table, constraint],
  )) as Array<{ columns: string | null }>;
  return current?.columns ?? null;
}

/** One DDL statement in a transaction of its own that waits at most LOCK_TIMEOUT for its lock; retried when it did not get it. */
function withShortLock(queryRunner: QueryRunner, statement: string): Promise<void> {
  return inShortLockTransaction(queryRunner, { lockTimeout: LOCK_TIMEOUT, attempts: LOCK_ATTEMPTS, pauseMs: 1000 }, async () => {
    await queryRunner.query(statement);
  });
}

function quoted(columns: string[]): string {
  return columns.map((c) => `"${c}"`).join(', ');
}
