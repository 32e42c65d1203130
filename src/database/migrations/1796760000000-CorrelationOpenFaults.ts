import { MigrationInterface, QueryRunner } from 'typeorm';
import { rowsOf } from '../partitions/partition.repository';
import { CorrelationCandidatesByKey1796630000000 } from './1796630000000-CorrelationCandidatesByKey';

const BACKFILL_BATCH = 5000;

/**
 * The whitespace JavaScript's String.prototype.trim removes: the segments here must be those of
 * pathSegments() (src/fault/ancestry-path.ts), which the report's proper ancestors are computed with.
 */
const JS_WHITESPACE = `E' \\t\\n\\u000b\\f\\r\\u00a0\\u1680\\u2000\\u2001\\u2002\\u2003\\u2004\\u2005\\u2006\\u2007\\u2008\\u2009\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff'`;

/** The distinct segments of the path of `f` (a fault) and its own resource, trimmed, as rows of `segment` (the empty one included). */
export const pathSegmentsOf = (f: string): string => `SELECT DISTINCT btrim(x, ${JS_WHITESPACE}) AS segment
        FROM unnest(string_to_array(coalesce(${f}.resource_ancestry_path, ''), '|') || ARRAY[${f}.resource_id::text]) AS x`;

/** An unresolved fault's rows in fault_open_paths (`f`: the fault): each segment of its path and its own resource, `own` marking the latter. */
const openPathRows = (f: string): string => `SELECT ${f}.customer_id, ${f}.id AS fault_id, s.segment, s.segment = ${f}.resource_id AS own, ${f}.created_at, ${f}.ttl AS fault_ttl
  FROM (${pathSegmentsOf(f)}) s
  WHERE s.segment <> ''`;

/**
 * Keeps fault_open_paths equal to the unresolved faults' paths, in the transaction of every change of
 * `faults` (a report, resolve, reopen, bulk, PATCH, DELETE /fault/{id}, offboarding, the seeder, a
 * partition move's copy), whatever statement made it. The triggers' WHEN clauses leave out the
 * changes that touch none of its columns (a repeat, an acknowledgement, a new root), so those cost no
 * function call. An UPDATE that moves a row to another partition (a changed ttl) fires DELETE then
 * INSERT here. `removeOldRows`: how the old row's rows go (with the variables it `declare`s); the
 * insert of the new row's is the same in every version.
 */
export const openPathsFunction = (removeOldRows: string, declare = ''): string => `CREATE OR REPLACE FUNCTION "faults__open_paths"() RETURNS trigger LANGUAGE plpgsql AS $fn$
  ${declare}BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'unresolved' THEN
      ${removeOldRows}
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'unresolved' THEN
      INSERT INTO fault_open_paths (customer_id, fault_id, segment, own, created_at, fault_ttl)
      ${openPathRows('NEW')};
    END IF;
    RETURN NULL;
  END $fn$`;

/** As this migration made it: the old row's rows deleted by one statement joining its segments in. */
export const OPEN_PATHS_FUNCTION = openPathsFunction(`-- By the whole key, recomputed from the old row: the table has no other index to find a fault's rows by.
      DELETE FROM fault_open_paths o USING (${openPathRows('OLD')}) r
      WHERE o.customer_id = r.customer_id AND o.segment = r.segment AND o.own = r.own AND o.created_at = r.created_at AND o.fault_id = r.fault_id;`);

const CHANGED = ['status', 'resource_id', 'resource_ancestry_path', 'created_at', 'ttl', 'id', 'customer_id'].map((c) => `OLD.${c} IS DISTINCT FROM NEW.${c}`).join(' OR ');
const OPEN_PATHS_TRIGGERS = [
  `CREATE OR REPLACE TRIGGER "faults_open_paths_insert" AFTER INSERT ON "faults" FOR EACH ROW WHEN (NEW.status = 'unresolved') EXECUTE FUNCTION "faults__open_paths"()`,
  `CREATE OR REPLACE TRIGGER "faults_open_paths_update" AFTER UPDATE ON "faults" FOR EACH ROW WHEN (${CHANGED}) EXECUTE FUNCTION "faults__open_paths"()`,
  `CREATE OR REPLACE TRIGGER "faults_open_paths_delete" AFTER DELETE ON "faults" FOR EACH ROW WHEN (OLD.status = 'unresolved') EXECUTE FUNCTION "faults__open_paths"()`,
];

/**
 * The candidates read from fault_open_paths alone: the unresolved faults on the ancestors are the
 * `own` rows of those segments, the ones below the reported resource the other rows of its segment
 * created since the window's start (the fault's own resource and the reported fault left out); only
 * those (a real adoption: a parent reported after its children) are read from `faults`, by their full
 * key, in a second statement run only then. A statement naming a partitioned table (`faults`, or
 * `fault_path_segments` since those are partitioned too) costs every partition's lock and scan set-up
 * at each call, rows or not (its plan is generic, and the partitions are pruned only as it runs): as
 * one statement over `faults` and `fault_path_segments` this read cost 0.38 ms a report over 19
 * partitions, against 0.01-0.1 ms now (pgbench, docs/faults.md).
 */
