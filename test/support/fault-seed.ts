import { DataSource } from 'typeorm';

export interface SeededFault {
  id: string;
  micros: bigint;
  severity: string;
  status: string;
  type: string;
  resource_id: string;
  path: string;
}

/**
 * Inserts `count` faults for a tenant straight through SQL (with their path
 * segments), newest at `newest`, spaced `spacingMinutes` apart in groups of
 * four: three share a created_at exactly, the fourth is one microsecond
 * older, so paging must break ties by id and keep microsecond precision.
 * Ids are random, as real ones are within a second.
 */
export async function seedFaults(db: DataSource, tenant: string, count: number, newest: Date, spacingMinutes: number): Promise<SeededFault[]> {
  const rows: Array<Omit<SeededFault, 'micros'> & { micros: string }> = await db.query(
    `WITH src AS (
       SELECT g,
              'flt_' || substr(md5(random()::text || g) || md5(random()::text), 1, 27) AS id,
              $2::timestamptz - ((g / 4) * $4::int) * interval '1 minute' - CASE WHEN g % 4 = 3 THEN interval '1 microsecond' ELSE interval '0' END AS created_at,
              (ARRAY['LOW','MEDIUM','HIGH','CRITICAL','WARNING'])[g % 5 + 1] AS severity,
              CASE WHEN g % 3 = 0 THEN 'resolved' ELSE 'unresolved' END AS status,
              (ARRAY['wantunnel','site','wan-degradation','power'])[g % 4 + 1] AS type,
              'dev_' || (g % 7) AS resource_id,
              'site_' || (g % 6) || '|rack_' || (g % 2) || '|dev_' || (g % 7) AS path
       FROM generate_series(0, $3::int - 1) AS g
     ), ins AS (
       INSERT INTO faults (id, customer_id, resource_id, microservice_id, type, status, severity, message, cause,
                           resource_ancestry_path, created_at, updated_at, resolved_at, ttl)
       SELECT id, $1, resource_id, 'seed', type, status, severity, 'Link (WAN' || (g % 3) || ') is down', NULL, path,
              created_at, created_at, CASE WHEN status = 'resolved' THEN created_at + interval '1 hour' END,
              extract(epoch FROM created_at)::bigint + 425 * 86400
       FROM src
       RETURNING id, customer_id, created_at, resource_ancestry_path, ttl
     ), seg AS (
       INSERT INTO fault_path_segments (fault_id, segment, customer_id, created_at, fault_ttl)
       SELECT ins.id, s, ins.customer_id, ins.created_at, ins.ttl FROM ins, unnest(string_to_array(ins.resource_ancestry_path, '|')) AS s
     )
     SELECT id, (extract(epoch FROM created_at) * 1000000)::bigint::text AS micros, severity, status, type, resource_id, path FROM src`,
    [tenant, newest.toISOString(), count, spacingMinutes],
  );
  return rows.map((r) => ({ ...r, micros: BigInt(r.micros) }));
}

/** Newest first, as the API orders: created_at then id, both descending. */
export function keysetOrder(a: SeededFault, b: SeededFault): number {
  if (a.micros !== b.micros) return a.micros > b.micros ? -1 : 1;
  return a.id > b.id ? -1 : a.id < b.id ? 1 : 0;
}
