/**
 * The fault cases at scale (issue 24, item 6): each case timed on a 10,000-fault tenant and on the
 * largest tenant of a 10,000,000-fault database, as the ratio large / small (goal ≤ 1.3×).
 *
 *   npm run bench:scale [-- --faults 10000000 --tenants 1000 --small-faults 10000 --rounds 15 --seed-only --drop]
 *
 * Two scratch databases on the development PostgreSQL (DATABASE_URL's server, else the embedded one
 * under DATA_DIR, as bench/queries.ts), migrated with the project's migrations and filled by the
 * project's seeder (seedFaults):
 * - `fault_scale_small`: one tenant (`cus_scale_small`) of `--small-faults` faults;
 * - `fault_scale_large`: `--tenants` tenants, `--faults` in all; the largest (`cus_scale_0000`) holds
 *   20 % of them (2,000,000 at 10 M), the others share the rest evenly. Tenants are loaded one after
 *   the other, so each tenant's rows lie together in the heap, as after a bulk import.
 * Counts are targets: a rerun inserts only what is missing (a killed seed resumes), then
 * VACUUM (ANALYZE)s and rebuilds the settled partitions' indexes as the hourly partition compaction
 * would have (bench/compaction.ts). The databases are kept (seeding 10 M takes most of an hour here); `--drop`
 * drops them at the end. `--seed-only` seeds and stops.
 *
 * The cases run through the application's own services, as GET /fault and POST /fault do below
 * HTTP (one application context per database, `FaultService`): the list pages go through
 * FaultService.list (the list query builder, `?q=`'s two-step search, prepared statements, the
 * comments of the page), top faults through TopFaultsService.topFaults (GET /fault/top_faults), the
 * reports through FaultService.create (correlation, outbox, timeline). Each context has a pool of one
 * connection, so the CPU time of the PostgreSQL backend serving it is read from /proc when the
 * database runs on this host: on shared cores the wall time also counts other processes' turns.
 * Every case runs on both tenants alternately, the order rotated each round (bench/rounds.ts),
 * after 3 warm-up calls on each; medians of `--rounds` (default 15).
 */
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { runCli } from '../src/database/cli/with-data-source';
import { dataSourceOptions } from '../ormconfig';
import { AppModule } from '../src/app.module';
import type { UserPrincipal } from '../src/auth/principal';
import { AppConfig } from '../src/config/app.config';
import { DatabaseConfig } from '../src/config/database.config';
import { FaultConfig } from '../src/config/fault.config';
import { openDatabase } from '../src/database/open-database';
import { runMigrationsLocked } from '../src/database/run-migrations';
import { FaultCursorCodec } from '../src/fault/core/fault-cursor';
import { FaultService } from '../src/fault/core/fault.service';
import { TopFaultsService } from '../src/fault/top-faults/top-faults.service';
import { sweepTopFaultCountsFully } from '../src/fault';
import type { CreateFaultDto, ListFaultsQueryDto } from '../src/fault/dto/fault-input.dto';
import { seedFaults } from '../src/seed/fault-seeder';
import { faultCompaction } from './compaction';
import { rotatedRounds } from './rounds';

const SMALL_DB = 'fault_scale_small';
const LARGE_DB = 'fault_scale_large';
const SMALL_TENANT = 'cus_scale_small';
const tenantName = (i: number): string => `cus_scale_${String(i).padStart(4, '0')}`;
const LARGEST_SHARE = 0.2;
const WARMUP = 3;
const GOAL = 1.3;
/** What the report cases write, deleted before and after a run so every run reads the seeded data. */
const REPORTER = 'bench-scale';
/** Open faults the merging report repeats, round robin. */
const OPEN_KEYS = 50;

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** The per-tenant targets of the large database: the largest 20 %, the others the rest evenly. */
export function tenantTargets(total: number, tenants: number): number[] {
  const largest = Math.round(total * LARGEST_SHARE);
  const others = tenants - 1;
  const rest = total - largest;
  return [largest, ...Array.from({ length: others }, (_, i) => Math.floor(rest / others) + (i < rest % others ? 1 : 0))];
}

