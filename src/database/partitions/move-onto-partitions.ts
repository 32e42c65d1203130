import { Logger } from '@nestjs/common';
import { QueryRunner } from 'typeorm';
import { PartitionInterval, PartitionKeyType, periodsBetween, nextPeriod } from './partition-period';
import { inShortLockTransaction, inTransaction } from '../short-lock';
import { Sql, createPartitionIn, quoteIdent as q, rowsOf } from './partition.repository';

/** How one table moves onto declarative range partitions by time. */
export interface PartitionMove {
  table: string;
  /** The partition key column: a timestamptz, or with keyType 'epoch-seconds' a bigint of Unix seconds. */
  column: string;
  keyType?: PartitionKeyType;
  interval: PartitionInterval;
  /** Periods created ahead of the current one (the maintenance job keeps them coming). */
  ahead: number;
  /** Old primary-key columns: the copy walks the table in this order; the mirror trigger finds rows by them. */
  key: string[];
  /** The partitioned table's primary key (tenant first, partition key included) and its indexes: `CREATE … INDEX IF NOT EXISTS "<name>" ON {table} …`. */
  primaryKey: { name: string; columns: string[] };
  indexes: Array<{ name: string; definition: string }>;
  /**
   * Row triggers the partitioned table keeps, created on the twin before the copy so they hold from
   * the swap on: `CREATE OR REPLACE TRIGGER "<name>" … ON {table} …` (rerun safely).
   */
  triggers?: string[];
  /** Statements run inside the swap's transaction before the old table is dropped (e.g. dropping foreign keys into it). */
  beforeSwap?: string[];
  /**
   * Statements run inside the swap's transaction once the twin has the table's name (e.g. triggers
   * that must not fire on the mirror's writes into the twin, only on the application's).
   */
  afterSwap?: string[];
  /** Rows per batch (default PARTITION_MOVE_BATCH_SIZE or 5000). */
  batchSize?: number;
  /** Called after each committed batch. */
  afterBatch?: (copied: number) => void;
}

const shadowOf = (table: string): string => `${table}__partitioned`;
const LOCK_TIMEOUT = '5s';
const SWAP_ATTEMPTS = 20;

/**
 * Moves a live table onto partitions without a long lock, resumably:
 *  1. a partitioned twin `<table>__partitioned` (same columns) with its partitions, default one included;
 *  2. a trigger on the live table mirrors every insert, update and delete into the twin from then on;
 *  3. the rows already there are copied in batches walking the old key (each batch one short
 *     transaction, `FOR SHARE` so a row updated meanwhile is copied in its newest version), the
 *     position kept in the twin's comment, so a rerun after a kill continues where it stopped;
 *  4. one short transaction swaps the names (the old table is dropped; its sequences move to the twin).
 * Rerunning at any point is safe; on a partitioned table it does nothing.
 */
export async function moveOntoPartitions(runner: QueryRunner, move: PartitionMove): Promise<void> {
  if (await isPartitioned(runner, move.table)) return;
  const shadow = shadowOf(move.table);
  await runner.query(`SET statement_timeout = 0`);
  await prepareTwin(runner, move, shadow);
  await installMirror(runner, move, shadow);
  await copyInBatches(runner, move, shadow);
  await swap(runner, move, shadow);
}

export async function isPartitioned(sql: Sql, table: string): Promise<boolean> {
  const rows = await rowsOf<{ kind: string }>(sql, `SELECT relkind AS kind FROM pg_class WHERE oid = to_regclass($1)`, [table]);
  return rows[0]?.kind === 'p';
}

async function prepareTwin(runner: QueryRunner, move: PartitionMove, shadow: string): Promise<void> {
  const { table, column } = move;
  await runner.query(
    `CREATE TABLE IF NOT EXISTS ${q(shadow)} (LIKE ${q(table)} INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING GENERATED) PARTITION BY RANGE (${q(column)})`,
  );
  const pk = `${move.primaryKey.name}__twin`;
  const hasPk = await rowsOf<unknown>(runner, `SELECT 1 FROM pg_constraint WHERE conname = $1 AND conrelid = to_regclass($2)`, [pk, shadow]);
  if (hasPk.length === 0) await runner.query(`ALTER TABLE ${q(shadow)} ADD CONSTRAINT ${q(pk)} PRIMARY KEY (${move.primaryKey.columns.map(q).join(', ')})`);
  for (const index of move.indexes) await runner.query(index.definition.replace('{table}', q(shadow)).replace(`"${index.name}"`, q(`${index.name}__twin`)));
  for (const trigger of move.triggers ?? []) await runner.query(trigger.replace('{table}', q(shadow)));
  const oldest = move.keyType === 'epoch-seconds' ? `to_timestamp(min(${q(column)}))` : `min(${q(column)})`;
  const [range] = await rowsOf<{ first: Date | null }>(runner, `SELECT ${oldest} AS first FROM ${q(table)}`);
  const now = new Date();
  let horizon = now;
  for (let i = 0; i < move.ahead; i++) horizon = nextPeriod(horizon, move.interval);
  await inTransaction(runner, async () => {
    // The twin's partitions carry the final table's names (`events_p20261207`): nothing to rename at the swap.
    await runner.query(`CREATE TABLE IF NOT EXISTS ${q(`${table}_default`)} PARTITION OF ${q(shadow)} DEFAULT`);
    for (const start of periodsBetween(range.first ?? now, horizon, move.interval)) await createPartitionIn(new Named(runner, table, shadow), table, column, start, move.interval, move.keyType);
  });
}

