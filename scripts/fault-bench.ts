/**
 * Measures GET /fault's query at scale: seeds one tenant with N faults (default 1 million,
 * plus neighbours) into a throwaway database `fault_bench` on the development PostgreSQL,
 * then times the first page, a deep page and every filter (median of 20 runs, 50 items).
 *
 *   npx ts-node -T scripts/fault-bench.ts [--faults 1000000] [--keep]
 */
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../ormconfig';
import { AppConfig } from '../src/config/app.config';
import { DatabaseConfig } from '../src/config/database.config';
import { openDatabase } from '../src/database/open-database';
import { CreateFaults1795457339041 } from '../src/database/migrations/1795457339041-CreateFaults';
import { FAULT_ENTITIES } from '../src/fault/entities';
import { FaultListFilters, buildListPageSql } from '../src/fault/fault.repository';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from '../src/app.module';
import { configureApp, createFastifyAdapter } from '../src/app.setup';
import { signDevToken } from '../src/auth/dev-token';
import { AuthConfig } from '../src/config/auth.config';
import { createLogger } from '../src/logging/logger';
import { FaultConfig } from '../src/config/fault.config';
import { FaultCursorCodec } from '../src/fault/fault-cursor';

const TENANT = 'cus_bench_big';
const HOUR = 3600_000;

