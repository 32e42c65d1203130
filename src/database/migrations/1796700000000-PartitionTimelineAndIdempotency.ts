import { Logger } from '@nestjs/common';
import { MigrationInterface, QueryRunner } from 'typeorm';
import { isPartitioned, moveOntoPartitions, moveOffPartitions } from '../partitions/move-onto-partitions';
import { nextPeriod, periodStart } from '../partitions/partition-period';
import { rowsOf } from '../partitions/partition.repository';

const BATCH = (): number => Number(process.env.PARTITION_MOVE_BATCH_SIZE) || 5000;
/** At most this many monthly partitions of expiries made ahead here (FAULT_RETENTION_DAYS is at most 3650); the rest wait in the default partition. */
const MAX_MONTHS_AHEAD = 125;

/**
 * `fault_timeline` moves onto monthly partitions by its fault's expiry and `fault_idempotency_keys`
 * onto daily partitions by `created_at`, online (moveOntoPartitions: mirror trigger, batched
 * resumable copy, one short swap); retention then drops whole partitions (PartitionMaintenance,
 * registered by FaultPurgeService) instead of deleting row by row.
 *
 * The timeline first gets `fault_expires_at` (to_timestamp of its fault's `ttl`), its partition key:
 * added empty, filled by a trigger for rows written meanwhile and in batches for the rows there, so
 * every row carries it before the copy. Its foreign key to `faults` goes with the old table: the
 * cascade deleted a purged fault's entries row by row; deleting a fault deletes them explicitly now,
 * and a trigger on `faults` moves a fault's entries along should its ttl ever change.
 * Keys: (customer_id, fault_id, at, id, fault_expires_at) and (customer_id, key, created_at).
 * Outside a transaction: every batch commits on its own, so a killed run resumes.
 */
export class PartitionTimelineAndIdempotency1796700000000 implements MigrationInterface {
  name = 'PartitionTimelineAndIdempotency1796700000000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    if (!(await isPartitioned(queryRunner, 'fault_timeline'))) {
      await giveTimelineItsExpiry(queryRunner);
      await moveOntoPartitions(queryRunner, {
        table: 'fault_timeline',
        column: 'fault_expires_at',
        interval: 'month',
        ahead: await monthsToLastExpiry(queryRunner),
        key: ['customer_id', 'fault_id', 'at', 'id'],
        primaryKey: { name: 'fault_timeline_pkey', columns: ['customer_id', 'fault_id', 'at', 'id', 'fault_expires_at'] },
        indexes: [],
      });
    }
    // Left by the old table's fill trigger (the trigger went with the table).
    await queryRunner.query(`DROP FUNCTION IF EXISTS "fault_timeline__expiry"()`);
    await queryRunner.query(`CREATE OR REPLACE FUNCTION "faults__ttl_moves_timeline"() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        UPDATE fault_timeline SET fault_expires_at = to_timestamp(NEW.ttl) WHERE customer_id = NEW.customer_id AND fault_id = NEW.id;
        RETURN NULL;
      END $fn$`);
    await inShortTransaction(queryRunner, [
      `DROP TRIGGER IF EXISTS "faults_ttl_moves_timeline" ON "faults"`,
      `CREATE TRIGGER "faults_ttl_moves_timeline" AFTER UPDATE OF ttl ON "faults" FOR EACH ROW WHEN (OLD.ttl IS DISTINCT FROM NEW.ttl) EXECUTE FUNCTION "faults__ttl_moves_timeline"()`,
    ]);

    await moveOntoPartitions(queryRunner, {
      table: 'fault_idempotency_keys',
      column: 'created_at',
      interval: 'day',
      ahead: 3,
      key: ['customer_id', 'key'],
      primaryKey: { name: 'fault_idempotency_keys_pkey', columns: ['customer_id', 'key', 'created_at'] },
      indexes: [],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (await isPartitioned(queryRunner, 'fault_idempotency_keys')) {
      // (customer_id, key) becomes unique again: an expired claim gives way to the newer one.
      await queryRunner.query(
        `DELETE FROM fault_idempotency_keys a USING fault_idempotency_keys b WHERE a.customer_id = b.customer_id AND a.key = b.key AND a.created_at < b.created_at`,
      );
    }
    await moveOffPartitions(queryRunner, 'fault_idempotency_keys', [
      `ALTER TABLE "fault_idempotency_keys" ADD CONSTRAINT "fault_idempotency_keys_pkey" PRIMARY KEY ("customer_id", "key")`,
      `CREATE INDEX "fault_idempotency_keys_expires_idx" ON "fault_idempotency_keys" ("expires_at")`,
    ]);
    await queryRunner.query(`DROP TRIGGER IF EXISTS "faults_ttl_moves_timeline" ON "faults"`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS "faults__ttl_moves_timeline"()`);
    await moveOffPartitions(queryRunner, 'fault_timeline', [
      // Entries of purged faults wait for their partition's drop: they go now, or the foreign key would refuse them.
      `DELETE FROM "fault_timeline" t WHERE NOT EXISTS (SELECT 1 FROM "faults" f WHERE f.id = t.fault_id)`,
      `ALTER TABLE "fault_timeline" DROP COLUMN "fault_expires_at"`,
      `ALTER TABLE "fault_timeline" ADD CONSTRAINT "fault_timeline_pkey" PRIMARY KEY ("customer_id", "fault_id", "at", "id")`,
      `CREATE INDEX "fault_timeline_fault_idx" ON "fault_timeline" ("fault_id")`,
      `ALTER TABLE "fault_timeline" ADD CONSTRAINT "fault_timeline_fault_fk" FOREIGN KEY ("fault_id") REFERENCES "faults"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    ]);
  }
}

