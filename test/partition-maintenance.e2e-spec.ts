import { DataSource } from 'typeorm';
import { JobQueue } from '../src/jobs/job-queue';
import { PartitionMaintenance } from '../src/jobs/partition-maintenance';
import { FakeClock } from './support/fake-clock';
import { migratedScratchDatabase } from './support/migrated-database';

/** The maintenance job creates partitions ahead and removes expired days as whole partitions. */
describe('partition maintenance', () => {
  const db = migratedScratchDatabase('partmaint');

  const partitions = async (): Promise<string[]> =>
    (await db.ds.query<Array<{ name: string }>>(`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass ORDER BY 1`)).map(
      (r) => r.name,
    );

  it('creates the days ahead, then drops the days past the retention and keeps the rest', async () => {
    const clock = new FakeClock(new Date('2031-03-10T12:00:00Z'));
    const jobs = { register: () => undefined, schedule: () => undefined } as unknown as JobQueue;
    const maintenance = new PartitionMaintenance(db.ds, jobs, clock);
    maintenance.register({ table: 'events', column: 'created_at', interval: 'day', ahead: 2, retainMs: () => 48 * 3_600_000 });

    // Rows written while no partition covered 2031 went to the default partition: the new partitions take them over.
    await db.ds.query(
      `INSERT INTO events (id, customer_id, type, data, created_at)
       SELECT 'evt_' || g, 'cus_' || (g % 3), 'fault.created', '{}', timestamptz '2031-03-05T00:30:00Z' + g * interval '1 hour' FROM generate_series(0, 143) g`,
    );
    for (const day of ['20310305', '20310306', '20310307', '20310308', '20310309']) await createDay(db.ds, day);
    const run = await maintenance.run();
    expect(run.created).toEqual(['events_p20310310', 'events_p20310311', 'events_p20310312']);
    // Cutoff 2031-03-08T12:00: the 5th, 6th and 7th are wholly past it; the 8th is not.
    // (the partitions the migration made for today's real date are years before the fake clock: dropped too)
    expect(run.dropped.filter((name) => name.startsWith('events_p2031'))).toEqual(['events_p20310305', 'events_p20310306', 'events_p20310307']);
    expect(run.deletedFromDefault).toBe(0);
    expect(await partitions()).toEqual(expect.arrayContaining(['events_p20310308', 'events_p20310312', 'events_default']));
    expect(await partitions()).not.toContain('events_p20310307');
    expect((await maintenance.run()).created).toEqual([]);
    const [rows] = await db.ds.query<Array<{ oldest: Date; n: number }>>(`SELECT min(created_at) AS oldest, count(*)::int AS n FROM events`);
    expect(rows.oldest.toISOString()).toBe('2031-03-08T00:30:00.000Z');
    expect(rows.n).toBe(144 - 3 * 24);
    const [parked] = await db.ds.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM events_default`);
    expect(parked.n).toBe(0);
  });
});

/** The partition of one past day, as the maintenance job would have made it then (moving its rows out of the default partition). */
async function createDay(ds: DataSource, day: string): Promise<void> {
  const start = new Date(`${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6, 8)}T00:00:00Z`);
  const { PartitionRepository } = await import('../src/database/partitions/partition.repository');
  await new PartitionRepository(ds).create('events', 'created_at', [start], 'day');
}
