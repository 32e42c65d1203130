import { MigrationInterface, QueryRunner } from 'typeorm';
import { isPartitioned, moveOntoPartitions, moveOffPartitions } from '../partitions/move-onto-partitions';
import { nextPeriod, periodStart } from '../partitions/partition-period';
import { rowsOf } from '../partitions/partition.repository';

/** At most this many monthly partitions of expiries made ahead here (FAULT_RETENTION_DAYS is at most 3650); the rest wait in the default partition. */
const MAX_MONTHS_AHEAD = 125;

/**
 * The indexes of the partitioned `faults` (partitioned indexes: one per partition, made with each).
 * Every one the plain table had, except faults_pkey (now (customer_id, id, ttl)), the unique
 * faults_open_dedup_key_idx (a unique index must hold the partition key: fault_open_keys replaces
 * it) and faults_ttl_idx (it served the row-by-row purge, which the partition drop replaces).
 */
export const FAULT_INDEXES: Array<{ name: string; definition: string }> = [
  ['faults_customer_acknowledged_created_idx', `(customer_id, created_at, id) WHERE (acknowledged_at IS NOT NULL)`],
  [
    'faults_customer_created_idx',
    `(customer_id, created_at, id) INCLUDE (ttl, status, acknowledged_at, resolved_at, reopened_at, flapping, type, severity, resource_id, resource_ancestry_path)`,
  ],
  ['faults_customer_dedup_key_created_idx', `(customer_id, dedup_key, created_at, id) WHERE (dedup_key IS NOT NULL)`],
  ['faults_customer_flapping_created_idx', `(customer_id, created_at, id) WHERE flapping`],
  ['faults_customer_resource_created_idx', `(customer_id, resource_id, created_at, id)`],
  ['faults_customer_root_created_idx', `(customer_id, root_fault_id, created_at, id) WHERE (root_fault_id IS NOT NULL)`],
  ['faults_customer_severity_created_idx', `(customer_id, severity, created_at, id)`],
  ['faults_customer_silenced_created_idx', `(customer_id, created_at, id) WHERE silenced`],
  ['faults_customer_status_created_idx', `(customer_id, status, created_at, id)`],
  ['faults_customer_type_created_idx', `(customer_id, type, created_at, id)`],
  [
    'faults_escalation_candidates_idx',
    `(customer_id, created_at) WHERE (((status)::text = 'unresolved'::text) AND (acknowledged_at IS NULL) AND (root_fault_id IS NULL) AND (NOT silenced))`,
  ],
  ['faults_id_idx', `(id)`],
  ['faults_open_resource_type_idx', `(customer_id, resource_id, type) WHERE ((status)::text = 'unresolved'::text)`],
  ['faults_text_trgm_idx', `USING gin (((((message)::text || E'\\n'::text) || (COALESCE(cause, ''::character varying))::text)) gin_trgm_ops)`],
].map(([name, columns]) => ({ name, definition: `CREATE INDEX IF NOT EXISTS "${name}" ON {table} ${columns}` }));

/**
 * Keeps fault_open_keys equal to the set of unresolved faults with a dedup_key, in the transaction of
 * every change of `faults` (insert, update, delete: a report, resolve, reopen, bulk, PATCH, DELETE
 * /fault/{id}, offboarding), whatever statement made it. Taking a key another fault holds fails like
 * the old unique index did (23505, constraint fault_open_keys_pkey): exactly one unresolved fault per
 * (tenant, key). A report claims the key itself first (FaultReportRepository.upsertReport); its own
 * claim (same fault_id) is not a conflict. An UPDATE that moves a row to another partition (a changed
 * ttl) fires DELETE then INSERT here: the key is dropped and taken again with the new ttl.
 */
const OPEN_KEYS_FUNCTION = `CREATE OR REPLACE FUNCTION "faults__open_keys"() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    IF TG_OP = 'UPDATE' AND NEW.status IS NOT DISTINCT FROM OLD.status AND NEW.dedup_key IS NOT DISTINCT FROM OLD.dedup_key
       AND NEW.ttl = OLD.ttl AND NEW.id = OLD.id AND NEW.customer_id = OLD.customer_id THEN
      RETURN NULL; -- a repeat, an acknowledgement, a PATCH: the open key is as it was
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'unresolved' AND OLD.dedup_key IS NOT NULL THEN
      DELETE FROM fault_open_keys WHERE customer_id = OLD.customer_id AND dedup_key = OLD.dedup_key AND fault_id = OLD.id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'unresolved' AND NEW.dedup_key IS NOT NULL THEN
      INSERT INTO fault_open_keys AS k (customer_id, dedup_key, fault_id, fault_ttl) VALUES (NEW.customer_id, NEW.dedup_key, NEW.id, NEW.ttl)
        ON CONFLICT (customer_id, dedup_key) DO UPDATE SET fault_ttl = EXCLUDED.fault_ttl WHERE k.fault_id = EXCLUDED.fault_id;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'tenant % already has an unresolved fault with dedup_key %', NEW.customer_id, NEW.dedup_key
          USING ERRCODE = 'unique_violation', CONSTRAINT = 'fault_open_keys_pkey', TABLE = 'fault_open_keys';
      END IF;
    END IF;
    RETURN NULL;
  END $fn$`;