/** Seeds each tenant up to its target (only what is missing), with progress and rate; then VACUUM (ANALYZE) when rows were added. */
async function seed(
  ds: DataSource,
  label: string,
  targets: Array<[string, number]>,
  retentionDays: number,
): Promise<{ inserted: number; seconds: number; vacuumSeconds: number; compactionSeconds: number }> {
  const have = new Map(
    (await ds.query<Array<{ customer_id: string; n: number }>>('SELECT customer_id, count(*)::int AS n FROM faults GROUP BY customer_id')).map((r) => [r.customer_id, r.n]),
  );
  const total = targets.reduce((s, [, n]) => s + n, 0);
  let done = targets.reduce((s, [tenant, n]) => s + Math.min(n, have.get(tenant) ?? 0), 0);
  const started = Date.now();
  const startDone = done;
  let lastPrint = 0;
  const print = (tenantNo: number, force = false): void => {
    const now = Date.now();
    if (!force && now - lastPrint < 10_000) return;
    lastPrint = now;
    const seconds = (now - started) / 1000;
    const rate = (done - startDone) / Math.max(seconds, 0.001);
    const eta = rate > 0 ? `, about ${fmt((total - done) / rate / 60, 1)} min left` : '';
    console.error(`${label}: ${fmt(done)} / ${fmt(total)} faults (tenant ${tenantNo} of ${targets.length}), ${fmt(seconds)} s, ${fmt(rate)} rows/s${eta}; load ${loadavg()[0].toFixed(1)}`);
  };
  let inserted = 0;
  // The first tenant (the largest) and the others apart: their rates differ (one bulk load vs many small ones).
  const parts = [
    { rows: 0, seconds: 0 },
    { rows: 0, seconds: 0 },
  ];
  for (const [i, [customerId, target]] of targets.entries()) {
    if ((have.get(customerId) ?? 0) >= target) continue;
    let before = have.get(customerId) ?? 0;
    const tenantStarted = Date.now();
    const added = await seedFaults(ds, {
      customerId,
      total: target,
      retentionDays,
      vacuum: false,
      progress: (n) => {
        done += n - before;
        before = n;
        print(i + 1);
      },
    });
    inserted += added;
    const part = parts[i === 0 ? 0 : 1];
    part.rows += added;
    part.seconds += (Date.now() - tenantStarted) / 1000;
  }
  const seconds = (Date.now() - started) / 1000;
  if (inserted > 0) {
    print(targets.length, true);
    if (targets.length > 1) {
      const rate = (p: { rows: number; seconds: number }): string => (p.rows > 0 ? `${fmt(p.rows)} in ${fmt(p.seconds, 1)} s, ${fmt(p.rows / p.seconds)} rows/s` : 'none');
      console.error(`${label}: the largest tenant ${rate(parts[0])}; the other ${fmt(targets.length - 1)} tenants ${rate(parts[1])}`);
    }
  }
  // After this run's inserts, or a killed earlier run's (its rows never vacuumed): the visibility map set as a live database's is.
  const [{ pending }] = await ds.query<[{ pending: number }]>(`SELECT coalesce(sum(n_ins_since_vacuum), 0)::int AS pending FROM pg_stat_user_tables WHERE relname IN ('faults', 'fault_path_segments', 'fault_comments')`);
  const vacuumStarted = Date.now();
  if (inserted > 0 || pending > 10_000) {
    console.error(`${label}: VACUUM (ANALYZE)…`);
    await ds.query('VACUUM (ANALYZE) faults, fault_path_segments, fault_comments');
  }
  const vacuumSeconds = (Date.now() - vacuumStarted) / 1000;
  if (inserted > 0) {
    console.error(`${label}: ${fmt(inserted)} faults inserted in ${fmt(seconds, 1)} s (${fmt(inserted / seconds)} rows/s with their path segments and comments), VACUUM (ANALYZE) ${fmt(vacuumSeconds, 1)} s`);
  }
  // As a live database reads once the hourly partition compaction has rebuilt its settled partitions (a rerun finds them done).
  const compactionStarted = Date.now();
  const compacted = await faultCompaction(ds).compactAllDue();
  const compactionSeconds = (Date.now() - compactionStarted) / 1000;
  if (compacted.length > 0) {
    const mb = (key: 'indexBytesBefore' | 'indexBytesAfter'): string => fmt(compacted.reduce((sum, c) => sum + c[key], 0) / 1_048_576);
    console.error(`${label}: partition compaction of ${compacted.length} settled partitions, indexes ${mb('indexBytesBefore')} → ${mb('indexBytesAfter')} MB in ${fmt(compactionSeconds, 1)} s`);
  }
  // As a live database's fault-top-window sweep keeps it (each minute): deltas folded, rows that left the window forgotten.
  const swept = await sweepTopFaultCountsFully(ds, new Date());
  if (swept > 0) console.error(`${label}: top faults' counts swept (${fmt(swept)} deltas folded or rows forgotten)`);
  return { inserted, seconds, vacuumSeconds, compactionSeconds };
}

