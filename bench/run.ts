/**
 * npm run bench [-- --faults 1000000 --small-faults 10000 --vault-items 1000 --duration 10 --connections 32 --quick --only <names>]
 *
 * Starts the built service (embedded PostgreSQL under .data/bench unless DATABASE_URL is set) and a
 * bare NestJS-on-Fastify "hello" app, seeds, then loads each case over HTTP, alternating baseline
 * and service so machine noise hits both. Reports requests/s, p50, p99 and the ratio to the adjacent
 * baseline run, the service's peak memory and cold start, and token-verification cost; writes
 * bench/results.json and bench/results.md (the table for README.md).
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
import { LoadResult, runLoad } from './load';
import { measureTokenVerification } from './token-cost';
import { freePort } from '../test/support/free-port';

const ROOT = path.resolve(__dirname, '..');

interface CaseResult extends LoadResult {
  name: string;
  peakRssMb: number;
  baseline: LoadResult;
  ratio: number;
}

async function waitReady(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${url} exited during start`);
    try {
      if ((await fetch(url)).status === 200) return Date.now() - started;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > timeoutMs) throw new Error(`${url} not ready after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
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
    options: {
      faults: { type: 'string', default: '1000000' },
      'small-faults': { type: 'string', default: '10000' },
      'vault-items': { type: 'string', default: '1000' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      connections: { type: 'string', default: '32' },
      only: { type: 'string' },
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

  const dataDir = process.env.DATA_DIR ?? path.join(ROOT, '.data', 'bench');
  const dbConfig = DatabaseConfig.fromEnv({ ...process.env, EMBEDDED_PG_PORT: process.env.EMBEDDED_PG_PORT ?? '54349' });
  const database = await openDatabase(dbConfig, dataDir, (m) => console.error(m));
  const children: ChildProcess[] = [];
  let dataSource: DataSource | undefined;
  const cleanup = async (): Promise<void> => {
    if (dataSource?.isInitialized) await dataSource.destroy();
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await Promise.all(children.filter((c) => c.exitCode === null).map((c) => new Promise((r) => c.once('exit', r))));
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
    const service = spawn(process.execPath, serviceArgs, {
      cwd: ROOT,
      env: { ...env, DATABASE_URL: database.url, PORT: String(port), HOST: '127.0.0.1', RATE_LIMIT_MAX: '1000000', LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info', NODE_ENV: 'development' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(service);
    const coldStartMs = await waitReady(`http://127.0.0.1:${port}/health/ready`, service);

    const baselinePort = await freePort();
    const baseline = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(ROOT, 'bench', 'baseline.ts')], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(baselinePort) },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(baseline);
    await waitReady(`http://127.0.0.1:${baselinePort}/hello`, baseline);

    const ctx: BenchContext = {
      serviceUrl: `http://127.0.0.1:${port}`,
      dataSource,
      tenant,
      smallTenant,
      vaultItems,
      jwtSecret: AuthConfig.fromEnv(env).jwtSecret!,
      cursorSecret: faultConfig.cursorSecret,
    };
    const cases = (await buildCases(ctx)).filter((c) => !values.only || values.only.split(',').some((o) => c.name.includes(o)));
    const baselineCase = { name: 'baseline', method: 'GET' as const, path: '/hello', expect: 200 };
    const baselineUrl = `http://127.0.0.1:${baselinePort}`;
    if (warmup > 0) {
      await runLoad(baselineUrl, baselineCase, connections, warmup);
      for (const c of cases) await runLoad(ctx.serviceUrl, c, connections, Math.max(1, Math.round(warmup / 3)));
    }

    const results: CaseResult[] = [];
    for (const c of cases) {
      const base = await runLoad(baselineUrl, baselineCase, connections, duration);
      const r = await runLoad(ctx.serviceUrl, c, connections, duration);
      const row = { name: c.name, ...r, peakRssMb: peakRssMb(service.pid!, true), baseline: base, ratio: r.requestsPerSecond / base.requestsPerSecond };
      results.push(row);
      console.log(
        `${c.name.padEnd(48)} ${fmt(r.requestsPerSecond).padStart(7)} req/s  p50 ${fmt(r.p50Ms, 1).padStart(6)} ms  p99 ${fmt(r.p99Ms, 1).padStart(6)} ms  ` +
          `${fmt(row.ratio, 2)} × baseline (${fmt(base.requestsPerSecond)} req/s)  ${row.peakRssMb} MB${r.errors > 0 ? `  ${r.errors} ERRORS` : ''}`,
      );
    }
    const peakMb = Math.max(...results.map((r) => r.peakRssMb), peakRssMb(service.pid!));
    const token = await measureTokenVerification(ctx.jwtSecret, quick ? 2000 : 50_000);

    const byName = (needle: string): CaseResult | undefined => results.find((r) => r.name === needle);
    const vaultGet = byName('GET /workflows/vault/{id}');
    const first = byName('GET /fault?limit=50');
    const deep = byName('GET /fault?limit=50 (500,000 rows deep)');
    const small = byName('GET /fault?limit=50 (10k-fault tenant)');
    const authRequestUs = vaultGet ? 1e6 / vaultGet.requestsPerSecond : undefined;
    const checks = [
      vaultGet && { target: 'GET /workflows/vault/{id} ≥ 0.40 × baseline', value: `${fmt(vaultGet.ratio, 2)}`, pass: vaultGet.ratio >= 0.4 },
      first && { target: 'GET /fault?limit=50 ≥ 0.15 × baseline', value: `${fmt(first.ratio, 2)}`, pass: first.ratio >= 0.15 },
      first && { target: `GET /fault?limit=50 p99 < 50 ms at ${connections} connections`, value: `${fmt(first.p99Ms, 1)} ms`, pass: first.p99Ms < 50 },
      first && deep && { target: 'deep page p50 ≤ 1.3 × first page p50', value: `${fmt(deep.p50Ms / Math.max(first.p50Ms, 0.001), 2)}×`, pass: deep.p50Ms <= 1.3 * Math.max(first.p50Ms, 1) },
      first && small && { target: `${fmt(faults)} faults p50 ≤ 1.3 × ${fmt(smallFaults)} faults p50`, value: `${fmt(first.p50Ms / Math.max(small.p50Ms, 0.001), 2)}×`, pass: first.p50Ms <= 1.3 * Math.max(small.p50Ms, 1) },
      authRequestUs && { target: 'token verification ≤ 10% of an authenticated request', value: `${fmt(token.microsPerVerify, 1)} µs of ${fmt(authRequestUs, 0)} µs (${fmt((100 * token.microsPerVerify) / authRequestUs, 1)}%)`, pass: token.microsPerVerify <= 0.1 * authRequestUs },
      { target: 'peak memory under load < 300 MB', value: `${peakMb} MB`, pass: peakMb < 300 },
    ].filter((c): c is { target: string; value: string; pass: boolean } => Boolean(c));

    const summary = { date: new Date().toISOString(), faults, smallFaults, vaultItems, connections, durationSeconds: duration, coldStartMs, peakRssMb: peakMb, tokenVerification: token, results, checks };
    fs.mkdirSync(values.out, { recursive: true });
    fs.writeFileSync(path.join(values.out, 'results.json'), `${JSON.stringify(summary, null, 2)}\n`);
    const md = [
      `Measured ${summary.date.slice(0, 10)} on this machine (2 cores shared by the load generator, the service and PostgreSQL), ${connections} connections, ${duration} s per case, tenant of ${fmt(faults)} faults and ${fmt(vaultItems)} vault items.`,
      '',
      '| case | req/s | p50 ms | p99 ms | × baseline | peak RSS MB |',
      '|---|---:|---:|---:|---:|---:|',
      ...results.map((r) => `| \`${r.name}\` | ${fmt(r.requestsPerSecond)} | ${fmt(r.p50Ms, 1)} | ${fmt(r.p99Ms, 1)} | ${fmt(r.ratio, 2)} | ${r.peakRssMb} |`),
      '',
      `Baseline (bare NestJS on Fastify "hello"): ${fmt(results.reduce((s, r) => s + r.baseline.requestsPerSecond, 0) / Math.max(results.length, 1))} req/s on average. Cold start to ready: ${fmt(coldStartMs)} ms. Peak RSS under load: ${peakMb} MB. Token verification: ${fmt(token.verificationsPerSecond)} per second on one core.`,
      '',
      '| target | measured | |',
      '|---|---|---|',
      ...checks.map((c) => `| ${c.target} | ${c.value} | ${c.pass ? 'met' : '**missed**'} |`),
      '',
    ].join('\n');
    fs.writeFileSync(path.join(values.out, 'results.md'), md);
    console.log(`\n${md}`);
    const errors = results.filter((r) => r.errors > 0);
    if (errors.length > 0) throw new Error(`unexpected statuses in: ${errors.map((e) => e.name).join(', ')}`);
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
