import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { newFaultId } from '../common/ids';
import { faultChildrenPartitions, faultPartitions, pathSegments, sweepTopFaultCountsFully } from '../fault';
import { PartitionRepository } from '../database/partitions/partition.repository';
import { periodsBetween } from '../database/partitions/partition-period';

export interface FaultSeedOptions {
  customerId: string;
  /** Target total for the tenant: only the missing rows are inserted, so a rerun resumes. */
  total: number;
  retentionDays: number;
  now?: Date;
  batchSize?: number;
  /** Days back the created times spread over (≈ 14 months by default, inside the retention). */
  spreadDays?: number;
  progress?: (inserted: number, total: number) => void;
  /**
   * VACUUM (ANALYZE) the loaded tables at the end (default true). A caller seeding many tenants one
   * after the other (bench/scale.ts: 1,000) passes false and vacuums once after the last: a VACUUM
   * per tenant rescans the whole trigram index each time.
   */
  vacuum?: boolean;
}

const SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL', 'WARNING'];
const SEVERITY_WEIGHTS = [0.3, 0.3, 0.2, 0.05, 0.15];
const KINDS = [
  { type: 'wantunnel', service: 'wantunnel-monitor', message: (n: number) => `WAN tunnel ${['Primary link (WAN1)', 'Backup link (WAN2)', 'LTE failover (WWAN)'][n % 3]} is down` },
  { type: 'site', service: 'site-monitor', message: () => 'Site offline: no heartbeat from any device' },
  { type: 'wan-degradation', service: 'wan-quality', message: (n: number) => `Packet loss ${5 + (n % 40)}% on ${['Primary link (WAN1)', 'Backup link (WAN2)'][n % 2]}` },
  { type: 'bgp', service: 'bgp-monitor', message: (n: number) => `BGP session to AS${64512 + (n % 200)} went down` },
  { type: 'power', service: 'pdu-monitor', message: () => 'Device running on battery power' },
];
const CAUSES = [null, null, 'ISP outage', 'Power failure at site', 'Configuration change', 'Fibre cut reported by carrier'];
/** Monitors repeat a report about every 5 minutes while the problem lasts. */
const REPEAT_INTERVAL_MS = 300_000;

function pick<T>(items: readonly T[], r: number): T {
  return items[Math.min(items.length - 1, Math.floor(r * items.length))];
}

function weighted(weights: number[], r: number): number {
  let acc = 0;
  for (let i = 0; i < weights.length; i++) {
    acc += weights[i];
    if (r < acc) return i;
  }
  return weights.length - 1;
}

/**
 * Bulk-loads realistic faults for one tenant: array-parameter INSERTs of a
 * few thousand rows each (one round trip per batch), with their ancestry-path
 * segments and some comments. Severities, types, resources and sites are
 * spread; created times cover the last ~14 months; older faults are mostly
 * resolved. Like real monitors, about 70 % of reports carry a dedup_key
 * (`type:resource`, per link for tunnels) and repeat every 5 minutes while the
 * problem lasts, so those faults have occurrences > 1 and a later
 * last_occurred_at; a key is unresolved in at most one fault (as the unique
 * index demands; later unresolved repeats of an open key are plain reports).
 * About a third of resolved faults were acknowledged first, ~1 % were silenced.
 */