async function installMirror(runner: QueryRunner, move: PartitionMove, shadow: string): Promise<void> {
  const fn = q(`${move.table}__mirror`);
  const match = (row: string): string => move.key.map((k) => `${q(k)} = ${row}.${q(k)}`).join(' AND ');
  await runner.query(`CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      IF TG_OP IN ('UPDATE', 'DELETE') THEN DELETE FROM ${q(shadow)} WHERE ${match('OLD')}; END IF;
      IF TG_OP IN ('INSERT', 'UPDATE') THEN INSERT INTO ${q(shadow)} OVERRIDING SYSTEM VALUE SELECT (NEW).* ON CONFLICT DO NOTHING; END IF;
      RETURN NULL;
    END $fn$`);
  // CREATE TRIGGER waits for the writes in flight: every later write fires it, every earlier one is seen by the copy.
  await inShortLockTransaction(runner, { lockTimeout: LOCK_TIMEOUT, attempts: 1, pauseMs: 0 }, async () => {
    await runner.query(`DROP TRIGGER IF EXISTS ${q(`${move.table}__mirror`)} ON ${q(move.table)}`);
    await runner.query(`CREATE TRIGGER ${q(`${move.table}__mirror`)} AFTER INSERT OR UPDATE OR DELETE ON ${q(move.table)} FOR EACH ROW EXECUTE FUNCTION ${fn}()`);
  });
}

async function copyInBatches(runner: QueryRunner, move: PartitionMove, shadow: string): Promise<void> {
  const keys = move.key.map(q).join(', ');
  const batchSize = move.batchSize ?? (Number(process.env.PARTITION_MOVE_BATCH_SIZE) || 5000);
  const logger = new Logger('Migrations');
  let position = await readPosition(runner, shadow);
  let copied = 0;
  for (;;) {
    const after = position === null ? '' : `WHERE (${keys}) > (${move.key.map((_, i) => `$${i + 2}`).join(', ')})`;
    const rows = await rowsOf<{ n: number; position: unknown[] }>(
      runner,
      `WITH batch AS (SELECT * FROM ${q(move.table)} ${after} ORDER BY ${keys} LIMIT $1 FOR SHARE),
            copied AS (INSERT INTO ${q(shadow)} OVERRIDING SYSTEM VALUE SELECT * FROM batch ON CONFLICT DO NOTHING),
            last AS (SELECT ${keys} FROM batch ORDER BY ${move.key.map((k) => `${q(k)} DESC`).join(', ')} LIMIT 1)
       SELECT (SELECT count(*) FROM batch)::int AS n, (SELECT json_build_array(${keys}) FROM last) AS position`,
      [batchSize, ...(position ?? [])],
    );
    const n = rows[0].n;
    if (n === 0) return;
    position = rows[0].position;
    await runner.query(`COMMENT ON TABLE ${q(shadow)} IS ${quoteLiteral(JSON.stringify({ position }))}`);
    copied += n;
    logger.log(`${move.table}: ${copied} rows copied onto partitions`);
    move.afterBatch?.(copied);
    if (n < batchSize) return;
  }
}

async function readPosition(runner: QueryRunner, shadow: string): Promise<unknown[] | null> {
  const rows = await rowsOf<{ note: string | null }>(runner, `SELECT obj_description(to_regclass($1), 'pg_class') AS note`, [shadow]);
  return rows[0]?.note ? (JSON.parse(rows[0].note) as { position: unknown[] }).position : null;
}

