/**
 * Retention on the time-partitioned outbox: one month of events removed by dropping its partitions
 * vs by the old row-by-row DELETE, time and WAL bytes side by side.
 *
 *   npm run bench:retention [-- --rows 2000000 --keep-days 4 --rounds 1 --delete batched,single]
 *
 * On a scratch database it creates and drops itself, on DATABASE_URL's server (else
 * postgres://postgres@127.0.0.1:5432/test's), with the project's migrations. Each round:
 *  1. seeds `rows` events spread over 30 days (~1 kB jsonb fault payloads) plus `keep-days` more
 *     days at the same rate (what the retention keeps: rows after the cutoff, so the deleted ones are
 *     not the whole file) into the partitioned `events`, on daily partitions made by the service's
 *     PartitionRepository;
 *  2. for each DELETE variant, copies the same rows into `events_heap`, an unpartitioned table with
 *     the same columns and the same indexes (each of `events`' index definitions replayed on it,
 *     the primary key included; autovacuum off on it, so the VACUUM steps are measured alone), then
 *     measures the DELETE of the month (`batched`: the old EventsRepository.purgeBefore, 1000 rows a
 *     statement and a commit; `single`: one statement), then a plain VACUUM (space reusable, the file
 *     does not shrink), then VACUUM FULL (the file rewritten: the space given back);
 *  3. measures the partition way: PartitionMaintenance.run() (the hourly job's own code, a frozen
 *     clock putting the cutoff at the month's end) detaching and dropping the 30 daily partitions.
 * Every step starts after a CHECKPOINT; WAL bytes are pg_wal_lsn_diff of pg_current_wal_lsn()
 * before and after (the whole server's WAL: the background rate, measured at the start, is printed);
 * sizes are pg_total_relation_size (heap + TOAST + indexes; for `events`, of every partition).
 * Prints a table and writes bench/retention.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createDataSource } from '../ormconfig';
import { DatabaseConfig } from '../src/config/database.config';
import { PartitionRepository } from '../src/database/partitions/partition.repository';
import { periodStart, periodsBetween } from '../src/database/partitions/partition-period';
import { runMigrationsLocked } from '../src/database/run-migrations';
import { JobQueue } from '../src/jobs/job-queue';
import { PartitionMaintenance } from '../src/jobs/partition-maintenance';
import { FakeClock } from '../test/support/fake-clock';

const DAY = 86_400_000;
const MONTH_DAYS = 30;
const BATCH = 1000;
const DEFAULT_SERVER = 'postgres://postgres@127.0.0.1:5432/test';

interface Step {
  round: number;
  method: string;
  step: string;
  ms: number;
  walBytes: number;
  bytesBefore: number;
  bytesAfter: number;
  /** Heap file alone (no TOAST, no indexes). */
  heapBytesBefore: number;
  heapBytesAfter: number;
  rows?: number;
  statements?: number;
  load1: number;
}

const load1 = (): number => Math.round(os.loadavg()[0] * 100) / 100;
const mb = (bytes: number): string => (bytes / 1e6).toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });

