import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * GET /fault/top_faults read from counts kept as faults change, not from an aggregate of the window's
 * faults (237 k of them for a 2 M-fault tenant, 68–73× the 10 k tenant's time: docs/scaling.md).
 *
 * - `fault_top_window`: the faults that may still count — one row per fault whose `leaves_at`
 *   (least(created_at + 14 days, ttl): from then on the fault is outside top_faults' window or
 *   expired) is later than the watermark; its resource and occurrences.
 * - `fault_top_deltas`: what changed in `fault_top_window` (+occurrences for a row written or grown,
 *   −occurrences for a row removed), appended by the trigger and folded into the counts by the sweep.
 *   Appending locks nothing another writer needs: a counter row updated by every report would
 *   serialize a resource's reports, tie their locks into cycles with the fault rows they hold, and
 *   cost a bulk insert a new version of the same row per fault (50,000 faults of 7 resources took
 *   76 s that way).
 * - `fault_top_counts`: per tenant and resource, the folded sum. In every snapshot, a counter plus its
 *   pending deltas is exactly the sum of its rows in `fault_top_window`.
 * - `fault_top_watermark`: one row, `leaves_before`. Rows with `leaves_at` at or before it may be gone
 *   (the sweep forgets them) or never written (the trigger skips them); every fault leaving later has
 *   its row. A read at `now` is exact when now ≥ leaves_before (src/fault/top-faults).
 *
 * Kept by the trigger faults_top_window (row level: every insert, delete and change of occurrences,
 * created_at, ttl or resource of `faults`, whatever statement made it; a row moved to another
 * partition by a new ttl fires its DELETE and INSERT) and by the fault-top-window sweep. A window
 * row is only written under its fault's row lock (or as the fault is inserted), and the sweep skips
 * rows it cannot lock at once: it never waits on a writer. A partition drop fires no trigger: its
 * faults had expired, so their rows lie at or before the drop's now and the read already subtracts
 * them until the sweep forgets them.
 *
 * 14 days is top_faults' window (TOP_WINDOW_DAYS in src/fault/top-faults/top-faults.service.ts); a
 * different window is a new migration. The µs added makes `leaves_at ≤ now` exactly "not counted":
 * the read counts created_at ≥ now − 14 days (inclusive) and ttl > now (exclusive).
 *
 * The backfill runs in this migration's transaction, after the trigger is made: writes to `faults`
 * wait for it (the trigger's lock), reads do not. It reads the faults created in the last 15 days
 * through each tenant's created_at index (at 10 M faults: 1.24 M rows in 19 s, docs/scaling.md).
 */
/** When the fault `f` stops counting: 14 days (and 1 µs) after it was created, or at its ttl if that is sooner. */
const leavesAt = (f: string): string => `least(${f}.created_at + interval '1209600.000001 seconds', to_timestamp(${f}.ttl))`;

export class FaultTopCounts1796800000000 implements MigrationInterface {
  name = 'FaultTopCounts1796800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`SET LOCAL statement_timeout = 0`);
    await queryRunner.query(`
      CREATE TABLE "fault_top_window" (
        "customer_id" varchar(128) NOT NULL,
        "fault_id" varchar(31) NOT NULL,
        "resource_id" varchar(128) NOT NULL,
        "occurrences" integer NOT NULL,
        "leaves_at" timestamptz NOT NULL,
        CONSTRAINT "fault_top_window_pkey" PRIMARY KEY ("customer_id", "fault_id")
      )`);
    await queryRunner.query(`CREATE INDEX "fault_top_window_customer_leaves_idx" ON "fault_top_window" ("customer_id", "leaves_at") INCLUDE ("resource_id", "occurrences")`);
    await queryRunner.query(`CREATE INDEX "fault_top_window_leaves_idx" ON "fault_top_window" ("leaves_at")`);
    await queryRunner.query(`
      CREATE TABLE "fault_top_counts" (
        "customer_id" varchar(128) NOT NULL,
        "resource_id" varchar(128) NOT NULL,
        "occurrences" bigint NOT NULL,
        CONSTRAINT "fault_top_counts_pkey" PRIMARY KEY ("customer_id", "resource_id")
      )`);
    await queryRunner.query(`CREATE INDEX "fault_top_counts_rank_idx" ON "fault_top_counts" ("customer_id", "occurrences" DESC, "resource_id")`);
    await queryRunner.query(`
      CREATE TABLE "fault_top_deltas" (
        "customer_id" varchar(128) NOT NULL,
        "id" bigint GENERATED ALWAYS AS IDENTITY,
        "resource_id" varchar(128) NOT NULL,
        "occurrences" integer NOT NULL,
        CONSTRAINT "fault_top_deltas_pkey" PRIMARY KEY ("customer_id", "id")
      )`);
    await queryRunner.query(`
      CREATE TABLE "fault_top_watermark" (
        "only" boolean PRIMARY KEY DEFAULT true CHECK ("only"),
        "leaves_before" timestamptz NOT NULL
      )`);
    await queryRunner.query(`INSERT INTO "fault_top_watermark" ("leaves_before") VALUES (now() - interval '1 day')`);

    await queryRunner.query(`
      CREATE FUNCTION "faults__top_window"() RETURNS trigger LANGUAGE plpgsql AS $fn$
        DECLARE
          leaves timestamptz;
          gone record;
        BEGIN
          IF TG_OP <> 'DELETE' THEN
            leaves := ${leavesAt('NEW')};
          END IF;
          IF TG_OP = 'UPDATE' AND NEW.customer_id = OLD.customer_id AND NEW.id = OLD.id AND NEW.resource_id = OLD.resource_id THEN
            -- A repeat (occurrences + 1), or a created_at or ttl changed within the partition: the row in place.
            UPDATE fault_top_window SET occurrences = NEW.occurrences, leaves_at = leaves WHERE customer_id = OLD.customer_id AND fault_id = OLD.id;
            IF FOUND THEN
              IF NEW.occurrences <> OLD.occurrences THEN
                INSERT INTO fault_top_deltas (customer_id, resource_id, occurrences) VALUES (NEW.customer_id, NEW.resource_id, NEW.occurrences - OLD.occurrences);
              END IF;
              RETURN NULL;
            END IF;
            -- No row: the fault had left the window (or, with a later ttl, comes back into it).
          ELSIF TG_OP IN ('UPDATE', 'DELETE') THEN
            DELETE FROM fault_top_window WHERE customer_id = OLD.customer_id AND fault_id = OLD.id RETURNING resource_id, occurrences INTO gone;
            IF FOUND THEN
              INSERT INTO fault_top_deltas (customer_id, resource_id, occurrences) VALUES (OLD.customer_id, gone.resource_id, -gone.occurrences);
            END IF;
          END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') THEN
            IF leaves > (SELECT leaves_before FROM fault_top_watermark) THEN
              INSERT INTO fault_top_window (customer_id, fault_id, resource_id, occurrences, leaves_at) VALUES (NEW.customer_id, NEW.id, NEW.resource_id, NEW.occurrences, leaves);
              INSERT INTO fault_top_deltas (customer_id, resource_id, occurrences) VALUES (NEW.customer_id, NEW.resource_id, NEW.occurrences);
            END IF;
          END IF;
          RETURN NULL;
        END $fn$`);
    await queryRunner.query(`CREATE TRIGGER "faults_top_window" AFTER INSERT OR DELETE ON "faults" FOR EACH ROW EXECUTE FUNCTION "faults__top_window"()`);
    await queryRunner.query(`
      CREATE TRIGGER "faults_top_window_update" AFTER UPDATE OF "occurrences", "created_at", "ttl", "resource_id", "customer_id", "id" ON "faults"
      FOR EACH ROW WHEN (OLD.occurrences IS DISTINCT FROM NEW.occurrences OR OLD.created_at IS DISTINCT FROM NEW.created_at OR OLD.ttl IS DISTINCT FROM NEW.ttl
                         OR OLD.resource_id IS DISTINCT FROM NEW.resource_id OR OLD.customer_id IS DISTINCT FROM NEW.customer_id OR OLD.id IS DISTINCT FROM NEW.id)
      EXECUTE FUNCTION "faults__top_window"()`);

    // The faults that may still count, tenant by tenant (each through its created_at index).
    await queryRunner.query(`
      INSERT INTO fault_top_window (customer_id, fault_id, resource_id, occurrences, leaves_at)
      SELECT f.customer_id, f.id, f.resource_id, f.occurrences, ${leavesAt('f')}
      FROM (
        -- The tenants, one index probe each (PostgreSQL 15 has no skip scan: DISTINCT would read every entry).
        WITH RECURSIVE tenants AS (
          SELECT min(customer_id) AS customer_id FROM faults
          UNION ALL
          SELECT (SELECT min(customer_id) FROM faults WHERE customer_id > tenants.customer_id) FROM tenants WHERE tenants.customer_id IS NOT NULL
        )
        SELECT customer_id FROM tenants WHERE customer_id IS NOT NULL
      ) t
      CROSS JOIN LATERAL (
        SELECT * FROM faults f WHERE f.customer_id = t.customer_id AND f.created_at > now() - interval '15 days' AND f.ttl > extract(epoch FROM now() - interval '1 day')
      ) f
      WHERE ${leavesAt('f')} > (SELECT leaves_before FROM fault_top_watermark)`);
    await queryRunner.query(`
      INSERT INTO fault_top_counts (customer_id, resource_id, occurrences)
      SELECT customer_id, resource_id, sum(occurrences) FROM fault_top_window GROUP BY customer_id, resource_id`);
    await queryRunner.query(`ANALYZE fault_top_window, fault_top_counts, fault_top_deltas, fault_top_watermark`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER IF EXISTS "faults_top_window_update" ON "faults"`);
    await queryRunner.query(`DROP TRIGGER IF EXISTS "faults_top_window" ON "faults"`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS "faults__top_window"()`);
    await queryRunner.query(`DROP TABLE IF EXISTS "fault_top_watermark"`);
    await queryRunner.query(`DROP TABLE IF EXISTS "fault_top_deltas"`);
    await queryRunner.query(`DROP TABLE IF EXISTS "fault_top_counts"`);
    await queryRunner.query(`DROP TABLE IF EXISTS "fault_top_window"`);
  }
}