/** A database of the development server, created when missing. */
async function scratchDatabase(admin: Client, serverUrl: string, name: string): Promise<string> {
  if ((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount !== 1) await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** One tenant under test: its database's application context and the fixtures of its cases. */
interface Target {
  label: string;
  tenant: string;
  app: INestApplicationContext;
  ds: DataSource;
  faults: FaultService;
  topFaults: TopFaultsService;
  principal: UserPrincipal;
  live: number;
  deepCursor: string;
  site: string;
  siteFaults: number;
  resource: string;
  /** The CPU time (ms) of the backend behind the context's one pooled connection, or undefined when the database is on another host. */
  cpu: () => Promise<number | undefined>;
}

async function openTarget(label: string, url: string, tenant: string, cursorSecret: string): Promise<Target> {
  const app = await NestFactory.createApplicationContext(AppModule.register({ databaseUrl: url }), { logger: ['error'] });
  const ds = app.get(DataSource);
  const nowSeconds = Math.floor(Date.now() / 1000);
  // Earlier runs' reports (a killed run left them): every run reads the seeded data.
  await ds.query('DELETE FROM faults WHERE customer_id = $1 AND microservice_id = $2', [tenant, REPORTER]);
  const [{ live }] = await ds.query<[{ live: number }]>('SELECT count(*)::int AS live FROM faults WHERE customer_id = $1 AND ttl > $2', [tenant, nowSeconds]);
  if (live < 1000) throw new Error(`${tenant} holds ${live} faults: seed first`);
  // The row the list's cursor points at after 90 % of the tenant, encoded as FaultService.list encodes it (no filters).
  const [deep] = await ds.query<[{ id: string; micros: string }]>(
    `SELECT id, (extract(epoch FROM created_at) * 1000000)::bigint::text AS micros FROM faults
     WHERE customer_id = $1 AND ttl > $2 ORDER BY created_at DESC, id DESC OFFSET $3 LIMIT 1`,
    [tenant, nowSeconds, Math.floor(live * 0.9) - 1],
  );
  const deepCursor = new FaultCursorCodec(cursorSecret).encode(tenant, FaultCursorCodec.filterHash({}), { createdAtMicros: BigInt(deep.micros), id: deep.id });
  // The tenant's busiest site (the seeder skews resources, and so sites, towards low numbers) and a device of it.
  const [busiest] = await ds.query<[{ site: string; n: number; resource: string }]>(
    `SELECT s.segment AS site, count(*)::int AS n, min(f.resource_id) AS resource FROM fault_path_segments s JOIN faults f ON f.id = s.fault_id
     WHERE s.customer_id = $1 AND s.segment = (SELECT split_part(resource_ancestry_path, '|', 1) FROM faults WHERE customer_id = $1 ORDER BY resource_id LIMIT 1)
     GROUP BY s.segment`,
    [tenant],
  );
  // A pool of one (DB_POOL_SIZE=1): the backend that serves every statement of the context.
  const cpu = async (): Promise<number | undefined> => {
    const [{ pid }] = await ds.query<[{ pid: number }]>('SELECT pg_backend_pid() AS pid');
    const file = `/proc/${pid}/schedstat`;
    return existsSync(file) ? Number(readFileSync(file, 'utf8').split(' ')[0]) / 1e6 : undefined;
  };
  return {
    label,
    tenant,
    app,
    ds,
    faults: app.get(FaultService),
    topFaults: app.get(TopFaultsService),
    principal: { kind: 'user', customerId: tenant, subject: 'usr_bench_scale', scopes: new Set(['faults:read', 'faults:write']) },
    live,
    deepCursor,
    site: busiest.site,
    siteFaults: busiest.n,
    resource: busiest.resource,
    cpu,
  };
}

interface Case {
  name: string;
  /** Before the case's first call on a tenant. */
  setup?: (t: Target) => Promise<void>;
  run: (t: Target, call: number) => Promise<unknown>;
}

function cases(): Case[] {
  const list = (name: string, query: (t: Target) => ListFaultsQueryDto): Case => ({
    name,
    run: async (t) => {
      const page = await t.faults.list(t.tenant, { limit: 50, ...query(t) });
      if (page.data.length === 0) throw new Error(`${name}: an empty page on ${t.tenant}`);
      return page;
    },
  });
  const report = (t: Target, extra: Partial<CreateFaultDto>): CreateFaultDto => ({
    resource_id: t.resource,
    microservice_id: REPORTER,
    type: 'wantunnel',
    severity: 'HIGH',
    message: 'WAN tunnel Primary link (WAN1) is down',
    resource_ancestry_path: `${t.site}|${t.resource}`,
    ...extra,
  });
  return [
    list('GET /fault?limit=50 (first page)', () => ({})),
    list('GET /fault?limit=50 (page at 90 % depth, by cursor)', (t) => ({ cursor: t.deepCursor })),
    list('GET /fault?limit=50&q=WAN2 (frequent word)', () => ({ q: 'WAN2' })),
    list('GET /fault?limit=50&q=AS64700 (rare word)', () => ({ q: 'AS64700' })),
    list('GET /fault?limit=50&site=… (busiest site)', (t) => ({ site: t.site })),
    { name: 'GET /fault/top_faults (top faults: 10 resources, 14 days)', run: (t) => t.topFaults.topFaults(t.tenant) },
    list('GET /fault?limit=50&root=true (faults to act on)', () => ({ root: 'true' })),
    {
      name: 'POST /fault (no dedup_key: creates)',
      run: async (t) => {
        const r = await t.faults.create(t.principal, report(t, {}), undefined);
        if (r.outcome !== 'created') throw new Error(`a plain report ${r.outcome}`);
        return r;
      },
    },
    {
      name: `POST /fault (dedup_key repeating 1 of ${OPEN_KEYS} open faults: merges)`,
      // The open faults it repeats, opened here so that the list cases before it read only the seeded faults.
      setup: async (t) => {
        for (let i = 0; i < OPEN_KEYS; i++) await t.faults.create(t.principal, report(t, { dedup_key: `${REPORTER}-open-${i}` }), undefined);
      },
      run: async (t, call) => {
        const r = await t.faults.create(t.principal, report(t, { dedup_key: `${REPORTER}-open-${call % OPEN_KEYS}` }), undefined);
        if (r.outcome !== 'occurred') throw new Error(`a repeat of an open key ${r.outcome}`);
        return r;
      },
    },
  ];
}

interface Sample {
  ms: number;
  cpuMs?: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      faults: { type: 'string', default: '10000000' },
      'small-faults': { type: 'string', default: '10000' },
      tenants: { type: 'string', default: '1000' },
      rounds: { type: 'string', default: '15' },
      'seed-only': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: true },
      drop: { type: 'boolean', default: false },
    },
  });
  const total = Number(values.faults);
  const smallTotal = Number(values['small-faults']);
  const tenants = Number(values.tenants);
  const rounds = Number(values.rounds);
  if (!Number.isInteger(total) || !Number.isInteger(tenants) || tenants < 2 || total < tenants * 10) throw new Error('--faults must be at least 10 per tenant, --tenants at least 2');
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive whole number');
  // Keeping is the default (--keep says so explicitly); --drop drops both databases at the end.
  if (values.drop && process.argv.includes('--keep')) throw new Error('--keep and --drop contradict each other');

  const config = DatabaseConfig.fromEnv(process.env);
  const server = await openDatabase(config, AppConfig.fromEnv(process.env).dataDir, (m) => console.error(m));
  const admin = new Client({ connectionString: server.url });
  await admin.connect();
  const targets: Target[] = [];
  try {
    const smallUrl = await scratchDatabase(admin, server.url, SMALL_DB);
    const largeUrl = await scratchDatabase(admin, server.url, LARGE_DB);
    const faultConfig = FaultConfig.fromEnv(process.env);
    const seeding = { ...config, statementTimeoutMs: 0, poolSize: 4 };
    const seeded: Record<string, Awaited<ReturnType<typeof seed>>> = {};
    for (const [label, url, plan] of [
      ['small', smallUrl, [[SMALL_TENANT, smallTotal]]],
      ['large', largeUrl, tenantTargets(total, tenants).map((n, i) => [tenantName(i), n])],
    ] as Array<[string, string, Array<[string, number]>]>) {
      // No slow-query warnings: a seed batch or the VACUUM of millions of rows takes seconds by nature.
      const ds = await new DataSource({ ...dataSourceOptions(url, seeding), maxQueryExecutionTime: undefined }).initialize();
      try {
        await runMigrationsLocked(ds);
        seeded[label] = await seed(ds, label, plan, faultConfig.retentionDays);
      } finally {
        await ds.destroy();
      }
    }
    if (values['seed-only']) return;

    // One pooled connection per context: its backend's CPU is the statements' own (see cpu()). Migrations
    // ran above: at boot they would hold the one connection under their lock while migrating on another.
    process.env.DB_POOL_SIZE = '1';
    process.env.DB_MIGRATIONS_RUN = 'false';
    targets.push(await openTarget('small', smallUrl, SMALL_TENANT, faultConfig.cursorSecret));
    targets.push(await openTarget('large', largeUrl, tenantName(0), faultConfig.cursorSecret));
    const [small, large] = targets;
    const sizes = await admin.query<{ datname: string; size: string }>(`SELECT datname, pg_database_size(datname)::text AS size FROM pg_database WHERE datname IN ($1, $2)`, [SMALL_DB, LARGE_DB]);
    const sizeOf = (db: string): string => `${fmt(Number(sizes.rows.find((r) => r.datname === db)?.size ?? 0) / 1048576)} MB`;
    const [{ server_version: version }] = (await admin.query<{ server_version: string }>('SHOW server_version')).rows;
    const [{ shared_buffers: sharedBuffers }] = (await admin.query<{ shared_buffers: string }>('SHOW shared_buffers')).rows;
    const [{ n: largeTotal }] = await large.ds.query<[{ n: number }]>('SELECT count(*)::int AS n FROM faults');
    console.log(`\nPostgreSQL ${version}, shared_buffers ${sharedBuffers}, ${server.embedded ? 'embedded' : new URL(server.url).host}`);
    console.log(`small: ${SMALL_DB} (${sizeOf(SMALL_DB)}), ${small.tenant}: ${fmt(small.live)} faults; site ${small.site} ${fmt(small.siteFaults)}`);
    console.log(`large: ${LARGE_DB} (${sizeOf(LARGE_DB)}), ${fmt(largeTotal)} faults in ${fmt(tenants)} tenants; ${large.tenant}: ${fmt(large.live)} faults; site ${large.site} ${fmt(large.siteFaults)}`);
    const local = (await small.cpu()) !== undefined && (await large.cpu()) !== undefined;
    const loadBefore = loadavg()[0];

    const rows: Array<{ name: string; small: Sample[]; large: Sample[] }> = [];
    for (const c of cases()) {
      console.error(`${c.name}…`);
      let call = 0;
      for (const t of targets) await c.setup?.(t);
      for (let i = 0; i < WARMUP; i++) for (const t of targets) await c.run(t, call++);
      const runs = await rotatedRounds(targets.length, rounds, async (i): Promise<Sample> => {
        const t = targets[i];
        const cpuBefore = await t.cpu();
        const started = process.hrtime.bigint();
        await c.run(t, call++);
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        const cpuAfter = await t.cpu();
        return { ms, cpuMs: cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined };
      });
      rows.push({ name: c.name, small: runs[0], large: runs[1] });
    }

    const verdict = (ratio: number): string => (ratio <= GOAL ? 'met' : '**not met**');
    const lines = [
      `| case | small ms | large ms | ratio | small DB CPU ms | large DB CPU ms | CPU ratio | goal ≤ ${GOAL}× (wall / CPU) |`,
      '|---|---:|---:|---:|---:|---:|---:|---|',
    ];
    for (const r of rows) {
      const s = median(r.small.map((x) => x.ms));
      const l = median(r.large.map((x) => x.ms));
      const cpuText = local
        ? (() => {
            const sc = median(r.small.map((x) => x.cpuMs!));
            const lc = median(r.large.map((x) => x.cpuMs!));
            return { cells: `${fmt(sc, 2)} | ${fmt(lc, 2)} | ${fmt(lc / sc, 2)}×`, verdict: ` / ${verdict(lc / sc)}` };
          })()
        : { cells: '— | — | —', verdict: '' };
      lines.push(`| ${r.name} | ${fmt(s, 2)} | ${fmt(l, 2)} | ${fmt(l / s, 2)}× | ${cpuText.cells} | ${verdict(l / s)}${cpuText.verdict} |`);
    }
    console.log(
      `\n${fmt(small.live)} faults (one tenant) vs ${fmt(large.live)} of ${fmt(largeTotal)} (the largest of ${fmt(tenants)} tenants); ` +
        `median of ${rounds} rounds, small and large alternating, the order rotated each round, after ${WARMUP} warm-up calls each; ` +
        `in the application's FaultService below HTTP, 50-item pages; load average ${loadBefore.toFixed(1)} → ${loadavg()[0].toFixed(1)}.` +
        (local ? ' DB CPU: the PostgreSQL backend\'s CPU time (/proc/<pid>/schedstat) over the call.' : ' The database is on another host: wall time only.') +
        `\nTop faults: GET /fault/top_faults (API.md: the 10 resources with most faults in the last 14 days, the operator's "top faults" view); ` +
        `root=true (faults without a root, "what a person should act on") is shown beside it.\n`,
    );
    console.log(lines.join('\n'));
    for (const [label, s] of Object.entries(seeded)) {
      if (s.inserted > 0) console.log(`\nseeded ${label}: ${fmt(s.inserted)} faults in ${fmt(s.seconds, 1)} s (${fmt(s.inserted / s.seconds)} rows/s), VACUUM (ANALYZE) ${fmt(s.vacuumSeconds, 1)} s`);
    }
  } finally {
    for (const t of targets) {
      // The reports out again, and their dead rows vacuumed: the next run's first pages read the seeded state, not dead index entries.
      await t.ds.query('DELETE FROM faults WHERE customer_id = $1 AND microservice_id = $2', [t.tenant, REPORTER]);
      // The service's statement timeout is for requests: the VACUUM of a 23 GB database's faults takes longer than it.
      await t.ds.query('SET statement_timeout = 0');
      await t.ds.query('VACUUM (ANALYZE) faults, fault_path_segments');
      await t.app.close();
    }
    if (values.drop) for (const db of [SMALL_DB, LARGE_DB]) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await admin.end();
    await server.close();
  }
}

runCli('bench:scale', main);