export async function seedFaults(dataSource: DataSource, options: FaultSeedOptions): Promise<number> {
  const now = options.now ?? new Date();
  const batchSize = options.batchSize ?? 5000;
  const spreadMs = (options.spreadDays ?? 420) * 86_400_000;
  // The months the seeded faults expire in, made first (as the partition maintenance keeps them made
  // ahead in service): rows loaded before their partition exists land in the default partition, and
  // moving them out when it is made leaves it full of dead index entries that every read then walks.
  // Their comments and path segments are partitioned by their fault's ttl too. (Only made here, never
  // dropped: the faults' beforeDrop is not called.)
  const partitions = new PartitionRepository(dataSource);
  const expiring = [faultPartitions(options.retentionDays, () => Promise.resolve()), ...faultChildrenPartitions(options.retentionDays)];
  const retentionMs = options.retentionDays * 86_400_000;
  const [firstExpiry, lastExpiry] = [new Date(now.getTime() - spreadMs + retentionMs), new Date(now.getTime() + retentionMs)];
  for (const t of expiring) await partitions.create(t.table, t.column, periodsBetween(firstExpiry, lastExpiry, t.interval), t.interval, t.keyType);
  const [{ count }] = await dataSource.query<[{ count: number }]>('SELECT count(*)::int AS count FROM faults WHERE customer_id = $1', [options.customerId]);
  let inserted = 0;
  const missing = Math.max(0, options.total - count);
  const sites = 200;
  // Keys already open in the tenant (a resumed run must not open them twice).
  const openKeys = new Set<string>(
    (
      await dataSource.query<Array<{ dedup_key: string }>>(
        `SELECT dedup_key FROM faults WHERE customer_id = $1 AND status = 'unresolved' AND dedup_key IS NOT NULL`,
        [options.customerId],
      )
    ).map((r) => r.dedup_key),
  );
  const resources = Math.max(50, Math.min(20_000, Math.floor(options.total / 50)));

  // Two batches in flight: one being generated here while PostgreSQL writes the other.
  const inFlight = new Set<Promise<void>>();
  let generated = 0;
  while (generated < missing) {
    const n = Math.min(batchSize, missing - generated);
    generated += n;
    const rnd = randomBytes(n * 8);
    const cols = {
      id: [] as string[], resource: [] as string[], service: [] as string[], type: [] as string[], status: [] as string[],
      severity: [] as string[], message: [] as string[], cause: [] as (string | null)[], path: [] as string[],
      created: [] as string[], resolved: [] as (string | null)[], ttl: [] as number[],
      key: [] as (string | null)[], occurrences: [] as number[], last: [] as string[], acked: [] as (string | null)[], silenced: [] as boolean[],
    };
    const seg = { fault: [] as string[], segment: [] as string[], created: [] as string[], ttl: [] as number[] };
    const com = { id: [] as string[], fault: [] as string[], user: [] as string[], text: [] as string[], created: [] as string[], ttl: [] as number[] };
    for (let i = 0; i < n; i++) {
      const r = (k: number): number => rnd[i * 8 + k] / 256;
      // Skewed towards recent times, as real fault streams are.
      const age = Math.floor(spreadMs * Math.pow(Math.random(), 1.6));
      const created = new Date(now.getTime() - age);
      const resourceNo = Math.floor(Math.pow(Math.random(), 2) * resources);
      const site = `site_${(resourceNo % sites).toString(36).padStart(16, '0')}`;
      const resource = `dev_${resourceNo.toString(36).padStart(17, '0')}`;
      const kind = pick(KINDS, r(0));
      const resolved = age > 86_400_000 ? r(1) < 0.95 : r(1) < 0.4;
      const id = newFaultId(created);
      const path = `${site}|${resource}`;
      cols.id.push(id);
      cols.resource.push(resource);
      cols.service.push(kind.service);
      cols.type.push(kind.type);
      cols.status.push(resolved ? 'resolved' : 'unresolved');
      cols.severity.push(SEVERITIES[weighted(SEVERITY_WEIGHTS, r(2))]);
      cols.message.push(kind.message(rnd[i * 8 + 3]));
      cols.cause.push(pick(CAUSES, r(4)));
      cols.path.push(path);
      cols.created.push(created.toISOString());
      const resolvedAt = resolved ? new Date(created.getTime() + Math.floor(r(5) * 6 * 3_600_000) + 60_000) : null;
      cols.resolved.push(resolvedAt?.toISOString() ?? null);
      // Repeats: keyed reports recur every 5 minutes until resolved (or until now).
      const linkNo = rnd[i * 8 + 3] % 3;
      let key: string | null = r(7) < 0.7 ? `${kind.type}:${resource}${kind.type === 'wantunnel' ? `:wan${linkNo + 1}` : ''}` : null;
      if (key !== null && !resolved) {
        if (openKeys.has(key)) key = null;
        else openKeys.add(key);
      }
      const lastedMs = Math.max(0, (resolvedAt ?? now).getTime() - created.getTime());
      const occurrences = key === null ? 1 : 1 + Math.min(500, Math.floor((lastedMs / REPEAT_INTERVAL_MS) * Math.random()));
      cols.key.push(key);
      cols.occurrences.push(occurrences);
      cols.last.push(new Date(created.getTime() + (occurrences - 1) * REPEAT_INTERVAL_MS).toISOString());
      cols.acked.push(resolvedAt !== null && r(6) > 0.66 ? new Date(created.getTime() + Math.min(lastedMs, 600_000) / 2).toISOString() : null);
      cols.silenced.push(r(6) < 0.01);
      const ttl = Math.floor(created.getTime() / 1000) + options.retentionDays * 86_400;
      cols.ttl.push(ttl);
      for (const segment of pathSegments(path)) {
        seg.fault.push(id);
        seg.segment.push(segment);
        seg.created.push(created.toISOString());
        seg.ttl.push(ttl);
      }
      if (r(6) < 0.05) {
        com.id.push(randomUUID());
        com.fault.push(id);
        com.user.push(`usr_${(rnd[i * 8 + 7] % 20).toString().padStart(3, '0')}`);
        com.text.push('Carrier ticket opened; monitoring.');
        com.created.push(new Date(created.getTime() + 120_000).toISOString());
        com.ttl.push(ttl);
      }
    }
    const write = dataSource.transaction(async (manager) => {
      // Seed data may be re-created: do not wait for the WAL flush of every batch.
      await manager.query('SET LOCAL synchronous_commit = off');
      await manager.query(
        `INSERT INTO faults (id, customer_id, resource_id, microservice_id, type, status, severity, message, cause,
                             resource_ancestry_path, created_at, updated_at, resolved_at, ttl,
                             dedup_key, occurrences, last_occurred_at, acknowledged_at, acknowledged_by, silenced)
         SELECT id, $1, resource, service, type, status, severity, message, cause, path, created, coalesce(resolved, last, created), resolved, ttl,
                key, occurrences, last, acked, CASE WHEN acked IS NOT NULL THEN 'usr_' || lpad((abs(hashtext(id)) % 20)::text, 3, '0') END, silenced
         FROM unnest($2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[], $6::varchar[], $7::varchar[], $8::varchar[],
                     $9::varchar[], $10::varchar[], $11::timestamptz[], $12::timestamptz[], $13::bigint[],
                     $14::varchar[], $15::int[], $16::timestamptz[], $17::timestamptz[], $18::boolean[])
              AS t(id, resource, service, type, status, severity, message, cause, path, created, resolved, ttl, key, occurrences, last, acked, silenced)`,
        [
          options.customerId, cols.id, cols.resource, cols.service, cols.type, cols.status, cols.severity, cols.message, cols.cause, cols.path,
          cols.created, cols.resolved, cols.ttl, cols.key, cols.occurrences, cols.last, cols.acked, cols.silenced,
        ],
      );
      await manager.query(
        `INSERT INTO fault_path_segments (fault_id, segment, customer_id, created_at, fault_ttl)
         SELECT f, s, $1, c, x FROM unnest($2::varchar[], $3::varchar[], $4::timestamptz[], $5::bigint[]) AS t(f, s, c, x)`,
        [options.customerId, seg.fault, seg.segment, seg.created, seg.ttl],
      );
      if (com.id.length > 0) {
        await manager.query(
          `INSERT INTO fault_comments (id, fault_id, customer_id, user_id, comment, created_at, fault_ttl)
           SELECT i, f, $1, u, t, c, e FROM unnest($2::uuid[], $3::varchar[], $4::varchar[], $5::varchar[], $6::timestamptz[], $7::bigint[]) AS x(i, f, u, t, c, e)`,
          [options.customerId, com.id, com.fault, com.user, com.text, com.created, com.ttl],
        );
      }
    }).then(() => {
      inserted += n;
      options.progress?.(count + inserted, options.total);
    });
    const tracked: Promise<void> = write.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    if (inFlight.size >= 2) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  // The recent faults appended their top-faults deltas: folded now, as the sweep would within a minute.
  await sweepTopFaultCountsFully(dataSource, new Date());
  // VACUUM as well as ANALYZE: a bulk load leaves the visibility map unset until autovacuum comes by,
  // and until then every index-only scan (analytics, the list's counts) fetches heap pages, so a
  // benchmark run at once would measure a state a live database is not in for long.
  if (inserted > 0 && options.vacuum !== false) for (const table of ['faults', 'fault_path_segments', 'fault_comments']) await dataSource.query(`VACUUM (ANALYZE) ${table}`);
  return inserted;
}
