import { Logger } from '@nestjs/common';
import { QueryRunner } from 'typeorm';
import { inShortLockTransaction } from '../short-lock';
import { quoteIdent as q, rowsOf } from './partition.repository';

/**
 * A column a child table is to carry from its parent row before it can be partitioned by it (the
 * fault's expiry on a fault's comments and path segments): what moveOntoPartitions needs filled first.
 */
export interface ParentColumnFill {
  table: string;
  /** The column added (nullable) to `table`. */
  column: string;
  /** Its SQL type, e.g. `bigint`. */
  type: string;
  /** The table's primary-key columns: the fill walks the table in this order. */
  key: string[];
  parent: {
    table: string;
    /** The parent's expression the column copies, over the parent aliased `p` (e.g. `p.ttl`). */
    value: string;
    /** How a child row finds its parent: pairs of [child column, parent column]. */
    match: Array<[string, string]>;
  };
  /** Rows per batch (default PARTITION_MOVE_BATCH_SIZE or 5000). */
  batchSize?: number;
}

const LOCK_TIMEOUT = '5s';

/**
 * Gives every row of `fill.table` its parent's value in `fill.column`, online and rerunnable:
 *  1. the column, added nullable (no rewrite, no scan);
 *  2. a BEFORE INSERT OR UPDATE trigger giving every row written from then on (by this release or
 *     the previous one, which knows nothing of the column) its parent's value when it has none; a
 *     row whose parent is gone is not written: it could never be read (every read goes through its
 *     parent), and deleting the parent would have deleted it;
 *  3. the rows already there, in batches walking the key, each batch a statement (and transaction)
 *     of its own; rows whose parent is gone are deleted (left behind by deletes of the parent that
 *     did not take its children along), since a partition key cannot be null. A rerun walks again
 *     and skips the rows that have their value.
 * The trigger stays on `fill.table`: moveOntoPartitions replaces the table, and with it the trigger.
 */
export async function fillFromParent(runner: QueryRunner, fill: ParentColumnFill): Promise<void> {
  const { table, column, parent } = fill;
  const fn = q(`${table}__${column}`);
  const parentOf = (row: string): string => parent.match.map(([child, own]) => `p.${q(own)} = ${row}.${q(child)}`).join(' AND ');
  await runner.query(`SET statement_timeout = 0`);
  await runner.query(`ALTER TABLE ${q(table)} ADD COLUMN IF NOT EXISTS ${q(column)} ${fill.type}`);
  await runner.query(`CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      IF NEW.${q(column)} IS NULL THEN
        SELECT ${parent.value} INTO NEW.${q(column)} FROM ${q(parent.table)} p WHERE ${parentOf('NEW')} LIMIT 1;
        IF NEW.${q(column)} IS NULL THEN RETURN NULL; END IF;
      END IF;
      RETURN NEW;
    END $fn$`);
  // Created under a short lock that waits for the writes in flight: every later write fires it, every earlier one is seen by the batches.
  await inShortLockTransaction(runner, { lockTimeout: LOCK_TIMEOUT, attempts: 12, pauseMs: 1000 }, async () => {
    await runner.query(`DROP TRIGGER IF EXISTS ${fn} ON ${q(table)}`);
    await runner.query(`CREATE TRIGGER ${fn} BEFORE INSERT OR UPDATE ON ${q(table)} FOR EACH ROW EXECUTE FUNCTION ${fn}()`);
  });
  await fillInBatches(runner, fill);
}

async function fillInBatches(runner: QueryRunner, fill: ParentColumnFill): Promise<void> {
  const { table, column, parent } = fill;
  const keys = fill.key.map(q).join(', ');
  const same = fill.key.map((k) => `t.${q(k)} = b.${q(k)}`).join(' AND ');
  const parentOf = parent.match.map(([child, own]) => `p.${q(own)} = t.${q(child)}`).join(' AND ');
  const batchSize = fill.batchSize ?? (Number(process.env.PARTITION_MOVE_BATCH_SIZE) || 5000);
  const logger = new Logger('Migrations');
  let position: unknown[] | null = null;
  let filled = 0;
  let orphans = 0;
  for (;;) {
    const after: string = position === null ? '' : `WHERE (${keys}) > (${fill.key.map((_, i) => `$${i + 2}`).join(', ')})`;
    const rows: Array<{ n: number; filled: number; orphans: number; position: unknown[] | null }> = await rowsOf(
      runner,
      `WITH batch AS (SELECT ${keys} FROM ${q(table)} ${after} ORDER BY ${keys} LIMIT $1),
            filled AS (UPDATE ${q(table)} t SET ${q(column)} = ${parent.value} FROM batch b, ${q(parent.table)} p
                       WHERE ${same} AND ${parentOf} AND t.${q(column)} IS NULL RETURNING 1),
            orphans AS (DELETE FROM ${q(table)} t USING batch b
                        WHERE ${same} AND t.${q(column)} IS NULL AND NOT EXISTS (SELECT 1 FROM ${q(parent.table)} p WHERE ${parentOf}) RETURNING 1),
            last AS (SELECT ${keys} FROM batch ORDER BY ${fill.key.map((k) => `${q(k)} DESC`).join(', ')} LIMIT 1)
       SELECT (SELECT count(*) FROM batch)::int AS n, (SELECT count(*) FROM filled)::int AS filled, (SELECT count(*) FROM orphans)::int AS orphans,
              (SELECT json_build_array(${keys}) FROM last) AS position`,
      [batchSize, ...(position ?? [])],
    );
    const batch = rows[0];
    if (batch.n === 0) break;
    position = batch.position;
    filled += batch.filled;
    orphans += batch.orphans;
    logger.log(`${table}: ${filled} rows given their ${column}, ${orphans} of no ${parent.table} row deleted`);
    if (batch.n < batchSize) break;
  }
}