/** The text of an EXPLAIN. */
async function explain(ds: DataSource, sql: string, params: unknown[], options = ''): Promise<string> {
  const rows: Array<{ 'QUERY PLAN': string }> = await ds.query(`EXPLAIN ${options} ${sql}`, params);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { faults: { type: 'string', default: '1000000' }, keep: { type: 'boolean', default: false }, explain: { type: 'boolean', default: false }, http: { type: 'boolean', default: false } } });
  const total = Number(values.faults);
  const config = DatabaseConfig.fromEnv(process.env);
  const server = await openDatabase(config, AppConfig.fromEnv(process.env).dataDir, (m) => process.stderr.write(`${m}\n`));
  const admin = new Client({ connectionString: server.url });
  await admin.connect();
  const exists = (await admin.query(`SELECT 1 FROM pg_database WHERE datname = 'fault_bench'`)).rowCount === 1;
  if (!exists) await admin.query('CREATE DATABASE fault_bench');
  const url = new URL(server.url);
  url.pathname = '/fault_bench';
  const ds = new DataSource({ ...dataSourceOptions(url.toString(), { ...config, statementTimeoutMs: 0 }), entities: FAULT_ENTITIES, migrations: [CreateFaults1795457339041] });
  await ds.initialize();
  try {
    await ds.runMigrations();
    const counted: Array<{ n: string }> = await ds.query(`SELECT count(*) AS n FROM faults WHERE customer_id = $1`, [TENANT]);
    const have = Number(counted[0]?.n ?? 0);
    if (have < total) {
      console.log(`seeding ${total - have} faults for ${TENANT} (+10% for neighbours)…`);
      const started = Date.now();
      const chunk = 100_000;
      for (let offset = have; offset < total; offset += chunk) {
        await seed(ds, TENANT, offset, Math.min(chunk, total - offset));
        await seed(ds, `cus_bench_n${offset % 7}`, offset, Math.floor(Math.min(chunk, total - offset) / 10));
        process.stdout.write(`  ${Math.min(offset + chunk, total)} (${Math.round((Date.now() - started) / 1000)} s)\n`);
      }
      await ds.query('VACUUM ANALYZE faults');
      await ds.query('VACUUM ANALYZE fault_path_segments');
    }
    const deepRows: Array<{ id: string; micros: string }> = await ds.query(
      `SELECT id, (extract(epoch FROM created_at) * 1000000)::bigint::text AS micros FROM faults WHERE customer_id = $1 ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 1`,
      [TENANT, Math.floor(total * 0.9)],
    );
    const deepRow = deepRows[0];
    if (deepRow === undefined) throw new Error("no faults seeded");
    const deep = { createdAtMicros: BigInt(deepRow.micros), id: deepRow.id };
    if (values.explain) {
      const { sql, params } = buildListPageSql({ customerId: TENANT, filters: {}, take: 51, after: deep, nowSeconds: Math.floor(Date.now() / 1000) });
      console.log(await explain(ds, sql, params, '(ANALYZE, BUFFERS)'));
    }
    const now = Date.now();
    const variants: Array<[string, FaultListFilters]> = [
      ['no filter', {}],
      ['severity=CRITICAL', { severity: 'CRITICAL' }],
      ['status=unresolved', { status: 'unresolved' }],
      ['status=resolved', { status: 'resolved' }],
      ['status=recent', { status: 'recent' }],
      ['type=power', { type: 'power' }],
      ['resource_id=dev_3', { resourceId: 'dev_3' }],
      ['site=site_4', { site: 'site_4' }],
      ['from/to (a 20 h window)', { from: new Date(now - 100 * 24 * HOUR), to: new Date(now - 100 * 24 * HOUR + 20 * HOUR) }],
      ['severity+site+status=recent', { severity: 'HIGH', site: 'site_2', status: 'recent' }],
    ];
    console.log(`\n${TENANT}: ${total} faults; times are the median of 20 runs of a 50-item page (51 rows fetched)\n`);
    console.log('filter'.padEnd(30), 'first page'.padStart(12), 'page at 90%'.padStart(12), '  plan');
    for (const [name, filters] of variants) {
      const times: string[] = [];
      let planLine = '';
      for (const after of [undefined, deep]) {
        const { sql, params } = buildListPageSql({ customerId: TENANT, filters, take: 51, after, recentSinceMicros: BigInt(now - 24 * HOUR) * 1000n, nowSeconds: Math.floor(now / 1000) });
        const samples: number[] = [];
        for (let i = 0; i < 20; i++) {
          const t0 = process.hrtime.bigint();
          await ds.query(sql, params);
          samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
        samples.sort((a, b) => a - b);
        times.push(`${(samples[10] ?? NaN).toFixed(2)} ms`);
        if (after === undefined) {
          const plan = await explain(ds, sql, params);
          planLine = [...new Set(plan.match(/(Index Only Scan|Index Scan|Seq Scan|Bitmap Heap Scan)[^\n(]*? on \w+/g) ?? [])].join('; ');
        }
      }
      console.log(name.padEnd(30), (times[0] ?? '').padStart(12), (times[1] ?? '').padStart(12), ' ', planLine);
    }
    if (values.http) await timeHttp(url.toString(), deep);
  } finally {
    if (!values.keep) {
      await ds.destroy();
      await admin.query('DROP DATABASE fault_bench WITH (FORCE)');
    } else await ds.destroy();
    await admin.end();
    await server.close();
  }
}

/**
 * The whole request through the real application (guard, validation, cursor, comments, JSON):
 * first page, then pages deep into the tenant by following cursors from the 90% position.
 */
async function timeHttp(databaseUrl: string, deep: { createdAtMicros: bigint; id: string }): Promise<void> {
  process.env.LOG_LEVEL = 'warn';
  const env = { ...process.env, DATABASE_URL: databaseUrl };
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register({ databaseUrl }),
    createFastifyAdapter(AppConfig.fromEnv(env), createLogger('warn')),
    { logger: false },
  );
  await configureApp(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.getHttpServer().address() as { port: number };
  const auth = AuthConfig.fromEnv(process.env);
  const token = signDevToken({ secret: auth.jwtSecret!, customerId: TENANT, tenantClaim: auth.tenantClaim, expiresInSeconds: 3600 });
  const get = async (path: string): Promise<{ ms: number; body: { meta: { cursor: string | null } } }> => {
    const t0 = process.hrtime.bigint();
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as { meta: { cursor: string | null } };
    if (res.status !== 200) throw new Error(`GET ${path} → ${res.status}`);
    return { ms: Number(process.hrtime.bigint() - t0) / 1e6, body };
  };
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  for (let i = 0; i < 10; i++) await get('/fault?limit=50'); // warm up
  const first: number[] = [];
  for (let i = 0; i < 50; i++) first.push((await get('/fault?limit=50')).ms);
  // A cursor at 90% of the tenant's faults, minted as the service would (same key), then 50 pages on.
  let cursor: string | null = new FaultCursorCodec(FaultConfig.fromEnv(env).cursorSecret).encode(TENANT, FaultCursorCodec.filterHash({}), deep);
  const later: number[] = [];
  for (let i = 0; i < 50 && cursor; i++) {
    const r = await get(`/fault?limit=50&cursor=${encodeURIComponent(cursor)}`);
    later.push(r.ms);
    cursor = r.body.meta.cursor;
  }
  console.log(`\nHTTP GET /fault?limit=50 (whole request, median of 50): first page ${median(first).toFixed(2)} ms; 50 pages from the 900,000th fault on ${median(later).toFixed(2)} ms`);
  await app.close();
}

/** Like test/support/fault-seed.ts: one fault every 30 s going back (1 M fit in the retention), attributes cycling, 3 path segments each. */
async function seed(ds: DataSource, tenant: string, offset: number, count: number): Promise<void> {
  await ds.query(
    `WITH src AS (
       SELECT g, 'flt_' || substr(md5(random()::text || g) || md5(random()::text), 1, 27) AS id,
              now() - g * interval '30 seconds' AS created_at,
              (ARRAY['LOW','MEDIUM','HIGH','CRITICAL','WARNING'])[g % 5 + 1] AS severity,
              CASE WHEN g % 3 = 0 OR g > 2000 THEN 'resolved' ELSE 'unresolved' END AS status,
              (ARRAY['wantunnel','site','wan-degradation','power'])[g % 4 + 1] AS type,
              'dev_' || (g % 5000) AS resource_id,
              'site_' || (g % 600) || '|rack_' || (g % 2) || '|dev_' || (g % 5000) AS path
       FROM generate_series($2::int, $2::int + $3::int - 1) AS g
     ), ins AS (
       INSERT INTO faults (id, customer_id, resource_id, microservice_id, type, status, severity, message, cause,
                           resource_ancestry_path, created_at, updated_at, resolved_at, ttl)
       SELECT id, $1, resource_id, 'bench', type, status, severity, 'Link (WAN1) is down', NULL, path, created_at, created_at,
              CASE WHEN status = 'resolved' THEN created_at + interval '1 hour' END, extract(epoch FROM created_at)::bigint + 425 * 86400
       FROM src RETURNING id, customer_id, created_at, resource_ancestry_path
     )
     INSERT INTO fault_path_segments (fault_id, segment, customer_id, created_at)
     SELECT ins.id, s, ins.customer_id, ins.created_at FROM ins, unnest(string_to_array(ins.resource_ancestry_path, '|')) AS s`,
    [tenant, offset, count],
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