async function swap(runner: QueryRunner, move: PartitionMove, shadow: string): Promise<void> {
  const { table } = move;
  await inShortLockTransaction(runner, { lockTimeout: LOCK_TIMEOUT, attempts: SWAP_ATTEMPTS, pauseMs: 0 }, async () => {
    await runner.query(`LOCK TABLE ${q(table)} IN ACCESS EXCLUSIVE MODE`);
    for (const statement of move.beforeSwap ?? []) await runner.query(statement);
    // Rows past the last batch (normally none: the trigger mirrored every write since it exists).
    await runner.query(`INSERT INTO ${q(shadow)} OVERRIDING SYSTEM VALUE SELECT * FROM ${q(table)} ON CONFLICT DO NOTHING`);
    await handOverSequences(runner, table, shadow);
    await runner.query(`DROP TABLE ${q(table)}`);
    await runner.query(`DROP FUNCTION IF EXISTS ${q(`${table}__mirror`)}()`);
    await runner.query(`ALTER TABLE ${q(shadow)} RENAME TO ${q(table)}`);
    await renameOwnSequences(runner, table, shadow);
    await runner.query(`COMMENT ON TABLE ${q(table)} IS NULL`);
    await runner.query(`ALTER TABLE ${q(table)} RENAME CONSTRAINT ${q(`${move.primaryKey.name}__twin`)} TO ${q(move.primaryKey.name)}`);
    for (const index of move.indexes) await runner.query(`ALTER INDEX ${q(`${index.name}__twin`)} RENAME TO ${q(index.name)}`);
    for (const statement of move.afterSwap ?? []) await runner.query(statement);
  });
}

/**
 * Before `table` is dropped for `successor`: each sequence `table` owns (serial, identity) either
 * sets `successor`'s own sequence of that column to where it stands, or, when `successor` has none,
 * becomes owned by `successor`'s column (so the drop keeps it).
 */
async function handOverSequences(runner: QueryRunner, table: string, successor: string): Promise<void> {
  const owned = await rowsOf<{ seq: string; col: string }>(
    runner,
    `SELECT s.relname AS seq, a.attname AS col FROM pg_depend d JOIN pg_class s ON s.oid = d.objid
     JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
     WHERE d.refobjid = to_regclass($1) AND d.deptype IN ('a', 'i') AND s.relkind = 'S'`,
    [table],
  );
  for (const s of owned) {
    const [{ twin }] = await rowsOf<{ twin: string | null }>(runner, `SELECT pg_get_serial_sequence($1, $2) AS twin`, [successor, s.col]);
    if (twin !== null) await runner.query(`SELECT setval($1, (SELECT last_value FROM ${q(s.seq)}), (SELECT is_called FROM ${q(s.seq)}))`, [twin]);
    else await runner.query(`ALTER SEQUENCE ${q(s.seq)} OWNED BY ${q(successor)}.${q(s.col)}`);
  }
}

/**
 * After `from` was renamed to `table`: the sequences it created itself (an identity column's,
 * `<from>_id_seq`) take `table`'s name (`<table>_id_seq`), free since the old table's went with it.
 */
async function renameOwnSequences(runner: QueryRunner, table: string, from: string): Promise<void> {
  const owned = await rowsOf<{ seq: string }>(
    runner,
    `SELECT s.relname AS seq FROM pg_depend d JOIN pg_class s ON s.oid = d.objid
     WHERE d.refobjid = to_regclass($1) AND d.deptype IN ('a', 'i') AND s.relkind = 'S' AND starts_with(s.relname, $2)`,
    [table, `${from}_`],
  );
  for (const s of owned) await runner.query(`ALTER SEQUENCE ${q(s.seq)} RENAME TO ${q(table + s.seq.slice(from.length))}`);
}

function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** Runs createPartitionIn against the twin while naming partitions after the final table. */
class Named implements Sql {
  constructor(
    private readonly runner: QueryRunner,
    private readonly table: string,
    private readonly shadow: string,
  ) {}
  query(sql: string, parameters?: unknown[]): Promise<unknown> {
    return this.runner.query(sql.replace(`PARTITION OF "${this.table}"`, `PARTITION OF ${q(this.shadow)}`).replace(`INSERT INTO "${this.table}"`, `INSERT INTO ${q(this.shadow)}`), parameters);
  }
}

/**
 * The way back (a migration's down): the rows copied into one plain table, then `restore` (its
 * original primary key and indexes). Not online: reverting is a maintenance-window operation.
 */
export async function moveOffPartitions(runner: QueryRunner, table: string, restore: string[]): Promise<void> {
  if (!(await isPartitioned(runner, table))) return;
  const plain = `${table}__plain`;
  await runner.query(`CREATE TABLE ${q(plain)} (LIKE ${q(table)} INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING GENERATED)`);
  await runner.query(`INSERT INTO ${q(plain)} OVERRIDING SYSTEM VALUE SELECT * FROM ${q(table)}`);
  await handOverSequences(runner, table, plain);
  await runner.query(`DROP TABLE ${q(table)}`);
  await runner.query(`ALTER TABLE ${q(plain)} RENAME TO ${q(table)}`);
  await renameOwnSequences(runner, table, plain);
  for (const statement of restore) await runner.query(statement);
}
