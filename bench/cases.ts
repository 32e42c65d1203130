import { DataSource } from 'typeorm';
import { signDevToken } from '../src/auth/dev-token';
import { FaultCursorCodec } from '../src/fault/core/fault-cursor';
import { LoadCase } from './load';

export interface BenchContext {
  serviceUrl: string;
  dataSource: DataSource;
  tenant: string;
  smallTenant: string;
  vaultItems: number;
  jwtSecret: string;
  cursorSecret: string;
}

async function api<T>(ctx: BenchContext, method: string, path: string, token: string, body?: unknown): Promise<T> {
  const res = await fetch(`${ctx.serviceUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** Open faults the merging case repeats, round robin. */
const OPEN_KEYS = 1000;

/** The fixtures (vault items, a fault, a deep cursor, a dashboard code) and the cases that use them. */
export async function buildCases(ctx: BenchContext): Promise<LoadCase[]> {
  const user = signDevToken({ secret: ctx.jwtSecret, customerId: ctx.tenant, subject: 'usr_bench', expiresInSeconds: 4 * 3600 });
  const smallUser = signDevToken({ secret: ctx.jwtSecret, customerId: ctx.smallTenant, subject: 'usr_bench', expiresInSeconds: 4 * 3600 });
  // Write cases go to a tenant of their own, so the read cases see the same data all run long.
  const writer = signDevToken({ secret: ctx.jwtSecret, customerId: `${ctx.tenant}_writes`, subject: 'usr_bench', expiresInSeconds: 4 * 3600 });
  const runner = signDevToken({ secret: ctx.jwtSecret, service: true, scopes: ['vault:use', 'faults:ingest'], expiresInSeconds: 4 * 3600 });
  const auth = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

  // Earlier runs wrote into the read tenant: take those out so every run reads the same data.
  await ctx.dataSource.query(`DELETE FROM vault_item WHERE customer_id = $1 AND name LIKE 'bench-new-%'`, [ctx.tenant]);
  await ctx.dataSource.query(`DELETE FROM faults WHERE customer_id = $1 AND microservice_id = 'bench'`, [ctx.tenant]);
  // Vault items, created through the API (so they are sealed exactly as in production); a rerun tops up.
  const existing = await api<Array<{ id: string; name: string }>>(ctx, 'GET', '/workflows/vault', user);
  const have = new Set(existing.map((i) => i.name));
  for (let i = 0; i < ctx.vaultItems; i++) {
    const name = `bench-secret-${String(i).padStart(5, '0')}`;
    if (!have.has(name)) await api(ctx, 'POST', '/workflows/vault', user, { name, secret: `s3cr3t-value-${i}-${'x'.repeat(32)}` });
  }
  const items = await api<Array<{ id: string; name: string }>>(ctx, 'GET', '/workflows/vault', user);
  const seeded = items.filter((i) => i.name.startsWith('bench-secret-')).sort((a, b) => a.name.localeCompare(b.name));
  const names20 = seeded.slice(0, 20).map((i) => i.name);

  const [{ id: faultId }] = await ctx.dataSource.query<[{ id: string }]>(
    'SELECT id FROM faults WHERE customer_id = $1 AND ttl > extract(epoch from now()) ORDER BY created_at DESC, id DESC LIMIT 1',
    [ctx.tenant],
  );
  const [{ total }] = await ctx.dataSource.query<[{ total: number }]>('SELECT count(*)::int AS total FROM faults WHERE customer_id = $1', [ctx.tenant]);
  const depth = Math.min(500_000, Math.floor(total / 2));
  const [deep] = await ctx.dataSource.query<[{ id: string; micros: string }]>(
    `SELECT id, (extract(epoch from created_at) * 1000000)::bigint::text AS micros FROM faults
     WHERE customer_id = $1 AND ttl > extract(epoch from now()) ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 1`,
    [ctx.tenant, depth - 1],
  );
  const deepCursor = new FaultCursorCodec(ctx.cursorSecret).encode(ctx.tenant, FaultCursorCodec.filterHash({}), { createdAtMicros: BigInt(deep.micros), id: deep.id });
  const [{ resource_id: resource, site }] = await ctx.dataSource.query<[{ resource_id: string; site: string }]>(
    `SELECT resource_id, split_part(resource_ancestry_path, '|', 1) AS site FROM faults
     WHERE customer_id = $1 AND resource_ancestry_path IS NOT NULL ORDER BY created_at DESC LIMIT 1`,
    [ctx.tenant],
  );
  const minted = await api<{ short_link: string }>(ctx, 'POST', '/fault/token', user, { expire_after_minutes: 600 });
  const code = minted.short_link.split('/').pop()!;
  const from = new Date(Date.now() - 30 * 86_400_000).toISOString();
  const to = new Date(Date.now() - 7 * 86_400_000).toISOString();

  let n = 0;
  const unique = (): string => `${process.pid}-${Date.now().toString(36)}-${(n++).toString(36)}`;
  // Repeats of open faults (what a monitor sends every 30 s while a link is down): open them first, so
  // every benchmarked report merges (200). A rerun finds them still open.
  const report = { resource_id: 'dev_bench', microservice_id: 'bench', type: 'wantunnel', severity: 'HIGH', message: 'WAN tunnel Primary link (WAN1) is down' };
  for (let i = 0; i < OPEN_KEYS; i++) await api(ctx, 'POST', '/fault', writer, { ...report, dedup_key: `bench-open-${i}` });
  await api(ctx, 'POST', '/fault', writer, { ...report, dedup_key: 'bench-hot' });
  const list = (name: string, query: string, token = user): LoadCase => ({ name, method: 'GET', path: `/fault?${query}`, headers: auth(token), expect: 200 });

  return [
    { name: 'GET /workflows/vault/{id}', method: 'GET', path: `/workflows/vault/${seeded[0].id}`, headers: auth(user), expect: 200 },
    { name: `GET /workflows/vault (${seeded.length} items)`, method: 'GET', path: '/workflows/vault', headers: auth(user), expect: 200 },
    {
      name: 'POST /workflows/vault',
      method: 'POST',
      path: '/workflows/vault',
      headers: auth(writer),
      body: () => ({ name: `bench-new-${unique()}`, secret: 'a-new-secret-value-for-the-benchmark' }),
      expect: 201,
    },
    {
      name: `POST /internal/vault/resolve (${names20.length} names)`,
      method: 'POST',
      path: '/internal/vault/resolve',
      headers: auth(runner),
      body: { customer_id: ctx.tenant, names: names20 },
      expect: 200,
    },
    { name: 'GET /fault/{id}', method: 'GET', path: `/fault/${faultId}`, headers: auth(user), expect: 200 },
    list('GET /fault?limit=50', 'limit=50'),
    list(`GET /fault?limit=50 (${depth.toLocaleString('en-US')} rows deep)`, `limit=50&cursor=${encodeURIComponent(deepCursor)}`),
    list('GET /fault?limit=50 (10k-fault tenant)', 'limit=50', smallUser),
    list('GET /fault?limit=50&severity=CRITICAL', 'limit=50&severity=CRITICAL'),
    list('GET /fault?limit=50&status=unresolved', 'limit=50&status=unresolved'),
    list('GET /fault?limit=50&status=recent', 'limit=50&status=recent'),
    list('GET /fault?limit=50&type=bgp', 'limit=50&type=bgp'),
    list('GET /fault?limit=50&resource_id=…', `limit=50&resource_id=${encodeURIComponent(resource)}`),
    list('GET /fault?limit=50&site=…', `limit=50&site=${encodeURIComponent(site)}`),
    list('GET /fault?limit=50&from=…&to=…', `limit=50&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`),
    {
      name: 'POST /fault',
      method: 'POST',
      path: '/fault',
      headers: auth(writer),
      body: () => ({ resource_id: 'dev_bench', microservice_id: 'bench', type: 'wantunnel', severity: 'HIGH', message: `WAN tunnel Primary link (WAN1) is down ${unique()}` }),
      expect: 201,
    },
    {
      name: 'POST /fault (new dedup_key each: creates)',
      method: 'POST',
      path: '/fault',
      headers: auth(writer),
      body: () => ({ ...report, dedup_key: `bench-new-${unique()}` }),
      expect: 201,
    },
    {
      name: `POST /fault (dedup_key merging into 1 of ${OPEN_KEYS.toLocaleString('en-US')} open faults)`,
      method: 'POST',
      path: '/fault',
      headers: auth(writer),
      body: () => ({ ...report, dedup_key: `bench-open-${n++ % OPEN_KEYS}` }),
      expect: 200,
    },
    {
      name: 'POST /fault (dedup_key merging, one hot fault)',
      method: 'POST',
      path: '/fault',
      headers: auth(writer),
      body: { ...report, dedup_key: 'bench-hot' },
      expect: 200,
    },
    { name: 'POST /fault/token', method: 'POST', path: '/fault/token', headers: auth(writer), body: { expire_after_minutes: 60 }, expect: 200 },
    { name: 'GET /fault/token/{code}', method: 'GET', path: `/fault/token/${code}`, expect: 200 },
  ];
}