/** The events of one fault change, ~1 kB of jsonb like the outbox carries (row number g, instant at). */
const PAYLOAD = `jsonb_build_object(
  'fault', jsonb_build_object(
    'id', 'flt_' || lpad(g::text, 12, '0'),
    'customer_id', 'cus_' || (g % 1000),
    'status', (ARRAY['unresolved', 'acknowledged', 'resolved'])[1 + g % 3],
    'severity', (ARRAY['CRITICAL', 'MAJOR', 'MINOR', 'WARNING'])[1 + g % 4],
    'type', 'wan_link_down',
    'title', 'WAN tunnel Primary link (WAN1) is down',
    'description', 'Site site-' || (g % 2000) || ': the primary WAN link lost its peer (BFD down, 3 probes missed). ' || repeat(md5(g::text), 6),
    'resource_id', 'res_' || lpad((g % 50000)::text, 8, '0'),
    'site', 'site-' || (g % 2000),
    'dedup_key', md5('dedup' || (g % 100000)),
    'occurrences', 1 + g % 17,
    'path', jsonb_build_array('region-eu-west', 'pop-' || (g % 40), 'site-' || (g % 2000), 'edge-' || (g % 5000), 'wan1'),
    'labels', jsonb_build_object('vendor', 'fortinet', 'model', 'FG-60F', 'circuit_id', 'CKT-' || upper(substr(md5(g::text || 'c'), 1, 12)), 'isp', 'Telia'),
    'first_seen_at', at, 'last_seen_at', at, 'created_at', at, 'updated_at', at),
  'previous', jsonb_build_object('status', 'unresolved', 'severity', 'MAJOR', 'occurrences', g % 17),
  'actor', jsonb_build_object('type', 'system', 'id', 'fault-ingest'))`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '2000000' },
      'keep-days': { type: 'string', default: '4' },
      rounds: { type: 'string', default: '1' },
      delete: { type: 'string', default: 'batched,single' },
    },
  });
  const rows = Number(values.rows);
  const keepDays = Number(values['keep-days']);
  const rounds = Number(values.rounds);
  const variants = values.delete.split(',').filter((v) => v === 'batched' || v === 'single');
  const server = process.env.DATABASE_URL ?? DEFAULT_SERVER;
  const name = `bench_retention_${Date.now()}_${process.pid}`;
  const admin = new Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  let dropped = false;
  const dropDatabase = async (): Promise<void> => {
    if (dropped) return;
    dropped = true;
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  };
  process.once('SIGINT', () => {
    console.error('interrupted: dropping the scratch database');
    void dropDatabase().finally(() => process.exit(130));
  });
  const url = new URL(server);
  url.pathname = `/${name}`;
  const ds = await createDataSource(url.toString(), DatabaseConfig.fromEnv(process.env)).initialize();
  const log = (text: string): void => console.log(`${new Date().toISOString().slice(11, 19)} [load ${load1()}] ${text}`);
  try {
    await runMigrationsLocked(ds);
    await ds.query('SET statement_timeout = 0');
    const [{ v: version }] = await ds.query<Array<{ v: string }>>(`SELECT current_setting('server_version') AS v`);
    const settings = await ds.query<Array<{ name: string; setting: string }>>(
      `SELECT name, current_setting(name) AS setting FROM pg_settings WHERE name IN ('shared_buffers', 'max_wal_size', 'wal_level', 'full_page_writes', 'synchronous_commit', 'wal_compression')`,
    );
    const background = await backgroundWal(ds, 5000);
    log(`PostgreSQL ${version}; background WAL ${background} bytes/s over 5 s before starting`);

    // The month: 30 days ending `keepDays` + 6 days before today (clear of the partitions the migration made for today and ahead).
    const now = new Date();
    const monthStart = periodStart(new Date(now.getTime() - (MONTH_DAYS + keepDays + 6) * DAY), 'day');
    const cutoff = new Date(monthStart.getTime() + MONTH_DAYS * DAY);
    const lastDay = new Date(cutoff.getTime() + (keepDays - 1) * DAY);
    const total = Math.round((rows * (MONTH_DAYS + keepDays)) / MONTH_DAYS);
    const partitions = new PartitionRepository(ds);
    const steps: Step[] = [];
    let payloadBytes = 0;
    const write = (): void => {
      const result = {
        measuredAt: now.toISOString(),
        server: version,
        settings: Object.fromEntries(settings.map((s) => [s.name, s.setting])),
        cores: os.cpus().length,
        backgroundWalBytesPerSecond: background,
        rowsInMonth: rows,
        keepDays,
        payloadBytes,
        steps,
      };
      fs.writeFileSync(path.join(__dirname, 'retention.json'), `${JSON.stringify(result, null, 2)}\n`);
    };

    for (let round = 1; round <= rounds; round++) {
      log(`round ${round}: seeding ${total.toLocaleString('en-US')} events (${rows.toLocaleString('en-US')} in the month + ${keepDays} days kept) into daily partitions`);
      await ds.query('TRUNCATE events');
      await partitions.create('events', 'created_at', periodsBetween(monthStart, lastDay, 'day'), 'day');
      await ds.query(
        `INSERT INTO events (id, customer_id, type, data, created_at)
         SELECT 'evt_' || lpad(g::text, 12, '0'), 'cus_' || (g % 1000), 'fault.updated', ${PAYLOAD}, at
         FROM generate_series(0, $1 - 1) g, LATERAL (SELECT $2::timestamptz + (g::float8 / $1) * ($3 * interval '1 day') AS at) t`,
        [total, monthStart, MONTH_DAYS + keepDays],
      );
      await ds.query('VACUUM ANALYZE events');
      const [month] = await ds.query<Array<{ n: number; payload: number }>>(
        `SELECT count(*)::int AS n, (SELECT avg(pg_column_size(data))::int FROM events WHERE created_at < $1 AND seq % 1000 = 0) AS payload FROM events WHERE created_at < $1`,
        [cutoff],
      );
      payloadBytes = month.payload;
      log(`${month.n.toLocaleString('en-US')} events before the cutoff, ${payloadBytes} bytes of jsonb each on average; events: ${mb(await partitionedSize(ds))} MB`);

      for (const variant of variants) {
        await seedHeap(ds);
        log(`events_heap: ${mb(await size(ds, 'events_heap'))} MB; DELETE (${variant})`);
        const method = variant === 'batched' ? `DELETE, batches of ${BATCH} (old purge)` : 'DELETE, one statement';
        steps.push(
          await measure(ds, round, method, 'DELETE', () => size(ds, 'events_heap'), () => heapSize(ds, 'events_heap'), async () => {
            if (variant === 'single') {
              const [, n]: [unknown[], number] = await ds.query('DELETE FROM events_heap WHERE created_at < $1', [cutoff]);
              return { rows: n, statements: 1 };
            }
            let n = 0;
            let statements = 0;
            for (;;) {
              // EventsRepository.purgeBefore before the partitions (an hourly job, at most 1000 batches a run: consecutive runs here).
              const [, deleted]: [unknown[], number] = await ds.query(
                'DELETE FROM events_heap WHERE id IN (SELECT id FROM events_heap WHERE created_at < $1 ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)',
                [cutoff, BATCH],
              );
              n += deleted;
              statements++;
              if (deleted < BATCH) return { rows: n, statements };
            }
          }),
        );
        log(`DELETE (${variant}) done; VACUUM`);
        steps.push(await measure(ds, round, method, 'VACUUM', () => size(ds, 'events_heap'), () => heapSize(ds, 'events_heap'), () => ds.query('VACUUM events_heap')));
        log('VACUUM FULL');
        steps.push(await measure(ds, round, method, 'VACUUM FULL', () => size(ds, 'events_heap'), () => heapSize(ds, 'events_heap'), () => ds.query('VACUUM FULL events_heap')));
      }

      log('detach + drop of the month’s partitions (PartitionMaintenance.run)');
      const jobs = { register: () => undefined, schedule: () => undefined } as unknown as JobQueue;
      const maintenance = new PartitionMaintenance(ds, jobs, new FakeClock(now));
      maintenance.register({ table: 'events', column: 'created_at', interval: 'day', ahead: 3, retainMs: () => now.getTime() - cutoff.getTime() });
      steps.push(
        await measure(ds, round, `detach + drop of ${MONTH_DAYS} daily partitions`, `PartitionMaintenance.run: ${MONTH_DAYS} × (DETACH + DROP)`, () => partitionedSize(ds), () => partitionedSize(ds, true), async () => {
          const result = await maintenance.run();
          if (result.dropped.length !== MONTH_DAYS) throw new Error(`expected ${MONTH_DAYS} partitions dropped, got ${result.dropped.join(', ')}`);
          return { rows: month.n };
        }),
      );
      await maintenance.beforeApplicationShutdown();
      const [left] = await ds.query<Array<{ before: number; after: number }>>(
        `SELECT count(*) FILTER (WHERE created_at < $1)::int AS before, count(*) FILTER (WHERE created_at >= $1)::int AS after FROM events`,
        [cutoff],
      );
      if (left.before !== 0) throw new Error(`${left.before} events before the cutoff left after the drop`);
      log(`round ${round} done (${left.after.toLocaleString('en-US')} kept events left)`);
      printTable(steps);
      write();
    }
  } finally {
    await ds.destroy();
    await dropDatabase();
  }
}


