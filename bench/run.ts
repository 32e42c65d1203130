/**
 * npm run bench [-- --faults 1000000 --small-faults 10000 --vault-items 1000 --duration 10 --connections 32 --quick --only <names>]
 *
 * Starts the built service (embedded PostgreSQL under .data/bench unless DATABASE_URL is set), the
 * floor (bench/floor.ts: the same SQL and JSON on bare Fastify + pg) and a bare NestJS-on-Fastify
 * "hello" app, seeds, then loads each case over HTTP. Cases with a floor run floor and service
 * alternately (--rounds times, medians), so machine noise hits both; every case also runs beside the
 * "hello" baseline. Reports requests/s, p50, p99, × floor and × baseline, the service's peak memory and
 * cold start, and token-verification cost; writes bench/results.json and bench/results.md (the table
 * for docs/benchmarks.md).
 *
 * Sections with processes of their own (bench/sections.ts) run after the cases, or alone when `--only`
 * names only them, exactly: `metrics-scrape` (GET /metrics cost, idle and under load), `tracing-cost`
 * (OpenTelemetry unset / sampling nothing / exporting) and `instances` (three instances behind HAProxy
 * vs one on the report path). Each writes bench/results-<name>.json and .md.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { createDataSource } from '../ormconfig';
import { AuthConfig } from '../src/config/auth.config';
import { DatabaseConfig } from '../src/config/database.config';
import { FaultConfig } from '../src/config/fault.config';
import { openDatabase } from '../src/database/open-database';
import { runMigrationsLocked } from '../src/database/run-migrations';
import { seedFaults } from '../src/seed/fault-seeder';
import { buildCases, BenchContext } from './cases';
import { measureEvents } from './events';
import { LoadResult, runLoad } from './load';
import { measureTokenVerification } from './token-cost';
import { isSection, runSections, SectionContext, SECTIONS } from './sections';
import { waitReady } from './service';
import { freePort } from '../test/support/free-port';

const ROOT = path.resolve(__dirname, '..');

interface CaseResult extends LoadResult {
  name: string;
  peakRssMb: number;
  baseline: LoadResult;
  ratio: number;
  /** The same request answered by the floor (medians of the alternating rounds), when the case has one. */
  floor?: LoadResult;
  floorRatio?: number;
}

/** The cases the floor answers too (bench/floor.ts serves the same paths). */
const hasFloor = (name: string): boolean =>
  ['GET /workflows/vault/{id}', 'GET /fault?limit=50', 'GET /fault/token/{code}'].includes(name) || name.startsWith('GET /workflows/vault (');

/** Medians, field by field, of alternating runs of one case. */
function median(runs: LoadResult[]): LoadResult {
  const mid = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    const m = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
  };
  return {
    requestsPerSecond: mid(runs.map((r) => r.requestsPerSecond)),
    p50Ms: mid(runs.map((r) => r.p50Ms)),
    p99Ms: mid(runs.map((r) => r.p99Ms)),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    requests: runs.reduce((sum, r) => sum + r.requests, 0),
  };
}

