import { DataSource } from 'typeorm';
import { createDataSource } from '../ormconfig';
import { DatabaseConfig } from '../src/config/database.config';
import { MIGRATIONS } from '../src/database/migrations';
import { PartitionEvents1796620000000 } from '../src/database/migrations/1796620000000-PartitionEvents';
import { runMigrationsLocked } from '../src/database/run-migrations';
import { runScript } from './support/run-script';
import { ScratchDatabase, createScratchDatabase } from './support/scratch-database';

const ROWS = 6000;

/**
 * An existing database moves onto partitions online: the move is killed (SIGKILL) after its first
 * batches, writes go on against the live table meanwhile, and the rerun finishes with every row in
 * its newest version, the deleted ones gone and the sequences continuing.
 */
describe('moving a live database onto partitions', () => {
  let scratch: ScratchDatabase;

  beforeAll(async () => {
    scratch = await createScratchDatabase('partmove');
    const ds: DataSource = createDataSource(scratch.url, DatabaseConfig.fromEnv(process.env));
    ds.setOptions({ migrations: MIGRATIONS.slice(0, MIGRATIONS.indexOf(PartitionEvents1796620000000)) });
    await ds.initialize();
    try {
      await ds.runMigrations({ transaction: 'each' });
      // Three days of events and deliveries for 20 tenants, as the service writes them.
      await ds.query(
        `INSERT INTO events (id, customer_id, type, data, created_at)
         SELECT 'evt_' || lpad(g::text, 10, '0'), 'cus_' || (g % 20), 'fault.created', '{}', now() - (g * interval '40 seconds') FROM generate_series(1, $1) g`,
        [ROWS],
      );
      await ds.query(
        `INSERT INTO webhook_deliveries (webhook_id, customer_id, event_id, event_type, lane, status, created_at)
         SELECT 'wh_1', customer_id, id, type, id, 'succeeded', created_at FROM events`,
      );
    } finally {
      await ds.destroy();
    }
  });
  afterAll(() => scratch.drop());

  it('is killed midway, keeps the live table writable, and completes on the rerun', async () => {
    const killed = await runScript('migration.ts', { DATABASE_URL: scratch.url, PARTITION_MOVE_BATCH_SIZE: '500' }, ['run'], /events: 1500 rows copied/);
    expect(killed.signal).toBe('SIGKILL');
    const [kind] = await scratch.query<{ relkind: string }>(`SELECT relkind FROM pg_class WHERE relname = 'events'`);
    expect(kind.relkind).toBe('r');
    const [midway] = await scratch.query<{ n: number }>(`SELECT count(*)::int AS n FROM events__partitioned`);
    expect(midway.n).toBeGreaterThanOrEqual(1500);
    expect(midway.n).toBeLessThan(ROWS);

    // The service keeps writing to the live table while the move is stopped: the mirror trigger carries every change.
    await scratch.query(`INSERT INTO events (id, customer_id, type, data, created_at) VALUES ('evt_late', 'cus_1', 'fault.updated', '{}', now())`);
    await scratch.query(`UPDATE events SET data = '{"v": 2}' WHERE id IN ('evt_0000000001', 'evt_0000005999')`);
    await scratch.query(`DELETE FROM events WHERE id IN ('evt_0000000002', 'evt_0000005998')`);

    const ds = await createDataSource(scratch.url, DatabaseConfig.fromEnv(process.env)).initialize();
    try {
      // The interrupted migration runs again, first; the migrations after it follow.
      expect((await runMigrationsLocked(ds)).map((m) => m.name)[0]).toBe('PartitionEvents1796620000000');
    } finally {
      await ds.destroy();
    }

    for (const table of ['events', 'webhook_deliveries']) {
      const [t] = await scratch.query<{ relkind: string }>(`SELECT relkind FROM pg_class WHERE relname = $1`, [table]);
      expect(t.relkind).toBe('p');
      const parts = await scratch.query<{ name: string }>(`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass`, [table]);
      expect(parts.map((p) => p.name)).toContain(`${table}_default`);
      expect(parts.filter((p) => /_p\d{8}$/.test(p.name)).length).toBeGreaterThanOrEqual(4);
    }
    const [counts] = await scratch.query<{ events: number; deliveries: number; updated: number; deleted: number; parked: number }>(
      `SELECT (SELECT count(*)::int FROM events) AS events, (SELECT count(*)::int FROM webhook_deliveries) AS deliveries,
              (SELECT count(*)::int FROM events WHERE data = '{"v": 2}') AS updated,
              (SELECT count(*)::int FROM events WHERE id IN ('evt_0000000002', 'evt_0000005998')) AS deleted,
              (SELECT count(*)::int FROM events_default) AS parked`,
    );
    expect(counts).toEqual({ events: ROWS - 2 + 1, deliveries: ROWS, updated: 2, deleted: 0, parked: 0 });
    // The sequences moved with the table: new rows continue after the old ones.
    const [next] = await scratch.query<{ seq: string; max: string }>(
      `WITH n AS (INSERT INTO events (id, customer_id, type, data, created_at) VALUES ('evt_after', 'cus_1', 'fault.updated', '{}', now()) RETURNING seq)
       SELECT n.seq, (SELECT max(seq) FROM events) AS max FROM n`,
    );
    expect(BigInt(next.seq)).toBeGreaterThan(BigInt(next.max));
    const leftovers = await scratch.query(`SELECT relname FROM pg_class WHERE relname LIKE '%\\_\\_partitioned%' OR relname LIKE '%\\_\\_mirror%'`);
    expect(leftovers).toEqual([]);
    const triggers = await scratch.query(`SELECT tgname FROM pg_trigger WHERE tgname LIKE '%\\_\\_mirror'`);
    expect(triggers).toEqual([]);
  });
});