/**
 * The partition key the timeline lacked: the column, a trigger giving every row written from now on
 * its fault's expiry, then the rows already there in batches (each its own transaction, walking the
 * key; a rerun walks again and skips the rows that have it).
 */
async function giveTimelineItsExpiry(runner: QueryRunner): Promise<void> {
  await runner.query(`SET statement_timeout = 0`);
  await runner.query(`ALTER TABLE "fault_timeline" ADD COLUMN IF NOT EXISTS "fault_expires_at" TIMESTAMP WITH TIME ZONE`);
  await runner.query(`CREATE OR REPLACE FUNCTION "fault_timeline__expiry"() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      IF NEW.fault_expires_at IS NULL THEN
        SELECT to_timestamp(f.ttl) INTO NEW.fault_expires_at FROM faults f WHERE f.id = NEW.fault_id;
      END IF;
      RETURN NEW;
    END $fn$`);
  // Created under a short lock that waits for the writes in flight: every later write fires it, every earlier one is seen by the batches.
  await inShortTransaction(runner, [
    `DROP TRIGGER IF EXISTS "fault_timeline__expiry" ON "fault_timeline"`,
    `CREATE TRIGGER "fault_timeline__expiry" BEFORE INSERT OR UPDATE ON "fault_timeline" FOR EACH ROW EXECUTE FUNCTION "fault_timeline__expiry"()`,
  ]);
  const logger = new Logger('Migrations');
  let position: unknown[] | null = null;
  let filled = 0;
  for (;;) {
    const after: string = position === null ? '' : `WHERE (customer_id, fault_id, at, id) > ($2, $3, $4, $5)`;
    const rows: Array<{ n: number; filled: number; position: unknown[] | null }> = await rowsOf(
      runner,
      `WITH batch AS (SELECT customer_id, fault_id, at, id FROM fault_timeline ${after} ORDER BY customer_id, fault_id, at, id LIMIT $1),
            filled AS (UPDATE fault_timeline t SET fault_expires_at = to_timestamp(f.ttl) FROM batch b, faults f
                       WHERE t.customer_id = b.customer_id AND t.fault_id = b.fault_id AND t.at = b.at AND t.id = b.id
                         AND f.id = t.fault_id AND t.fault_expires_at IS NULL RETURNING 1),
            last AS (SELECT customer_id, fault_id, at, id FROM batch ORDER BY customer_id DESC, fault_id DESC, at DESC, id DESC LIMIT 1)
       SELECT (SELECT count(*) FROM batch)::int AS n, (SELECT count(*) FROM filled)::int AS filled,
              (SELECT json_build_array(customer_id, fault_id, at, id) FROM last) AS position`,
      [BATCH(), ...(position ?? [])],
    );
    const batch = rows[0];
    if (batch.n === 0) break;
    position = batch.position;
    filled += batch.filled;
    logger.log(`fault_timeline: ${filled} rows given their fault's expiry`);
    if (batch.n < BATCH()) break;
  }
}

/** Months from this one to the one of the latest fault expiry (the twin's partitions are made that far ahead). */
async function monthsToLastExpiry(runner: QueryRunner): Promise<number> {
  const [{ last }] = await rowsOf<{ last: Date | null }>(runner, `SELECT to_timestamp(max(ttl)) AS last FROM faults`);
  let ahead = 1;
  for (let start = periodStart(new Date(), 'month'); last !== null && start.getTime() <= last.getTime() && ahead < MAX_MONTHS_AHEAD; start = nextPeriod(start, 'month')) ahead++;
  return ahead;
}

async function inShortTransaction(runner: QueryRunner, statements: string[]): Promise<void> {
  await runner.query('BEGIN');
  try {
    await runner.query(`SET LOCAL lock_timeout = '5s'`);
    for (const statement of statements) await runner.query(statement);
    await runner.query('COMMIT');
  } catch (error) {
    await runner.query('ROLLBACK');
    throw error;
  }
}