const OPEN_KEYS_TRIGGER = `CREATE OR REPLACE TRIGGER "faults_open_keys" AFTER INSERT OR UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION "faults__open_keys"()`;

/**
 * Moves the fault's timeline entries along should its ttl change. BEFORE, not AFTER as on the plain
 * table: a changed ttl moves the row to another partition, which PostgreSQL runs as a DELETE and an
 * INSERT, firing no AFTER UPDATE trigger (the BEFORE UPDATE one still fires, on the old partition).
 */
const TTL_MOVES_TIMELINE_FUNCTION = `CREATE OR REPLACE FUNCTION "faults__ttl_moves_timeline"() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    UPDATE fault_timeline SET fault_expires_at = to_timestamp(NEW.ttl) WHERE customer_id = NEW.customer_id AND fault_id = NEW.id;
    RETURN NEW;
  END $fn$`;
const TTL_MOVES_TIMELINE_TRIGGER = `CREATE OR REPLACE TRIGGER "faults_ttl_moves_timeline" BEFORE UPDATE OF ttl ON {table} FOR EACH ROW WHEN (OLD.ttl IS DISTINCT FROM NEW.ttl) EXECUTE FUNCTION "faults__ttl_moves_timeline"()`;

/**
 * `faults` moves onto monthly partitions by its expiry, `ttl` (Unix seconds, set once at creation to
 * created_at + FAULT_RETENTION_DAYS as configured then), online (moveOntoPartitions: mirror trigger,
 * batched resumable copy, one short swap), the way fault_timeline moved (1796700000000): a month's
 * partition holds only faults expiring within it, so once the month is over every fault in it has
 * expired (hidden from every read by `ttl > now` since the second it expired) and PartitionMaintenance
 * drops the whole partition (retainMs 0, FaultPurgeService) instead of the purge deleting row by row.
 * The key is `ttl` itself, a bigint: no column is added (nothing to backfill on a 10 M-row table, no
 * second copy of the expiry to keep equal to it); the partition bounds are the months' starts in Unix
 * seconds (PartitionKeyType 'epoch-seconds').
 *
 * Keys: faults_pkey (customer_id, id) → (customer_id, id, ttl). Reads by (customer_id, id) still
 * work, probing each partition's key (about 18 partitions at the default 425 days, plus the default
 * one); reads that know the ttl name it and prune to one.
 *
 * One unresolved fault per (tenant, dedup_key): the unique partial index faults_open_dedup_key_idx
 * cannot exist on the partitioned table (a unique index must include the partition key, and with ttl
 * in it two open faults of one key but different ttls would both pass). The open keys move to a small
 * unpartitioned table, fault_open_keys (customer_id, dedup_key) → (fault_id, fault_ttl), kept by the
 * trigger faults_open_keys in the transaction of every change (OPEN_KEYS_FUNCTION). It is created on
 * the twin before the copy, so the copy (and the mirror of every write meanwhile) fills
 * fault_open_keys, and the old table's unique index keeps guarding the previous release's reports
 * until the swap.
 *
 * Foreign keys: fault_comments and fault_path_segments → faults (customer_id, id) ON DELETE CASCADE
 * cannot stay (a key into a partitioned table must reference its whole unique key, ttl included, and
 * a partition referenced by one cannot be dropped while rows reference it, so retention would first
 * delete every child row by row anyway). They are dropped in the swap's transaction (the old table's
 * cascade serves the previous release until then); deleting a fault deletes its comments and segments
 * explicitly in the same transaction (DELETE /fault/{id}, a report reopening an older fault,
 * offboarding), and retention deletes those of a partition's faults before dropping it (FaultPurgeService).
 * Outside a transaction: every batch commits on its own, so a killed run resumes.
 */