const CANDIDATES_FUNCTION = `CREATE OR REPLACE FUNCTION fault_correlation_candidates(p_customer varchar, p_ancestors varchar[], p_resource varchar, p_since timestamptz, p_except varchar, p_now bigint)
  RETURNS TABLE (below boolean, id varchar, resource_id varchar, created_at timestamptz, resource_ancestry_path varchar, root_fault_id varchar, root_resource_id varchar, root_status varchar)
  LANGUAGE plpgsql VOLATILE SET plan_cache_mode = force_generic_plan AS $fn$
  DECLARE
    below_ids varchar[];
    below_ttls bigint[];
  BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('fault-correlation'), hashtext(p_customer));
    RETURN QUERY
      SELECT false, o.fault_id, o.segment, o.created_at, NULL::varchar, NULL::varchar, NULL::varchar, NULL::varchar
      FROM fault_open_paths o
      WHERE o.customer_id = p_customer AND o.segment = ANY(p_ancestors) AND o.own AND o.fault_id <> p_except AND o.fault_ttl > p_now;
    SELECT array_agg(o.fault_id), array_agg(o.fault_ttl) INTO below_ids, below_ttls
      FROM fault_open_paths o
      WHERE o.customer_id = p_customer AND o.segment = p_resource AND NOT o.own AND o.created_at >= p_since
        AND o.fault_id <> p_except AND o.fault_ttl > p_now;
    IF below_ids IS NOT NULL THEN
      RETURN QUERY
        SELECT true, f.id, f.resource_id, f.created_at, f.resource_ancestry_path, f.root_fault_id, r.resource_id, r.status
        FROM unnest(below_ids, below_ttls) AS b(id, ttl)
        CROSS JOIN LATERAL (SELECT x.id, x.resource_id, x.created_at, x.resource_ancestry_path, x.root_fault_id FROM faults x
          WHERE x.customer_id = p_customer AND x.id = b.id AND x.ttl = b.ttl AND x.status = 'unresolved' OFFSET 0) f
        LEFT JOIN LATERAL (SELECT y.resource_id, y.status FROM faults y WHERE y.customer_id = p_customer AND y.id = f.root_fault_id OFFSET 0) r ON true;
    END IF;
  END
  $fn$`;

/**
 * Topology correlation stops reading partitioned tables for its candidates (it had cost a report
 * +24-32 % since `faults` moved onto monthly partitions; goal ≤ 10 %): a small unpartitioned
 * fault_open_paths, kept by triggers, holds each unresolved fault's path segments and resource.
 *
 * Online and resumable, outside a transaction: the table and its triggers first (every change from
 * then on keeps it), then the unresolved faults already there copied in batches of 5,000 in key
 * order, each batch locking its faults FOR SHARE: a fault resolved before its batch is skipped (the
 * lock rereads it), and one resolved after waits for the batch and then deletes its rows through the
 * trigger. A rerun copies again; rows already there are kept. The function is replaced last.
 */
export class CorrelationOpenFaults1796760000000 implements MigrationInterface {
  name = 'CorrelationOpenFaults1796760000000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE IF NOT EXISTS "fault_open_paths" (
      "customer_id" varchar(128) NOT NULL, "fault_id" varchar(31) NOT NULL, "segment" varchar(512) NOT NULL, "own" boolean NOT NULL,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "fault_ttl" bigint NOT NULL,
      CONSTRAINT "fault_open_paths_pkey" PRIMARY KEY ("customer_id", "segment", "own", "created_at", "fault_id"))`);
    await queryRunner.query(OPEN_PATHS_FUNCTION);
    for (const trigger of OPEN_PATHS_TRIGGERS) await queryRunner.query(trigger);
    for (let after: [string, string] = ['', '']; ; ) {
      const [last] = await rowsOf<{ customer_id: string | null; id: string | null }>(
        queryRunner,
        `WITH batch AS (
           SELECT customer_id, id, resource_id, resource_ancestry_path, created_at, ttl FROM faults
           WHERE status = 'unresolved' AND (customer_id, id) > ($1::varchar, $2::varchar)
           ORDER BY customer_id, id LIMIT ${BACKFILL_BATCH} FOR SHARE
         ), copied AS (
           INSERT INTO fault_open_paths (customer_id, fault_id, segment, own, created_at, fault_ttl)
           SELECT rows.* FROM batch b CROSS JOIN LATERAL (${openPathRows('b')}) rows
           ON CONFLICT DO NOTHING
         )
         SELECT customer_id, id FROM batch ORDER BY customer_id DESC, id DESC LIMIT 1`,
        after,
      );
      if (last === undefined || last.customer_id === null || last.id === null) break;
      after = [last.customer_id, last.id];
    }
    await queryRunner.query(`ANALYZE "fault_open_paths"`);
    await queryRunner.query(CANDIDATES_FUNCTION);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await new CorrelationCandidatesByKey1796630000000().up(queryRunner);
    for (const name of ['insert', 'update', 'delete']) await queryRunner.query(`DROP TRIGGER IF EXISTS "faults_open_paths_${name}" ON "faults"`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS "faults__open_paths"()`);
    await queryRunner.query(`DROP TABLE IF EXISTS "fault_open_paths"`);
  }
}
