import { DataSource } from 'typeorm';
import { PartitionInterval, PartitionKeyType, defaultPartitionName, keyValue, nextPeriod, parsePartitionName, partitionName } from './partition-period';

/** Anything that runs SQL: a DataSource, a QueryRunner, an EntityManager. */
export interface Sql {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/** The rows a statement answers, typed by the caller. */
export async function rowsOf<T>(sql: Sql, text: string, parameters?: unknown[]): Promise<T[]> {
  return (await sql.query(text, parameters)) as T[];
}

/** Waits at most this long for the parent's lock (a long reader): the job tries again in the next slot. */
const LOCK_TIMEOUT = '3s';

/** A quoted SQL identifier (a table or partition name built at run time). */
export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const literal = (at: Date, keyType: PartitionKeyType): string => (keyType === 'epoch-seconds' ? String(keyValue(at, keyType)) : `'${at.toISOString()}'`);

/** The period partitions of `table` (the default partition left out), oldest first. */
export async function listPartitions(sql: Sql, table: string): Promise<Array<{ name: string; start: Date }>> {
  const rows = await rowsOf<{ name: string }>(
    sql,
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass($1)`,
    [table],
  );
  return rows
    .map((r) => ({ name: r.name, start: parsePartitionName(table, r.name) }))
    .filter((p): p is { name: string; start: Date } => p.start !== undefined)
    .sort((a, b) => a.start.getTime() - b.start.getTime());
}

/** Creates the default partition of `table` when it has none. */
export async function ensureDefaultPartition(sql: Sql, table: string): Promise<void> {
  await sql.query(`CREATE TABLE IF NOT EXISTS ${quoteIdent(defaultPartitionName(table))} PARTITION OF ${quoteIdent(table)} DEFAULT`);
}

/**
 * Creates the partition of the period starting at `start`, inside the caller's transaction: rows of
 * that period already in the default partition (written while no partition covered it) are moved
 * into it, since PostgreSQL refuses a partition whose rows sit in the default one.
 */
export async function createPartitionIn(
  sql: Sql,
  table: string,
  column: string,
  start: Date,
  interval: PartitionInterval,
  keyType: PartitionKeyType = 'timestamptz',
): Promise<string> {
  const name = partitionName(table, start, interval);
  const end = nextPeriod(start, interval);
  const fallback = quoteIdent(defaultPartitionName(table));
  const range = `${quoteIdent(column)} >= ${literal(start, keyType)} AND ${quoteIdent(column)} < ${literal(end, keyType)}`;
  const parked = await rowsOf<{ n: number }>(sql, `SELECT count(*)::int AS n FROM ${fallback} WHERE ${range}`);
  const stash = quoteIdent(`${name}_stash`);
  if (parked[0].n > 0) {
    await sql.query(`CREATE TEMP TABLE ${stash} ON COMMIT DROP AS SELECT * FROM ${fallback} WHERE ${range}`);
    await sql.query(`DELETE FROM ${fallback} WHERE ${range}`);
  }
  await sql.query(`CREATE TABLE IF NOT EXISTS ${quoteIdent(name)} PARTITION OF ${quoteIdent(table)} FOR VALUES FROM (${literal(start, keyType)}) TO (${literal(end, keyType)})`);
  if (parked[0].n > 0) await sql.query(`INSERT INTO ${quoteIdent(table)} OVERRIDING SYSTEM VALUE SELECT * FROM ${stash}`);
  return name;
}

/** Partition DDL of the maintenance job: each change in a short transaction that gives up on a busy table. */
export class PartitionRepository {
  constructor(private readonly dataSource: DataSource) {}

  list(table: string): Promise<Array<{ name: string; start: Date }>> {
    return listPartitions(this.dataSource, table);
  }

  /** Creates the missing partitions among `starts`; answers the names created. */
  async create(table: string, column: string, starts: Date[], interval: PartitionInterval, keyType: PartitionKeyType = 'timestamptz'): Promise<string[]> {
    const existing = new Set((await this.list(table)).map((p) => p.name));
    const created: string[] = [];
    for (const start of starts) {
      if (existing.has(partitionName(table, start, interval))) continue;
      created.push(
        await this.dataSource.transaction(async (m) => {
          await m.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
          // Two instances' jobs (a slot run and a boot run) never create the same partition at once.
          await m.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`partitions:${table}`]);
          await ensureDefaultPartition(m, table);
          return createPartitionIn(m, table, column, start, interval, keyType);
        }),
      );
    }
    return created;
  }

  /** Detaches and drops a partition: its rows go at once, whatever their number, with next to no WAL. */
  async drop(table: string, name: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await m.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
      await m.query(`ALTER TABLE ${quoteIdent(table)} DETACH PARTITION ${quoteIdent(name)}`);
      await m.query(`DROP TABLE ${quoteIdent(name)}`);
    });
  }

  /** Deletes up to `batch` rows older than `before` from the default partition (rows no period partition took). */
  async deleteFromDefault(table: string, column: string, before: Date, batch: number, keyType: PartitionKeyType = 'timestamptz'): Promise<number> {
    const fallback = quoteIdent(defaultPartitionName(table));
    const result: [unknown[], number] = await this.dataSource.query(
      `DELETE FROM ${fallback} WHERE ctid = ANY(ARRAY(SELECT ctid FROM ${fallback} WHERE ${quoteIdent(column)} < $1 LIMIT $2 FOR UPDATE SKIP LOCKED))`,
      [keyValue(before, keyType), batch],
    );
    return result[1];
  }
}
