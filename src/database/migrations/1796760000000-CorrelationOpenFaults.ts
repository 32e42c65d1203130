import { MigrationInterface, QueryRunner } from 'typeorm';
import { rowsOf } from '../partitions/partition.repository';
import { CorrelationCandidatesByKey1796630000000 } from './1796630000000-CorrelationCandidatesByKey';

const BACKFILL_BATCH = 5000;

/**
 * Keeps fault_open_resources equal to the set of unresolved faults, in the transaction of every
 * change of `faults` (a report, resolve, reopen, bulk, PATCH, DELETE /fault/{id}, offboarding, the
 * partition move's copy), whatever statement made it. The triggers' WHEN clauses leave out the
 * changes that touch none of its columns (a repeat, an acknowledgement, a new root), so those cost
 * no function call. An UPDATE that moves a row to another partition (a changed ttl) fires DELETE then
 * INSERT here.
 */
const OPEN_RESOURCES_FUNCTION = `CREATE OR REPLACE FUNCTION "faults__open_resources"() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
      DELETE FROM fault_open_resources WHERE customer_id = OLD.customer_id AND fault_id = OLD.id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'unresolved' THEN
      INSERT INTO fault_open_resources (customer_id, fault_id, resource_id, created_at, fault_ttl)
      VALUES (NEW.customer_id, NEW.id, NEW.resource_id, NEW.created_at, NEW.ttl)
      ON CONFLICT (customer_id, fault_id) DO UPDATE SET resource_id = EXCLUDED.resource_id, created_at = EXCLUDED.created_at, fault_ttl = EXCLUDED.fault_ttl;
    END IF;
    RETURN NULL;
  END $fn$`;

const CHANGED = ['status', 'resource_id', 'created_at', 'ttl', 'id', 'customer_id'].map((c) => `OLD.${c} IS DISTINCT FROM NEW.${c}`).join(' OR ');
const OPEN_RESOURCES_TRIGGERS = [
  `CREATE OR REPLACE TRIGGER "faults_open_resources_insert" AFTER INSERT ON "faults" FOR EACH ROW WHEN (NEW.status = 'unresolved') EXECUTE FUNCTION "faults__open_resources"()`,
  `CREATE OR REPLACE TRIGGER "faults_open_resources_update" AFTER UPDATE ON "faults" FOR EACH ROW WHEN (${CHANGED}) EXECUTE FUNCTION "faults__open_resources"()`,
  `CREATE OR REPLACE TRIGGER "faults_open_resources_delete" AFTER DELETE ON "faults" FOR EACH ROW WHEN (OLD.status = 'unresolved') EXECUTE FUNCTION "faults__open_resources"()`,
];

/**
 * The candidates read from fault_open_resources. The ancestors' unresolved faults are one probe of
 * (customer_id, resource_id); the faults below are the segment range joined to it by key, the
 * fault's own resource and the reported fault left out; only those left (a real adoption: a parent
 * reported after its children) are read from `faults`, by their full key, in a second statement run
 * only then. A statement naming `faults` costs every partition's lock and scan set-up at each call,
 * rows or not (its plan is generic, and the partitions are pruned only as it runs): as one statement
 * this read cost 0.38 ms a report over 19 partitions, against 0.03-0.05 ms now (pgbench, docs/faults.md).
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
      SELECT false, o.fault_id, o.resource_id, o.created_at, NULL::varchar, NULL::varchar, NULL::varchar, NULL::varchar
      FROM fault_open_resources o
      WHERE o.customer_id = p_customer AND o.resource_id = ANY(p_ancestors) AND o.fault_id <> p_except AND o.fault_ttl > p_now;
    SELECT array_agg(o.fault_id), array_agg(o.fault_ttl) INTO below_ids, below_ttls
      FROM fault_path_segments s
      JOIN fault_open_resources o ON o.customer_id = s.customer_id AND o.fault_id = s.fault_id
      WHERE s.customer_id = p_customer AND s.segment = p_resource AND s.created_at >= p_since
        AND o.resource_id <> p_resource AND o.fault_id <> p_except AND o.fault_ttl > p_now;
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
 * Topology correlation stops reading the partitioned `faults` for its candidates (it had cost a
 * report +24-32 % since `faults` moved onto monthly partitions; goal ≤ 10 %): a small unpartitioned
 * fault_open_resources, kept by triggers, answers which faults are unresolved on which resource.
 *
 * Online and resumable, outside a transaction: the table and its triggers first (every change from
 * then on keeps it), then the unresolved faults already there copied in batches of 5,000 in key
 * order, each batch locking its faults FOR SHARE: a fault resolved before its batch is skipped (the
 * lock rereads it), and one resolved after waits for the batch and then deletes its row through the
 * trigger. A rerun copies again; rows already there are kept. The function is replaced last.
 */
export class CorrelationOpenFaults1796760000000 implements MigrationInterface {
  name = 'CorrelationOpenFaults1796760000000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE IF NOT EXISTS "fault_open_resources" (
      "customer_id" varchar(128) NOT NULL, "fault_id" varchar(31) NOT NULL, "resource_id" varchar(128) NOT NULL,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "fault_ttl" bigint NOT NULL,
      CONSTRAINT "fault_open_resources_pkey" PRIMARY KEY ("customer_id", "fault_id"))`);
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS "fault_open_resources_resource_idx" ON "fault_open_resources" ("customer_id", "resource_id")`);
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS "fault_open_resources_ttl_idx" ON "fault_open_resources" ("fault_ttl")`);
    await queryRunner.query(OPEN_RESOURCES_FUNCTION);
    for (const trigger of OPEN_RESOURCES_TRIGGERS) await queryRunner.query(trigger);
    for (let after: [string, string] = ['', '']; ; ) {
      const [last] = await rowsOf<{ customer_id: string | null; id: string | null }>(
        queryRunner,
        `WITH batch AS (
           SELECT customer_id, id, resource_id, created_at, ttl FROM faults
           WHERE status = 'unresolved' AND (customer_id, id) > ($1::varchar, $2::varchar)
           ORDER BY customer_id, id LIMIT ${BACKFILL_BATCH} FOR SHARE
         ), copied AS (
           INSERT INTO fault_open_resources (customer_id, fault_id, resource_id, created_at, fault_ttl)
           SELECT customer_id, id, resource_id, created_at, ttl FROM batch ON CONFLICT (customer_id, fault_id) DO NOTHING
         )
         SELECT customer_id, id FROM batch ORDER BY customer_id DESC, id DESC LIMIT 1`,
        after,
      );
      if (last === undefined || last.customer_id === null || last.id === null) break;
      after = [last.customer_id, last.id];
    }
    await queryRunner.query(`ANALYZE "fault_open_resources"`);
    await queryRunner.query(CANDIDATES_FUNCTION);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await new CorrelationCandidatesByKey1796630000000().up(queryRunner);
    for (const name of ['insert', 'update', 'delete']) await queryRunner.query(`DROP TRIGGER IF EXISTS "faults_open_resources_${name}" ON "faults"`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS "faults__open_resources"()`);
    await queryRunner.query(`DROP TABLE IF EXISTS "fault_open_resources"`);
  }
}
