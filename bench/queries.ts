/**
 * Measures GET /fault's SQL at scale, below HTTP (the HTTP side is `npm run bench`): seeds one
 * tenant with N faults (default 1 million, plus a neighbour tenant) into a throwaway database
 * `fault_bench` on the development PostgreSQL, then times the first page, a page at 90% depth and
 * every filter (median of 20 runs, 50 items) and prints each plan's scans.
 *
 *   npm run bench:queries [-- --faults 1000000] [--keep] [--explain]
 */
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { runCli } from '../src/database/cli/with-data-source';
import { dataSourceOptions } from '../ormconfig';
import { AppConfig } from '../src/config/app.config';
import { DatabaseConfig } from '../src/config/database.config';
import { openDatabase } from '../src/database/open-database';
import { MIGRATIONS } from '../src/database/migrations';
import { FAULT_ENTITIES } from '../src/fault/entities';
import { FaultListFilters, buildListPageSql } from '../src/fault/core/fault-list-query';
import { FaultConfig } from '../src/config/fault.config';
import { seedFaults } from '../src/seed/fault-seeder';

const TENANT = 'cus_bench_big';
const HOUR = 3600_000;

/** The text of an EXPLAIN. */
async function explain(ds: DataSource, sql: string, params: unknown[], options = ''): Promise<string> {
  const rows: Array<{ 'QUERY PLAN': string }> = await ds.query(`EXPLAIN ${options} ${sql}`, params);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { faults: { type: 'string', default: '1000000' }, keep: { type: 'boolean', default: false }, explain: { type: 'boolean', default: false } } });
  const total = Number(values.faults);
  const config = DatabaseConfig.fromEnv(process.env);
  const server = await openDatabase(config, AppConfig.fromEnv(process.env).dataDir, (m) => process.stderr.write(`${m}\n`));
  const admin = new Client({ connectionString: server.url });
  await admin.connect();
  const exists = (await admin.query(`SELECT 1 FROM pg_database WHERE datname = 'fault_bench'`)).rowCount === 1;
  if (!exists) await admin.query('CREATE DATABASE fault_bench');
  const url = new URL(server.url);
  url.pathname = '/fault_bench';
  const ds = new DataSource({ ...dataSourceOptions(url.toString(), { ...config, statementTimeoutMs: 0 }), entities: FAULT_ENTITIES, migrations: MIGRATIONS });
  await ds.initialize();
  try {
    await ds.runMigrations();
    const counted: Array<{ n: string }> = await ds.query(`SELECT count(*) AS n FROM faults WHERE customer_id = $1`, [TENANT]);
    const have = Number(counted[0]?.n ?? 0);
    if (have < total) {
      console.log(`seeding ${total - have} faults for ${TENANT} (+10% in a neighbour tenant)…`);
      const started = Date.now();
      const retentionDays = FaultConfig.fromEnv(process.env).retentionDays;
      await seedFaults(ds, { customerId: TENANT, total, retentionDays });
      await seedFaults(ds, { customerId: 'cus_bench_neighbour', total: Math.floor(total / 10), retentionDays });
      console.log(`  seeded in ${Math.round((Date.now() - started) / 1000)} s`);
      await ds.query('VACUUM ANALYZE faults');
      await ds.query('VACUUM ANALYZE fault_path_segments');
    }
    const deepRows: Array<{ id: string; micros: string }> = await ds.query(
      `SELECT id, (extract(epoch FROM created_at) * 1000000)::bigint::text AS micros FROM faults WHERE customer_id = $1 ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 1`,
      [TENANT, Math.floor(total * 0.9)],
    );
    const [sample] = await ds.query<Array<{ resource_id: string; site: string }>>(
      `SELECT resource_id, split_part(resource_ancestry_path, '|', 1) AS site FROM faults WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 1`,
      [TENANT],
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
      ['resource_id=…', { resourceId: sample.resource_id }],
      ['site=…', { site: sample.site }],
      ['from/to (a 20 h window)', { from: new Date(now - 100 * 24 * HOUR), to: new Date(now - 100 * 24 * HOUR + 20 * HOUR) }],
      ['severity+site+status=recent', { severity: 'HIGH', site: sample.site, status: 'recent' }],
      // Lifecycle filters: pg_trgm search (a frequent, a rare and a two-field term), dedup key, partial indexes.
      ['q=WAN2 (frequent)', { q: 'WAN2' }],
      ['q=AS64700 (rare)', { q: 'AS64700' }],
      ['q=fibre cut (in cause)', { q: 'fibre cut' }],
      ['q=WAN1&status=unresolved', { q: 'WAN1', status: 'unresolved' }],
      ['dedup_key=…', { dedupKey: `wantunnel:${sample.resource_id}:wan1` }],
      ['acknowledged=true', { acknowledged: true }],
      ['acknowledged=false', { acknowledged: false }],
      ['silenced=true', { silenced: true }],
      ['silenced=false', { silenced: false }],
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
  } finally {
    if (!values.keep) {
      await ds.destroy();
      await admin.query('DROP DATABASE fault_bench WITH (FORCE)');
    } else await ds.destroy();
    await admin.end();
    await server.close();
  }
}

runCli('bench:queries', main);