/** An unpartitioned copy of `events`: the same columns, rows and indexes (each of the parent's index definitions replayed). */
async function seedHeap(ds: DataSource): Promise<void> {
  await ds.query('DROP TABLE IF EXISTS events_heap');
  await ds.query('CREATE TABLE events_heap (LIKE events INCLUDING DEFAULTS) WITH (autovacuum_enabled = false)');
  await ds.query('INSERT INTO events_heap SELECT * FROM events');
  const indexes = await ds.query<Array<{ name: string; definition: string; primary: boolean }>>(
    `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition, i.indisprimary AS primary
     FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'events'::regclass`,
  );
  for (const index of indexes) {
    const definition = index.definition.replace(` INDEX ${index.name} ON `, ` INDEX ${index.name}_heap ON `).replace(/ ON (ONLY )?\S+ USING /, ' ON events_heap USING ');
    await ds.query(definition);
    if (index.primary) await ds.query(`ALTER TABLE events_heap ADD CONSTRAINT ${index.name}_heap PRIMARY KEY USING INDEX ${index.name}_heap`);
  }
  await ds.query('VACUUM ANALYZE events_heap');
}

async function measure(
  ds: DataSource,
  round: number,
  method: string,
  step: string,
  sizeOf: () => Promise<number>,
  heapSizeOf: () => Promise<number>,
  work: () => Promise<unknown>,
): Promise<Step> {
  const bytesBefore = await sizeOf();
  const heapBytesBefore = await heapSizeOf();
  await ds.query('CHECKPOINT');
  const [before] = await ds.query<Array<{ lsn: string }>>('SELECT pg_current_wal_lsn()::text AS lsn');
  const started = process.hrtime.bigint();
  const done = (await work()) as { rows?: number; statements?: number } | undefined;
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const [wal] = await ds.query<Array<{ bytes: string }>>(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint AS bytes`, [before.lsn]);
  return {
    round,
    method,
    step,
    ms: Math.round(ms),
    walBytes: Number(wal.bytes),
    bytesBefore,
    bytesAfter: await sizeOf(),
    heapBytesBefore,
    heapBytesAfter: await heapSizeOf(),
    rows: done?.rows,
    statements: done?.statements,
    load1: load1(),
  };
}

async function size(ds: DataSource, table: string): Promise<number> {
  const [r] = await ds.query<Array<{ bytes: string }>>(`SELECT pg_total_relation_size($1::regclass)::bigint AS bytes`, [table]);
  return Number(r.bytes);
}

async function heapSize(ds: DataSource, table: string): Promise<number> {
  const [r] = await ds.query<Array<{ bytes: string }>>(`SELECT pg_relation_size($1::regclass)::bigint AS bytes`, [table]);
  return Number(r.bytes);
}

/** Every partition of `events` (with its TOAST and indexes, or its heap alone). */
async function partitionedSize(ds: DataSource, heapOnly = false): Promise<number> {
  const [r] = await ds.query<Array<{ bytes: string }>>(
    `SELECT coalesce(sum(${heapOnly ? 'pg_relation_size' : 'pg_total_relation_size'}(relid)), 0)::bigint AS bytes FROM pg_partition_tree('events') WHERE isleaf`,
  );
  return Number(r.bytes);
}

/** WAL the server writes per second while this benchmark does nothing (other databases' work). */
async function backgroundWal(ds: DataSource, ms: number): Promise<number> {
  const [before] = await ds.query<Array<{ lsn: string }>>('SELECT pg_current_wal_lsn()::text AS lsn');
  await new Promise((resolve) => setTimeout(resolve, ms));
  const [wal] = await ds.query<Array<{ bytes: string }>>(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint AS bytes`, [before.lsn]);
  return Math.round((Number(wal.bytes) * 1000) / ms);
}

function printTable(steps: Step[]): void {
  const lines = [
    '| round | method | step | time s | WAL MB | table + indexes MB before → after | heap file MB before → after | load (1 min) |',
    '|---:|---|---|---:|---:|---|---|---:|',
    ...steps.map(
      (s) =>
        `| ${s.round} | ${s.method} | ${s.step}${s.statements && s.statements > 1 ? ` (${s.statements.toLocaleString('en-US')} statements)` : ''} | ${(s.ms / 1000).toFixed(1)} | ${mb(s.walBytes)} | ${mb(s.bytesBefore)} → ${mb(s.bytesAfter)} | ${mb(s.heapBytesBefore)} → ${mb(s.heapBytesAfter)} | ${s.load1} |`,
    ),
  ];
  console.log(lines.join('\n'));
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