/** Peak resident memory since the last reset (Linux: VmHWM; writing 5 to clear_refs resets it). */
function peakRssMb(pid: number, reset = false): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  if (reset) {
    try {
      fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    } catch {
      // not permitted here: the peak then covers the whole run
    }
  }
  return Math.round(kb / 1024);
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  const { values } = parseArgs({
    allowNegative: true,
    options: {
      faults: { type: 'string', default: '1000000' },
      'small-faults': { type: 'string', default: '10000' },
      'vault-items': { type: 'string', default: '1000' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      // Alternating floor/service runs per floor case; the table shows their medians.
      rounds: { type: 'string', default: '3' },
      connections: { type: 'string', default: '32' },
      only: { type: 'string' },
      // The events section (webhook delivery rate, stream fan-out, outbox cost); --no-events skips it.
      events: { type: 'boolean', default: true },
      quick: { type: 'boolean', default: false },
      // Run the service from source (ts-node) instead of dist/: for the smoke run in the test suite.
      'from-source': { type: 'boolean', default: false },
      out: { type: 'string', default: path.join(ROOT, 'bench') },
    },
  });
  const quick = values.quick;
  const faults = quick ? 2000 : Number(values.faults);
  const smallFaults = quick ? 200 : Number(values['small-faults']);
  const vaultItems = quick ? 20 : Number(values['vault-items']);
  const duration = quick ? 1 : Number(values.duration);
  const warmup = quick ? 0 : Number(values.warmup);
  const connections = Number(values.connections);
  const rounds = quick ? 1 : Number(values.rounds);
  const only = values.only?.split(',').filter((o) => o !== '');
  // Sections run when --only is absent or names them; alone (no cases, floor, baseline or events) when it names nothing else.
  const sections = Object.keys(SECTIONS).filter((name) => only === undefined || only.includes(name));
  const sectionsOnly = only !== undefined && only.length > 0 && only.every(isSection);

  const dataDir = process.env.DATA_DIR ?? path.join(ROOT, '.data', 'bench');
  const dbConfig = DatabaseConfig.fromEnv({ ...process.env, EMBEDDED_PG_PORT: process.env.EMBEDDED_PG_PORT ?? '54349' });
  const database = await openDatabase(dbConfig, dataDir, (m) => console.error(m));
  const children: ChildProcess[] = [];
  let dataSource: DataSource | undefined;
  const cleanup = async (): Promise<void> => {
    if (dataSource?.isInitialized) await dataSource.destroy();
    // A child that ended on a signal (a section stops its own) has exitCode null but signalCode set: not running.
    const running = children.filter((c) => c.exitCode === null && c.signalCode === null);
    for (const c of running) c.kill('SIGTERM');
    await Promise.all(running.map((c) => new Promise((r) => c.once('exit', r))));
    await database.close();
  };
  // Killed (Ctrl-C, a test's timeout): take the service, the baseline and the database down too.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void cleanup().finally(() => process.exit(130)));
  }
  try {
    const env = { ...process.env, DATA_DIR: dataDir };
    dataSource = await createDataSource(database.url, dbConfig).initialize();
    await runMigrationsLocked(dataSource);
    const faultConfig = FaultConfig.fromEnv(env);
    const tenant = quick ? 'cus_bench_quick' : 'cus_bench';
    const smallTenant = quick ? 'cus_bench_quick_small' : 'cus_bench_small';
    for (const [customerId, total] of [
      [tenant, faults],
      [smallTenant, smallFaults],
    ] as const) {
      const started = Date.now();
      const added = await seedFaults(dataSource, { customerId, total, retentionDays: faultConfig.retentionDays });
      if (added > 0) console.error(`seeded ${fmt(added)} faults for ${customerId} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }

    const port = await freePort();
    const serviceArgs = values['from-source']
      ? ['-r', 'ts-node/register/transpile-only', path.join(ROOT, 'src', 'main.ts')]
      : [path.join(ROOT, 'dist', 'src', 'main.js')];
    const serviceEnv = { ...env, DATABASE_URL: database.url, HOST: '127.0.0.1', RATE_LIMIT_MAX: '1000000', STREAM_MAX_PER_TENANT: '10000', STREAM_MAX_PER_INSTANCE: '10000', LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info', NODE_ENV: 'development' };
    const service = spawn(process.execPath, serviceArgs, { cwd: ROOT, env: { ...serviceEnv, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(service);
    const coldStartMs = await waitReady(`http://127.0.0.1:${port}/health/ready`, service);
    const ctx: BenchContext = {
      serviceUrl: `http://127.0.0.1:${port}`,
      dataSource,
      tenant,
      smallTenant,
      vaultItems,
      jwtSecret: AuthConfig.fromEnv(env).jwtSecret!,
      cursorSecret: faultConfig.cursorSecret,
    };
    const sectionContext = (allCases: Awaited<ReturnType<typeof buildCases>>): SectionContext => ({
      serviceUrl: ctx.serviceUrl,
      serviceArgs,
      serviceEnv,
      cases: allCases,
      connections,
      duration,
      warmup,
      rounds,
      quick,
      faults,
      track: (child) => children.push(child),
    });
    if (sectionsOnly) {
      await runSections(sections, sectionContext(await buildCases(ctx)), values.out);
      return;
    }
    // The same service without events (EVENTS_ENABLED=false), for the outbox's cost on POST /fault; idle otherwise.
    const noEventsPort = await freePort();
    if (values.events) {
      const noEvents = spawn(process.execPath, serviceArgs, { cwd: ROOT, env: { ...serviceEnv, PORT: String(noEventsPort), EVENTS_ENABLED: 'false' }, stdio: ['ignore', 'ignore', 'inherit'] });
      children.push(noEvents);
      await waitReady(`http://127.0.0.1:${noEventsPort}/health/ready`, noEvents);
    }

    const baselinePort = await freePort();
    const baseline = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(ROOT, 'bench', 'baseline.ts')], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(baselinePort) },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(baseline);
    await waitReady(`http://127.0.0.1:${baselinePort}/hello`, baseline);

    const floorPort = await freePort();
    const floorProcess = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(ROOT, 'bench', 'floor.ts')], {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: String(floorPort),
        DATABASE_URL: database.url,
        JWT_SECRET: AuthConfig.fromEnv(env).jwtSecret!,
        FAULT_CURSOR_SECRET: faultConfig.cursorSecret,
        DB_POOL_SIZE: String(dbConfig.poolSize),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(floorProcess);
    const floorUrl = `http://127.0.0.1:${floorPort}`;
    await waitReady(`${floorUrl}/ready`, floorProcess);

    const allCases = await buildCases(ctx);
    const cases = allCases.filter((c) => !only || only.some((o) => !isSection(o) && c.name.includes(o)));
    const baselineCase = { name: 'baseline', method: 'GET' as const, path: '/hello', expect: 200 };
    const baselineUrl = `http://127.0.0.1:${baselinePort}`;
    if (warmup > 0) {
      await runLoad(baselineUrl, baselineCase, connections, warmup);
      for (const c of cases) await runLoad(ctx.serviceUrl, c, connections, Math.max(1, Math.round(warmup / 3)));
    }

    const results: CaseResult[] = [];
    for (const c of cases) {
      const base = await runLoad(baselineUrl, baselineCase, connections, duration);
      let r: LoadResult;
      let floor: LoadResult | undefined;
      if (hasFloor(c.name)) {
        if (warmup > 0) await runLoad(floorUrl, c, connections, Math.max(1, Math.round(warmup / 3)));
        const floorRuns: LoadResult[] = [];
        const serviceRuns: LoadResult[] = [];
        for (let round = 0; round < rounds; round++) {
          floorRuns.push(await runLoad(floorUrl, c, connections, duration));
          serviceRuns.push(await runLoad(ctx.serviceUrl, c, connections, duration));
        }
        floor = median(floorRuns);
        r = median(serviceRuns);
      } else {
        r = await runLoad(ctx.serviceUrl, c, connections, duration);
      }
      const row: CaseResult = {
        name: c.name,
        ...r,
        peakRssMb: peakRssMb(service.pid!, true),
        baseline: base,
        ratio: r.requestsPerSecond / base.requestsPerSecond,
        ...(floor ? { floor, floorRatio: r.requestsPerSecond / floor.requestsPerSecond } : {}),
      };
      results.push(row);
      console.log(
        `${c.name.padEnd(48)} ${fmt(r.requestsPerSecond).padStart(7)} req/s  p50 ${fmt(r.p50Ms, 1).padStart(6)} ms  p99 ${fmt(r.p99Ms, 1).padStart(6)} ms  ` +
          `${floor ? `${fmt(row.floorRatio!, 2)} × floor (${fmt(floor.requestsPerSecond)} req/s)  ` : ''}` +
          `${fmt(row.ratio, 2)} × baseline (${fmt(base.requestsPerSecond)} req/s)  ${row.peakRssMb} MB${r.errors + (floor?.errors ?? 0) > 0 ? `  ${r.errors + (floor?.errors ?? 0)} ERRORS` : ''}`,
      );
    }
    const events = values.events
      ? await measureEvents({
          serviceUrl: ctx.serviceUrl,
          noEventsUrl: `http://127.0.0.1:${noEventsPort}`,
          jwtSecret: ctx.jwtSecret,
          connections,
          duration,
          deliveries: quick ? 50 : 2000,
          streams: quick ? 10 : 100,
          streamEvents: quick ? 10 : 200,
          rounds: quick ? 1 : 3,
        })
      : undefined;
    if (events) {
      console.log(
        `events: ${fmt(events.deliveriesPerSecond)} webhook deliveries/s (first after ${fmt(events.firstDeliveryMs)} ms); ` +
          `stream fan-out to ${events.fanout.streams} streams p50 ${fmt(events.fanout.p50Ms, 1)} ms p99 ${fmt(events.fanout.p99Ms, 1)} ms (${events.fanout.missing} missing); ` +
          `POST /fault ${fmt(events.outbox.withReqPerSec)} req/s with the outbox, ${fmt(events.outbox.withoutReqPerSec)} without (cost ${fmt(events.outbox.costPercent, 1)} %)`,
      );
    }
    const peakMb = Math.max(...results.map((r) => r.peakRssMb), peakRssMb(service.pid!));
    const token = await measureTokenVerification(ctx.jwtSecret, quick ? 2000 : 50_000);

    const byName = (needle: string): CaseResult | undefined => results.find((r) => r.name === needle);
    const vaultGet = byName('GET /workflows/vault/{id}');
    const vaultList = results.find((r) => r.name.startsWith('GET /workflows/vault ('));
    const first = byName('GET /fault?limit=50');
    const deep = byName('GET /fault?limit=50 (500,000 rows deep)');
    const small = byName('GET /fault?limit=50 (10k-fault tenant)');
    const dashboard = byName('GET /fault/token/{code}');
    const authRequestUs = vaultGet ? 1e6 / vaultGet.requestsPerSecond : undefined;
    const floorCheck = (r: CaseResult | undefined, target: number): { target: string; value: string; pass: boolean } | undefined =>
      r?.floorRatio === undefined
        ? undefined
        : { target: `\`${r.name}\` ≥ ${fmt(target, 2)} × floor`, value: `${fmt(r.floorRatio, 2)} (${fmt(r.requestsPerSecond)} of ${fmt(r.floor!.requestsPerSecond)} req/s)`, pass: r.floorRatio >= target };
    const checks = [
      floorCheck(vaultGet, 0.75),
      floorCheck(first, 0.9),
      floorCheck(vaultList, 0.8),
      floorCheck(dashboard, 0.8),
      first && { target: `GET /fault?limit=50 p99 < 40 ms at ${connections} connections`, value: `${fmt(first.p99Ms, 1)} ms`, pass: first.p99Ms < 40 },
      deep && { target: `GET /fault?limit=50 p99 < 40 ms, 500,000 rows deep`, value: `${fmt(deep.p99Ms, 1)} ms`, pass: deep.p99Ms < 40 },
      first && deep && { target: 'deep page p50 ≤ 1.3 × first page p50', value: `${fmt(deep.p50Ms / Math.max(first.p50Ms, 0.001), 2)}×`, pass: deep.p50Ms <= 1.3 * Math.max(first.p50Ms, 1) },
      first && small && { target: `${fmt(faults)} faults p50 ≤ 1.3 × ${fmt(smallFaults)} faults p50`, value: `${fmt(first.p50Ms / Math.max(small.p50Ms, 0.001), 2)}×`, pass: first.p50Ms <= 1.3 * Math.max(small.p50Ms, 1) },
      { target: 'peak RSS under the whole benchmark < 200 MB', value: `${peakMb} MB`, pass: peakMb < 200 },
      { target: 'cold start to ready < 1 s (built)', value: `${fmt(coldStartMs)} ms`, pass: coldStartMs < 1000 },
      authRequestUs && { target: 'token verification ≤ 10% of an authenticated request', value: `${fmt(token.microsPerVerify, 1)} µs of ${fmt(authRequestUs, 0)} µs (${fmt((100 * token.microsPerVerify) / authRequestUs, 1)}%)`, pass: token.microsPerVerify <= 0.1 * authRequestUs },
      events && { target: 'the outbox costs POST /fault ≤ 15 % of its req/s', value: `${fmt(events.outbox.costPercent, 1)} %`, pass: events.outbox.costPercent <= 15 },
      events && { target: `every stream gets every event (${events.fanout.streams} streams), p99 < 1 s`, value: `p99 ${fmt(events.fanout.p99Ms, 1)} ms, ${events.fanout.missing} missing`, pass: events.fanout.missing === 0 && events.fanout.p99Ms < 1000 },
    ].filter((c): c is { target: string; value: string; pass: boolean } => Boolean(c));

    const summary = { date: new Date().toISOString(), faults, smallFaults, vaultItems, connections, durationSeconds: duration, rounds, coldStartMs, peakRssMb: peakMb, tokenVerification: token, results, events, checks };
    fs.mkdirSync(values.out, { recursive: true });
    fs.writeFileSync(path.join(values.out, 'results.json'), `${JSON.stringify(summary, null, 2)}\n`);
    const md = [
      `Measured ${summary.date.slice(0, 10)} on this machine (2 cores shared by the load generator, the service and PostgreSQL), ${connections} connections, ${duration} s per case, tenant of ${fmt(faults)} faults and ${fmt(vaultItems)} vault items.`,
      '',
      '| case | req/s | p50 ms | p99 ms | × floor | floor req/s | × baseline | peak RSS MB |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
      ...results.map(
        (r) =>
          `| \`${r.name}\` | ${fmt(r.requestsPerSecond)} | ${fmt(r.p50Ms, 1)} | ${fmt(r.p99Ms, 1)} | ${r.floor ? fmt(r.floorRatio!, 2) : ''} | ${r.floor ? fmt(r.floor.requestsPerSecond) : ''} | ${fmt(r.ratio, 2)} | ${r.peakRssMb} |`,
      ),
      '',
      `Floor (bench/floor.ts): the same SQL, token check and JSON on bare Fastify + pg, no logging; service and floor alternate, ${rounds} round${rounds === 1 ? '' : 's'} each, medians shown. ` +
        `Baseline (bare NestJS on Fastify "hello", no database): ${fmt(results.reduce((s, r) => s + r.baseline.requestsPerSecond, 0) / Math.max(results.length, 1))} req/s on average. Cold start to ready: ${fmt(coldStartMs)} ms. Peak RSS under load: ${peakMb} MB. Token verification: ${fmt(token.verificationsPerSecond)} per second on one core.`,
      '',
      ...(events
        ? [
            `Events: ${fmt(events.deliveriesPerSecond)} webhook deliveries per second to a local receiver (${fmt(events.deliveries)} faults reported 16 at a time; first delivery ${fmt(events.firstDeliveryMs)} ms after the first report). ` +
              `Stream fan-out, report sent → event on each of ${events.fanout.streams} open streams: p50 ${fmt(events.fanout.p50Ms, 1)} ms, p99 ${fmt(events.fanout.p99Ms, 1)} ms, max ${fmt(events.fanout.maxMs, 1)} ms. ` +
              `POST /fault: ${fmt(events.outbox.withReqPerSec)} req/s with the outbox, ${fmt(events.outbox.withoutReqPerSec)} without (EVENTS_ENABLED=false), medians of ${events.outbox.rounds.length} alternating rounds: ${fmt(events.outbox.costPercent, 1)} % fewer.`,
            '',
          ]
        : []),
      '| target | measured | |',
      '|---|---|---|',
      ...checks.map((c) => `| ${c.target} | ${c.value} | ${c.pass ? 'met' : '**missed**'} |`),
      '',
    ].join('\n');
    fs.writeFileSync(path.join(values.out, 'results.md'), md);
    console.log(`\n${md}`);
    const errors = results.filter((r) => r.errors + (r.floor?.errors ?? 0) > 0);
    if (errors.length > 0) throw new Error(`unexpected statuses in: ${errors.map((e) => e.name).join(', ')}`);
    await runSections(sections, sectionContext(allCases), values.out);
  } finally {
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench: ${(error as Error).message}`);
    process.exit(1);
  },
);
