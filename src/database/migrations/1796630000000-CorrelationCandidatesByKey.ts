import { MigrationInterface, QueryRunner } from 'typeorm';

const HEADER = `CREATE OR REPLACE FUNCTION fault_correlation_candidates(p_customer varchar, p_ancestors varchar[], p_resource varchar, p_since timestamptz, p_except varchar, p_now bigint)
      RETURNS TABLE (below boolean, id varchar, resource_id varchar, created_at timestamptz, resource_ancestry_path varchar, root_fault_id varchar, root_resource_id varchar, root_status varchar)
      LANGUAGE plpgsql VOLATILE`;

/**
 * fault_correlation_candidates reads by key only, so its plans no longer follow the statistics:
 * for a tenant the planner had not sampled (estimated at 2 rows), it scanned all of the tenant's
 * open faults twice per report — once for the ancestors (faults_open_resource_type_idx on
 * customer_id alone, resource_id filtered) and once per path segment for the join — growing with
 * the tenant. Now each ancestor is one (customer_id, resource_id) probe, and the faults below are
 * joined by id alone (their segment rows are the tenant's: the id is the primary key, so the probe
 * cannot become a scan), their tenant checked after the probe. The subqueries are fenced (OFFSET 0)
 * so that the planner cannot fold them back into a tenant-wide scan.
 */
export class CorrelationCandidatesByKey1796630000000 implements MigrationInterface {
  name = 'CorrelationCandidatesByKey1796630000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // force_generic_plan: the statement's plan is made once per connection instead of at every call
    // (plpgsql kept choosing custom plans for it, 0.26 ms of planning a call against 0.03 ms of
    // execution); every read in it is a key probe, so the generic plan is the same plan.
    await queryRunner.query(`${HEADER} SET plan_cache_mode = force_generic_plan AS $fn$
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtext('fault-correlation'), hashtext(p_customer));
        RETURN QUERY
          SELECT false, f.id, f.resource_id, f.created_at, NULL::varchar, NULL::varchar, NULL::varchar, NULL::varchar
          FROM unnest(p_ancestors) AS a(rid)
          CROSS JOIN LATERAL (SELECT x.id, x.resource_id, x.created_at FROM faults x
            WHERE x.customer_id = p_customer AND x.resource_id = a.rid AND x.status = 'unresolved' AND x.id <> p_except AND x.ttl > p_now OFFSET 0) f
          UNION ALL
          SELECT true, f.id, f.resource_id, f.created_at, f.resource_ancestry_path, f.root_fault_id, r.resource_id, r.status
          FROM fault_path_segments s
          CROSS JOIN LATERAL (SELECT * FROM faults x WHERE x.id = s.fault_id OFFSET 0) f
          LEFT JOIN LATERAL (SELECT y.resource_id, y.status, y.customer_id FROM faults y WHERE y.id = f.root_fault_id OFFSET 0) r ON r.customer_id = f.customer_id
          WHERE s.customer_id = p_customer AND s.segment = p_resource AND s.created_at >= p_since AND f.customer_id = p_customer
            AND f.status = 'unresolved' AND f.resource_id <> p_resource AND f.id <> p_except AND f.ttl > p_now;
      END
      $fn$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`${HEADER} AS $fn$
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtext('fault-correlation'), hashtext(p_customer));
        RETURN QUERY
          SELECT false, f.id, f.resource_id, f.created_at, NULL::varchar, NULL::varchar, NULL::varchar, NULL::varchar
          FROM faults f
          WHERE f.customer_id = p_customer AND f.status = 'unresolved' AND f.resource_id = ANY(p_ancestors) AND f.id <> p_except AND f.ttl > p_now
          UNION ALL
          SELECT true, f.id, f.resource_id, f.created_at, f.resource_ancestry_path, f.root_fault_id, r.resource_id, r.status
          FROM fault_path_segments s
          JOIN faults f ON f.id = s.fault_id
          LEFT JOIN faults r ON r.id = f.root_fault_id AND r.customer_id = f.customer_id
          WHERE s.customer_id = p_customer AND s.segment = p_resource AND s.created_at >= p_since AND f.customer_id = p_customer
            AND f.status = 'unresolved' AND f.resource_id <> p_resource AND f.id <> p_except AND f.ttl > p_now;
      END
      $fn$`);
  }
}
