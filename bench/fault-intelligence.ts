/**
 * Fault intelligence at scale, on the database `npm run seed` fills (DATA_DIR's embedded PostgreSQL,
 * or DATABASE_URL):
 *
 *   npm run seed -- --customer cus_bench --faults 1000000
 *   npm run bench:intelligence [-- --customer cus_bench --rounds 7 --reports 400 --only analytics|correlation|export]
 *
 * 1. Analytics: GET /fault/analytics's statement for a 92-day window ending now, each group_by,
 *    median and max of `rounds` runs (goal ≤ 500 ms at 1 M faults of one tenant), with the database
 *    backend's CPU time when PostgreSQL runs on this host (on shared cores, wall time also counts others' turns).
 * 2. Correlation's cost on a report: FaultService.create for a fault with an ancestry path, report
 *    by report alternately with correlation on (as served) and off (no candidates read with the insert,
 *    the correlation step a pass-through), so both see the same database state and load (goal ≤ 10 % slower).
 * 3. Export: the heap while a CSV export of the tenant is read slowly (goal: flat).
 */
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { parseArgs } from 'node:util';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { existsSync, readFileSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import { runCli, withDataSource } from '../src/database/cli/with-data-source';
import { ENTITIES } from '../src/entities';
import { FaultAnalyticsRepository } from '../src/fault/analytics/fault-analytics.repository';
import { FaultCorrelationService } from '../src/fault/correlation/fault-correlation.service';
import { CSV, FaultExportService } from '../src/fault/export/fault-export.service';
import { FaultService } from '../src/fault/core/fault.service';
import { FaultEntity } from '../src/fault/entities/fault.entity';
import { faultCompaction } from './compaction';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * The CPU time of the one backend serving `ds` (a pool of one connection), from /proc when the database
 * runs on this host, else undefined: on shared cores the wall time also holds the other processes' turns.
 */
async function backendCpu(ds: DataSource): Promise<(() => number) | undefined> {
  const [{ pid }] = await ds.query<[{ pid: number }]>('SELECT pg_backend_pid() AS pid');
  const file = `/proc/${pid}/schedstat`;
  if (!existsSync(file)) return undefined;
  return () => Number(readFileSync(file, 'utf8').split(' ')[0]) / 1e6;
}

async function analytics(ds: DataSource, customer: string, rounds: number): Promise<void> {
  const single = new DataSource({ ...ds.options, extra: { ...(ds.options.extra as object), max: 1 } });
  await single.initialize();
  try {
    const repo = new FaultAnalyticsRepository(single);
    const cpu = await backendCpu(single);
    const to = new Date();
    const from = new Date(to.getTime() - 92 * 86_400_000);
    // (the pool's connection may have been closed while idle meanwhile: the backend is looked up again)
    const measure = async (): Promise<void> => analyticsRounds(repo, await backendCpu(single), customer, from, to, rounds);
    const [{ n }] = await ds.query<[{ n: number }]>(`SELECT count(*)::int AS n FROM faults WHERE customer_id = $1 AND created_at >= $2 AND created_at < $3`, [customer, from, to]);
    console.log(`analytics: ${n.toLocaleString('en-US')} faults in the 92-day window${cpu ? '' : ' (the database is on another host: wall time only)'}`);
    const compaction = faultCompaction(ds);
    const due = await compaction.due();
    if (due.length > 0) {
      console.log(`  as loaded (${due.length} settled partitions not compacted yet):`);
      await measure();
      const started = Date.now();
      const done = await compaction.compactAllDue();
      const mb = (bytes: number): string => (bytes / 1_048_576).toFixed(0);
      const [before, after] = [done.reduce((sum, c) => sum + c.indexBytesBefore, 0), done.reduce((sum, c) => sum + c.indexBytesAfter, 0)];
      console.log(`  partition compaction (the hourly job's work, all at once): ${done.length} partitions, indexes ${mb(before)} → ${mb(after)} MB in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
    console.log('  settled partitions compacted (steady state):');
    await measure();
  } finally {
    await single.destroy();
  }
}

async function analyticsRounds(repo: FaultAnalyticsRepository, cpu: (() => number) | undefined, customer: string, from: Date, to: Date, rounds: number): Promise<void> {
  for (const groupBy of ['none', 'site', 'type', 'severity', 'resource_id'] as const) {
    const times: number[] = [];
    const cpus: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const cpuBefore = cpu?.() ?? 0;
      const started = process.hrtime.bigint();
      await repo.groups(customer, from, to, Math.floor(Date.now() / 1000), groupBy, {}, 100);
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (cpu) cpus.push(cpu() - cpuBefore);
    }
    const cpuText = cpu ? `; database backend CPU median ${median(cpus).toFixed(0)} ms` : '';
    console.log(`    group_by=${groupBy.padEnd(11)} median ${median(times).toFixed(0)} ms, max ${Math.max(...times).toFixed(0)} ms${cpuText}`);
  }
}

/** The service's application context on `url` (no HTTP), closed after `use`. */
async function withApp(url: string, use: (app: INestApplicationContext) => Promise<void>): Promise<void> {
  const app = await NestFactory.createApplicationContext(AppModule.register({ databaseUrl: url }), { logger: ['error'] });
  try {
    await use(app);
  } finally {
    await app.close();
  }
}

async function correlationCost(url: string, customer: string, reports: number): Promise<void> {
  await withApp(url, async (app) => {
    const faults = app.get(FaultService);
    const correlation = app.get(FaultCorrelationService);
    // Off: no candidates read with the report's insert (inputs undefined) and no correlation step.
    const served = { correlate: correlation.correlate.bind(correlation), inputs: correlation.inputs.bind(correlation) };
    const disabled = { correlate: (_m: unknown, fault: FaultEntity) => Promise.resolve({ fault, rooted: false, adopted: [] }), inputs: () => undefined };
    const principal = { kind: 'user', customerId: `${customer}_reports`, subject: 'usr_bench', scopes: new Set(['faults:write']) } as never;
    const times = { on: [] as number[], off: [] as number[] };
    let n = 0;
    const report = async (): Promise<number> => {
      const i = n++;
      const started = process.hrtime.bigint();
      await faults.create(principal, { resource_id: `dev_${i % 500}`, microservice_id: 'bench', type: 'wantunnel', severity: 'HIGH', message: 'down', resource_ancestry_path: `site_${i % 20}|rack_${i % 60}|dev_${i % 500}` }, undefined);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    for (let i = 0; i < 50; i++) await report(); // warm-up: plans prepared, caches filled
    // Statistics that know the reporting tenant (autovacuum's ANALYZE would come only after 10 % of a 1 M-row table changed):
    // without them the planner reads the tenant's created_at index instead of the open-faults index.
    await app.get(DataSource).query('ANALYZE faults, fault_path_segments');
    // Report by report, in pairs whose order flips each time (on-off, off-on, …): a burst of load from
    // elsewhere on the shared cores falls on both cases alike instead of on one batch.
    for (let pair = 0; pair < reports / 2; pair++) {
      for (const mode of pair % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
        Object.assign(correlation, mode === 'on' ? served : disabled);
        times[mode].push(await report());
      }
    }
    Object.assign(correlation, served);
    const on = median(times.on);
    const off = median(times.off);
    console.log(`report with a path: ${times.on.length} with correlation median ${on.toFixed(2)} ms, ${times.off.length} without ${off.toFixed(2)} ms: ${(((on - off) / off) * 100).toFixed(1)} % slower`);
  });
}

async function exportHeap(url: string, customer: string): Promise<void> {
  await withApp(url, async (app) => {
    const exporter = app.get(FaultExportService);
    const heap: number[] = [];
    let bytes = 0;
    const slow = new Writable({
      highWaterMark: 16_384,
      write(chunk: Buffer, _e, done) {
        bytes += chunk.length;
        if (heap.length === 0 || bytes > heap.length * 20_000_000) heap.push(process.memoryUsage().heapUsed);
        setImmediate(done);
      },
    });
    const started = Date.now();
    await pipeline(exporter.export(customer, {}, CSV), slow);
    const mb = (x: number): string => (x / 1048576).toFixed(0);
    console.log(`export: ${(bytes / 1048576).toFixed(0)} MB of CSV in ${((Date.now() - started) / 1000).toFixed(1)} s; heap ${heap.map(mb).join(' → ')} MB`);
  });
}

runCli('bench:intelligence', async () => {
  const { values } = parseArgs({ options: { customer: { type: 'string', default: 'cus_bench' }, rounds: { type: 'string', default: '7' }, reports: { type: 'string', default: '400' }, only: { type: 'string' } } });
  const only = values.only;
  if (only !== undefined && !['analytics', 'correlation', 'export'].includes(only)) throw new Error('--only takes analytics, correlation or export');
  await withDataSource(ENTITIES, async (ds) => {
    const url = (ds.options as { url: string }).url;
    if (only === undefined || only === 'analytics') await analytics(ds, values.customer, Number(values.rounds));
    if (only === undefined || only === 'correlation') await correlationCost(url, values.customer, Number(values.reports));
    if (only === undefined || only === 'export') await exportHeap(url, values.customer);
  });
});
