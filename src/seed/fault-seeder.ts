import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { newFaultId } from '../common/ids';
import { pathSegments } from '../fault/fault.repository';

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
 * resolved.
 */
export async function seedFaults(dataSource: DataSource, options: FaultSeedOptions): Promise<number> {
  const now = options.now ?? new Date();
  const batchSize = options.batchSize ?? 5000;
  const spreadMs = (options.spreadDays ?? 420) * 86_400_000;
  const [{ count }] = await dataSource.query<[{ count: number }]>('SELECT count(*)::int AS count FROM faults WHERE customer_id = $1', [options.customerId]);
  let inserted = 0;
  const missing = Math.max(0, options.total - count);
  const sites = 200;
  const resources = Math.max(50, Math.min(20_000, Math.floor(options.total / 50)));

  // Two batches in flight: one being generated here while PostgreSQL indexes the other.
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
    };
    const seg = { fault: [] as string[], segment: [] as string[], created: [] as string[] };
    const com = { id: [] as string[], fault: [] as string[], user: [] as string[], text: [] as string[], created: [] as string[] };
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
      cols.resolved.push(resolved ? new Date(created.getTime() + Math.floor(r(5) * 6 * 3_600_000) + 60_000).toISOString() : null);
      cols.ttl.push(Math.floor(created.getTime() / 1000) + options.retentionDays * 86_400);
      for (const segment of pathSegments(path)) {
        seg.fault.push(id);
        seg.segment.push(segment);
        seg.created.push(created.toISOString());
      }
      if (r(6) < 0.05) {
        com.id.push(randomUUID());
        com.fault.push(id);
        com.user.push(`usr_${(rnd[i * 8 + 7] % 20).toString().padStart(3, '0')}`);
        com.text.push('Carrier ticket opened; monitoring.');
        com.created.push(new Date(created.getTime() + 120_000).toISOString());
      }
    }
    const write = dataSource.transaction(async (manager) => {
      // Seed data may be re-created: do not wait for the WAL flush of every batch.
      await manager.query('SET LOCAL synchronous_commit = off');
      await manager.query(
        `INSERT INTO faults (id, customer_id, resource_id, microservice_id, type, status, severity, message, cause,
                             resource_ancestry_path, created_at, updated_at, resolved_at, ttl)
         SELECT id, $1, resource, service, type, status, severity, message, cause, path, created, coalesce(resolved, created), resolved, ttl
         FROM unnest($2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[], $6::varchar[], $7::varchar[], $8::varchar[],
                     $9::varchar[], $10::varchar[], $11::timestamptz[], $12::timestamptz[], $13::bigint[])
              AS t(id, resource, service, type, status, severity, message, cause, path, created, resolved, ttl)`,
        [options.customerId, cols.id, cols.resource, cols.service, cols.type, cols.status, cols.severity, cols.message, cols.cause, cols.path, cols.created, cols.resolved, cols.ttl],
      );
      await manager.query(
        `INSERT INTO fault_path_segments (fault_id, segment, customer_id, created_at)
         SELECT f, s, $1, c FROM unnest($2::varchar[], $3::varchar[], $4::timestamptz[]) AS t(f, s, c)`,
        [options.customerId, seg.fault, seg.segment, seg.created],
      );
      if (com.id.length > 0) {
        await manager.query(
          `INSERT INTO fault_comments (id, fault_id, customer_id, user_id, comment, created_at)
           SELECT i, f, $1, u, t, c FROM unnest($2::uuid[], $3::varchar[], $4::varchar[], $5::varchar[], $6::timestamptz[]) AS x(i, f, u, t, c)`,
          [options.customerId, com.id, com.fault, com.user, com.text, com.created],
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
  if (inserted > 0) await dataSource.query('ANALYZE faults; ANALYZE fault_path_segments; ANALYZE fault_comments');
  return inserted;
}
