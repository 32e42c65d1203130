/**
 * npx ts-node -T bench/retention.ts [--rows 2000000] (DATABASE_URL: a server where a scratch database may be created)
 *
 * Retention of one month of outbox events: the old row-by-row purge (DELETE in batches of 1000, as
 * EventsRepository.purgeBefore did) on an unpartitioned copy of the table, against the partition
 * maintenance's detach-and-drop of the month's 30 daily partitions, on the real schema (migrations),
 * the same rows and indexes on both sides. Time and WAL bytes (pg_current_wal_lsn before and after,
 * each side after a CHECKPOINT). Writes bench/retention.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { createDataSource } from '../ormconfig';
import { DatabaseConfig } from '../src/config/database.config';
import { PartitionRepository } from '../src/database/partitions/partition.repository';
import { periodsBetween } from '../src/database/partitions/partition-period';
import { runMigrationsLocked } from '../src/database/run-migrations';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rows: { type: 'string', default: '2000000' } } });
  const rows = Number(values.rows);
  const server = process.env.DATABASE_URL;
  if (server === undefined) throw new Error('DATABASE_URL: a PostgreSQL server where a scratch database may be created');
  const name = `bench_retention_${Date.now()}`;
  const admin = new Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  const ds = await createDataSource(url.toString(), DatabaseConfig.fromEnv(process.env)).initialize();
  try {
    await runMigrationsLocked(ds);
    await ds.query('SET statement_timeout = 0');
    const monthStart = new Date(Date.UTC(2026, 9, 1));
    const monthEnd = new Date(Date.UTC(2026, 9, 31));
    const partitions = new PartitionRepository(ds);
    await partitions.create('events', 'created_at', periodsBetween(monthStart, monthEnd, 'day'), 'day');
    await ds.query(`CREATE TABLE events_unpartitioned (LIKE events INCLUDING ALL)`);
    const seed = `SELECT 'evt_' || lpad(g::text, 12, '0'), 'cus_' || (g % 1000), 'fault.updated',
                   jsonb_build_object('fault', jsonb_build_object('id', 'flt_' || g, 'status', 'unresolved', 'message', 'WAN tunnel Primary link (WAN1) is down')),
                   $2::timestamptz + (g::float8 / $1) * interval '31 days'
                 FROM generate_series(0, $1 - 1) g`;
    console.log(`seeding ${rows} events of one month, twice`);
    await ds.query(`INSERT INTO events (id, customer_id, type, data, created_at) ${seed}`, [rows, monthStart]);
    await ds.query(`INSERT INTO events_unpartitioned (id, customer_id, type, data, created_at) ${seed}`, [rows, monthStart]);
    await ds.query('VACUUM ANALYZE events_unpartitioned');
    await ds.query('VACUUM ANALYZE events');
    const cutoff = new Date(Date.UTC(2026, 10, 1));

    const measure = async (work: () => Promise<number>): Promise<{ ms: number; walBytes: number; rows: number }> => {
      await ds.query('CHECKPOINT');
      const [before] = await ds.query<Array<{ lsn: string }>>('SELECT pg_current_wal_lsn()::text AS lsn');
      const started = process.hrtime.bigint();
      const removed = await work();
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const [wal] = await ds.query<Array<{ bytes: string }>>(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint AS bytes`, [before.lsn]);
      return { ms: Math.round(ms), walBytes: Number(wal.bytes), rows: removed };
    };
    const del = await measure(async () => {
      let total = 0;
      for (;;) {
        const result: [unknown[], number] = await ds.query(
          'DELETE FROM events_unpartitioned WHERE id IN (SELECT id FROM events_unpartitioned WHERE created_at < $1 ORDER BY created_at LIMIT 1000 FOR UPDATE SKIP LOCKED)',
          [cutoff],
        );
        total += result[1];
        if (result[1] < 1000) return total;
      }
    });
    const [size] = await ds.query<Array<{ bytes: string }>>(`SELECT pg_total_relation_size('events_unpartitioned')::bigint AS bytes`);
    const [count] = await ds.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM events WHERE created_at < $1`, [cutoff]);
    const drop = await measure(async () => {
      for (const p of await partitions.list('events')) if (p.start < cutoff) await partitions.drop('events', p.name);
      return count.n;
    });
    const result = {
      rows,
      server: (await ds.query<Array<{ v: string }>>("SELECT current_setting('server_version') AS v"))[0].v,
      delete: { ...del, tableBytesAfter: Number(size.bytes) },
      partitionDrop: drop,
    };
    console.log(JSON.stringify(result, null, 2));
    fs.writeFileSync(path.join(__dirname, 'retention.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await ds.destroy();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