export class PartitionFaults1796750000000 implements MigrationInterface {
  name = 'PartitionFaults1796750000000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE IF NOT EXISTS "fault_open_keys" (
      "customer_id" varchar(128) NOT NULL, "dedup_key" varchar(255) NOT NULL, "fault_id" varchar(31) NOT NULL, "fault_ttl" bigint NOT NULL,
      CONSTRAINT "fault_open_keys_pkey" PRIMARY KEY ("customer_id", "dedup_key"))`);
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS "fault_open_keys_ttl_idx" ON "fault_open_keys" ("fault_ttl")`);
    await queryRunner.query(OPEN_KEYS_FUNCTION);
    // Returns NEW now: the old table's AFTER trigger ignores it, the partitioned table's BEFORE trigger needs it.
    await queryRunner.query(TTL_MOVES_TIMELINE_FUNCTION);
    if (!(await isPartitioned(queryRunner, 'faults'))) {
      await moveOntoPartitions(queryRunner, {
        table: 'faults',
        column: 'ttl',
        keyType: 'epoch-seconds',
        interval: 'month',
        ahead: await monthsToLastExpiry(queryRunner),
        key: ['customer_id', 'id'],
        primaryKey: { name: 'faults_pkey', columns: ['customer_id', 'id', 'ttl'] },
        indexes: FAULT_INDEXES,
        triggers: [OPEN_KEYS_TRIGGER, TTL_MOVES_TIMELINE_TRIGGER],
        beforeSwap: [
          `ALTER TABLE "fault_comments" DROP CONSTRAINT IF EXISTS "fault_comments_customer_fault_fk"`,
          `ALTER TABLE "fault_path_segments" DROP CONSTRAINT IF EXISTS "fault_path_segments_customer_fault_fk"`,
        ],
      });
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await moveOffPartitions(queryRunner, 'faults', [
      // Faults of several ttls could share a key once theirs expired: the newest open one keeps it.
      `UPDATE "faults" f SET status = 'resolved', resolved_at = coalesce(resolved_at, updated_at) WHERE f.status = 'unresolved' AND f.dedup_key IS NOT NULL
         AND EXISTS (SELECT 1 FROM "faults" o WHERE o.customer_id = f.customer_id AND o.dedup_key = f.dedup_key AND o.status = 'unresolved' AND (o.created_at, o.id) > (f.created_at, f.id))`,
      `ALTER TABLE "faults" ADD CONSTRAINT "faults_pkey" PRIMARY KEY ("customer_id", "id")`,
      ...FAULT_INDEXES.map((index) => index.definition.replace('{table}', '"faults"')),
      `CREATE UNIQUE INDEX "faults_open_dedup_key_idx" ON "faults" ("customer_id", "dedup_key") WHERE status = 'unresolved' AND dedup_key IS NOT NULL`,
      `CREATE INDEX "faults_ttl_idx" ON "faults" ("ttl")`,
      // Comments and segments of faults dropped with their partitions or deleted from the default one go now, or the keys would refuse them.
      `DELETE FROM "fault_comments" c WHERE NOT EXISTS (SELECT 1 FROM "faults" f WHERE f.customer_id = c.customer_id AND f.id = c.fault_id)`,
      `DELETE FROM "fault_path_segments" s WHERE NOT EXISTS (SELECT 1 FROM "faults" f WHERE f.customer_id = s.customer_id AND f.id = s.fault_id)`,
      `ALTER TABLE "fault_comments" ADD CONSTRAINT "fault_comments_customer_fault_fk" FOREIGN KEY ("customer_id", "fault_id") REFERENCES "faults"("customer_id", "id") ON DELETE CASCADE ON UPDATE NO ACTION`,
      `ALTER TABLE "fault_path_segments" ADD CONSTRAINT "fault_path_segments_customer_fault_fk" FOREIGN KEY ("customer_id", "fault_id") REFERENCES "faults"("customer_id", "id") ON DELETE CASCADE ON UPDATE NO ACTION`,
      `CREATE OR REPLACE FUNCTION "faults__ttl_moves_timeline"() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
          UPDATE fault_timeline SET fault_expires_at = to_timestamp(NEW.ttl) WHERE customer_id = NEW.customer_id AND fault_id = NEW.id;
          RETURN NULL;
        END $fn$`,
      `CREATE TRIGGER "faults_ttl_moves_timeline" AFTER UPDATE OF ttl ON "faults" FOR EACH ROW WHEN (OLD.ttl IS DISTINCT FROM NEW.ttl) EXECUTE FUNCTION "faults__ttl_moves_timeline"()`,
    ]);
    await queryRunner.query(`DROP FUNCTION IF EXISTS "faults__open_keys"()`);
    await queryRunner.query(`DROP TABLE IF EXISTS "fault_open_keys"`);
  }
}

/** Months from this one to the one of the latest fault expiry (the twin's partitions are made that far ahead; PartitionFaultChildren's too). */
export async function monthsToLastExpiry(runner: QueryRunner): Promise<number> {
  const [{ last }] = await rowsOf<{ last: Date | null }>(runner, `SELECT to_timestamp(max(ttl)) AS last FROM faults`);
  let ahead = 1;
  for (let start = periodStart(new Date(), 'month'); last !== null && start.getTime() <= last.getTime() && ahead < MAX_MONTHS_AHEAD; start = nextPeriod(start, 'month')) ahead++;
  return ahead;
}
