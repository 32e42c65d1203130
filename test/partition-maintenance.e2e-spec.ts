import { DataSource } from 'typeorm';
import { faultChildrenPartitions } from '../src/fault/core/fault-children-partitions';
import { timelinePartitions } from '../src/fault/timeline/timeline-partitions';
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

  it('drops a month of the timeline once every fault that could own an entry in it has expired, never a month a live fault owns entries in', async () => {
    const clock = new FakeClock(new Date('2031-05-15T12:00:00Z'));
    const jobs = { register: () => undefined, schedule: () => undefined } as unknown as JobQueue;
    const maintenance = new PartitionMaintenance(db.ds, jobs, clock);
    // As FaultPurgeService registers it, with the default FAULT_RETENTION_DAYS.
    maintenance.register(timelinePartitions(425));
    const fault = async (id: string, created: string, expires: string): Promise<void> => {
      await db.ds.query(
        `INSERT INTO faults (id, customer_id, resource_id, microservice_id, type, status, severity, message, created_at, updated_at, ttl)
         VALUES ($1, 'cus_tl', 'dev_1', 'm', 'wantunnel', 'unresolved', 'HIGH', 'down', $2, $2, extract(epoch FROM $3::timestamptz)::bigint)`,
        [id, created, expires],
      );
    };
    // Entries as the service writes them: each carries its fault's expiry; `at` spans the fault's whole life.
    const entries = async (faultId: string, from: string, count: number, days: number): Promise<void> => {
      await db.ds.query(
        `INSERT INTO fault_timeline (customer_id, fault_id, fault_expires_at, at, kind, actor, details)
         SELECT 'cus_tl', f.id, to_timestamp(f.ttl), $2::timestamptz + g * ($4::int * interval '1 day'), 'occurred', 'system', '{}'
         FROM faults f, generate_series(0, $3::int - 1) g WHERE f.id = $1`,
        [faultId, from, count, days],
      );
    };
    const owners = async (): Promise<Record<string, string[]>> => {
      const rows = await db.ds.query<Array<{ fault_id: string; part: string }>>(
        `SELECT DISTINCT fault_id, tableoid::regclass::text AS part FROM fault_timeline WHERE customer_id = 'cus_tl' ORDER BY 1, 2`,
      );
      const byFault: Record<string, string[]> = {};
      for (const r of rows) byFault[r.fault_id] = [...(byFault[r.fault_id] ?? []), r.part];
      return byFault;
    };
    // Created under a retention of 425 days a year ago: live until August, with entries written all year.
    await fault('flt_live', '2030-06-20T00:00:00Z', '2031-08-19T00:00:00Z');
    await entries('flt_live', '2030-06-20T00:00:00Z', 12, 30);
    // Expired in May: its entries' month is over.
    await fault('flt_gone', '2030-04-10T00:00:00Z', '2031-05-10T00:00:00Z');
    await entries('flt_gone', '2030-04-10T00:00:00Z', 3, 100);
    // Would have expired in May, but its ttl was extended: its entries move with it (faults_ttl_moves_timeline).
    await fault('flt_extended', '2030-05-20T00:00:00Z', '2031-05-20T00:00:00Z');
    await entries('flt_extended', '2030-05-20T00:00:00Z', 4, 90);
    // Created last week under a shorter FAULT_RETENTION_DAYS (30): expires in June.
    await fault('flt_short', '2031-05-08T00:00:00Z', '2031-06-07T00:00:00Z');
    await entries('flt_short', '2031-05-08T00:00:00Z', 2, 1);

    // 2031-05-15: the months from May on are made (17 ahead); the entries waiting in the default partition move into theirs.
    const run = await maintenance.run();
    expect(run.created).toEqual(expect.arrayContaining(['fault_timeline_p203105', 'fault_timeline_p203106', 'fault_timeline_p203108', 'fault_timeline_p203210']));
    expect(run.dropped.filter((name) => name.startsWith('fault_timeline_p2031'))).toEqual([]);
    expect(await owners()).toEqual({
      flt_extended: ['fault_timeline_p203105'],
      flt_gone: ['fault_timeline_p203105'],
      flt_live: ['fault_timeline_p203108'],
      flt_short: ['fault_timeline_p203106'],
    });
    await db.ds.query(`UPDATE faults SET ttl = extract(epoch FROM timestamptz '2031-09-30T00:00:00Z')::bigint WHERE id = 'flt_extended'`);

    // 2031-06-15: May is over, so every fault expiring in May has expired; June onwards stays.
    clock.current = new Date('2031-06-15T12:00:00Z');
    const second = await maintenance.run();
    expect(second.dropped.filter((name) => name.startsWith('fault_timeline_p2031'))).toEqual(['fault_timeline_p203105']);
    expect(second.deletedFromDefault).toBe(0);
    expect(await owners()).toEqual({ flt_extended: ['fault_timeline_p203109'], flt_live: ['fault_timeline_p203108'], flt_short: ['fault_timeline_p203106'] });
    const [counts] = await db.ds.query<Array<{ live: number; extended: number; short: number }>>(
      `SELECT count(*) FILTER (WHERE fault_id = 'flt_live')::int AS live, count(*) FILTER (WHERE fault_id = 'flt_extended')::int AS extended,
              count(*) FILTER (WHERE fault_id = 'flt_short')::int AS short FROM fault_timeline WHERE customer_id = 'cus_tl'`,
    );
    expect(counts).toEqual({ live: 12, extended: 4, short: 2 });

    // 2031-08-01: June and July are over: the short-lived fault has expired, the live one (August) has not.
    clock.current = new Date('2031-08-01T00:00:00Z');
    expect((await maintenance.run()).dropped).toEqual(['fault_timeline_p203106', 'fault_timeline_p203107']);
    expect(Object.keys(await owners())).toEqual(['flt_extended', 'flt_live']);
  });

  it('drops a month of comments and path segments with their faults\' month, never a month a live fault owns them in', async () => {
    const clock = new FakeClock(new Date('2032-05-15T12:00:00Z'));
    const jobs = { register: () => undefined, schedule: () => undefined } as unknown as JobQueue;
    const maintenance = new PartitionMaintenance(db.ds, jobs, clock);
    // As FaultPurgeService registers them, with the default FAULT_RETENTION_DAYS.
    for (const children of faultChildrenPartitions(425)) maintenance.register(children);
    // Children as the service writes them: each carries its fault's ttl.
    const fault = async (id: string, created: string, expires: string): Promise<void> => {
      const ttl = Math.floor(new Date(expires).getTime() / 1000);
      await db.ds.query(
        `INSERT INTO faults (id, customer_id, resource_id, microservice_id, type, status, severity, message, created_at, updated_at, ttl)
         VALUES ($1, 'cus_ch', 'dev_1', 'm', 'wantunnel', 'unresolved', 'HIGH', 'down', $2, $2, $3)`,
        [id, created, ttl],
      );
      await db.ds.query(
        `INSERT INTO fault_comments (id, fault_id, customer_id, user_id, comment, created_at, fault_ttl) SELECT gen_random_uuid(), $1, 'cus_ch', 'u', 'c', $2, $3 FROM generate_series(1, 2)`,
        [id, created, ttl],
      );
      await db.ds.query(`INSERT INTO fault_path_segments (fault_id, segment, customer_id, created_at, fault_ttl) VALUES ($1, 'site_1', 'cus_ch', $2, $3), ($1, 'dev_1', 'cus_ch', $2, $3)`, [
        id,
        created,
        ttl,
      ]);
    };
    const months = async (): Promise<Record<string, string[]>> => {
      const rows = await db.ds.query<Array<{ fault_id: string; part: string }>>(
        `SELECT DISTINCT fault_id, tableoid::regclass::text AS part FROM fault_comments WHERE customer_id = 'cus_ch'
         UNION SELECT DISTINCT fault_id, tableoid::regclass::text FROM fault_path_segments WHERE customer_id = 'cus_ch' ORDER BY 1, 2`,
      );
      const byFault: Record<string, string[]> = {};
      for (const r of rows) byFault[r.fault_id] = [...(byFault[r.fault_id] ?? []), r.part];
      return byFault;
    };
    // Created under 425 days a year ago: live until August. Expired in May. Created last week under 30 days: June.
    await fault('flt_ch_live', '2031-06-20T00:00:00Z', '2032-08-19T00:00:00Z');
    await fault('flt_ch_gone', '2031-04-10T00:00:00Z', '2032-05-10T00:00:00Z');
    await fault('flt_ch_short', '2032-05-08T00:00:00Z', '2032-06-07T00:00:00Z');

    // 2032-05-15: the months from May on are made (17 ahead); the rows waiting in the default partitions move into theirs.
    const run = await maintenance.run();
    expect(run.created).toEqual(expect.arrayContaining(['fault_comments_p203205', 'fault_comments_p203210', 'fault_path_segments_p203205', 'fault_path_segments_p203210']));
    expect(run.dropped.filter((name) => name.includes('_p2032'))).toEqual([]);
    expect(await months()).toEqual({
      flt_ch_gone: ['fault_comments_p203205', 'fault_path_segments_p203205'],
      flt_ch_live: ['fault_comments_p203208', 'fault_path_segments_p203208'],
      flt_ch_short: ['fault_comments_p203206', 'fault_path_segments_p203206'],
    });

    // 2032-06-15: May is over, so every fault expiring in May has expired: its comments and segments go as whole partitions.
    clock.current = new Date('2032-06-15T12:00:00Z');
    const second = await maintenance.run();
    expect(second.dropped.filter((name) => name.includes('_p2032'))).toEqual(['fault_comments_p203205', 'fault_path_segments_p203205']);
    expect(second.deletedFromDefault).toBe(0);
    expect(Object.keys(await months())).toEqual(['flt_ch_live', 'flt_ch_short']);
    const [counts] = await db.ds.query<Array<{ comments: number; segments: number }>>(
      `SELECT (SELECT count(*)::int FROM fault_comments WHERE customer_id = 'cus_ch') AS comments, (SELECT count(*)::int FROM fault_path_segments WHERE customer_id = 'cus_ch') AS segments`,
    );
    expect(counts).toEqual({ comments: 4, segments: 4 });

    // 2032-08-01: June and July are over: the short-lived fault's rows go, the live one's (August) stay.
    clock.current = new Date('2032-08-01T00:00:00Z');
    expect((await maintenance.run()).dropped.filter((name) => name.includes('_p2032'))).toEqual([
      'fault_comments_p203206',
      'fault_comments_p203207',
      'fault_path_segments_p203206',
      'fault_path_segments_p203207',
    ]);
    expect(Object.keys(await months())).toEqual(['flt_ch_live']);
  });
});

/** The partition of one past day, as the maintenance job would have made it then (moving its rows out of the default partition). */
async function createDay(ds: DataSource, day: string): Promise<void> {
  const start = new Date(`${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6, 8)}T00:00:00Z`);
  const { PartitionRepository } = await import('../src/database/partitions/partition.repository');
  await new PartitionRepository(ds).create('events', 'created_at', [start], 'day');
}
