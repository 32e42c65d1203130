import { faultPartitions } from '../src/fault/core/fault-partitions';
import { JobQueue } from '../src/jobs/job-queue';
import { PartitionCompaction } from '../src/jobs/partition-compaction';
import { PartitionMaintenance } from '../src/jobs/partition-maintenance';
import { FakeClock } from './support/fake-clock';
import { migratedScratchDatabase } from './support/migrated-database';
import { waitFor } from './support/wait-for';

/**
 * Settled partitions get their indexes rebuilt once (REINDEX CONCURRENTLY), newest first, one per
 * run; partitions still taking new rows are left alone. With the default FAULT_RETENTION_DAYS (425)
 * and the clock at 2031-05-15, a fault created now expires in July 2032: faults_p203207 takes new
 * faults, faults_p203206 took its last on 2031-05-02 and settled a week later.
 */
describe('partition compaction', () => {
  const db = migratedScratchDatabase('partcompact');
  const clock = new FakeClock(new Date('2031-05-15T12:00:00Z'));
  const jobs = { register: () => undefined, schedule: () => undefined } as unknown as JobQueue;
  let maintenance: PartitionMaintenance;
  const compaction = (): PartitionCompaction => new PartitionCompaction(db.ds, jobs, clock, maintenance, db.scratch.url);

  /** Each index of the partition with the file it is stored in (a rebuild writes a new one) and whether it is valid and attached to its parent's. */
  const indexes = async (partition: string): Promise<Array<{ name: string; file: string; valid: boolean; attached: boolean }>> =>
    db.ds.query(
      `SELECT c.relname AS name, pg_relation_filenode(c.oid)::text AS file, x.indisvalid AS valid, EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid) AS attached
       FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid WHERE x.indrelid = to_regclass($1) ORDER BY 1`,
      [partition],
    );
  const recorded = async (): Promise<string[]> =>
    (await db.ds.query<Array<{ name: string }>>(`SELECT partition_name AS name FROM partition_compactions ORDER BY 1`)).map((r) => r.name);

  /** `count` faults of `tenants` tenants interleaved in time, expiring within `month`, then acknowledged and resolved: every index gets a second entry per row. */
  const churn = async (prefix: string, month: string, count: number, tenants: number): Promise<void> => {
    const expires = Math.floor(new Date(`${month}-01T00:00:00Z`).getTime() / 1000) + 3600;
    await db.ds.query(
      `INSERT INTO faults (id, customer_id, resource_id, microservice_id, type, status, severity, message, created_at, updated_at, ttl)
       SELECT $1 || g, 'cus_pc' || (g % $4), 'dev_' || (g % 50), 'm', 'wantunnel', 'unresolved', 'HIGH', 'WAN1 down', timestamptz '2031-05-01' + g * interval '1 second', now(), $2 + g
       FROM generate_series(1, $3) g`,
      [prefix, expires, count, tenants],
    );
    await db.ds.query(`UPDATE faults SET acknowledged_at = created_at + interval '1 minute', acknowledged_by = 'usr_1' WHERE id LIKE $1 || '%'`, [prefix]);
    await db.ds.query(`UPDATE faults SET status = 'resolved', resolved_at = created_at + interval '5 minutes' WHERE id LIKE $1 || '%'`, [prefix]);
    await db.ds.query(`VACUUM faults`);
  };

  beforeAll(async () => {
    maintenance = new PartitionMaintenance(db.ds, jobs, clock);
    // As FaultPurgeService registers it (its open keys' clean-up is not what is tested here).
    maintenance.register(faultPartitions(425, () => Promise.resolve()));
    await maintenance.run();
  });

  it('rebuilds the newest settled partition first, once, with every index valid and attached, and leaves the month still taking faults', async () => {
    await churn('flt_pc_jun_', '2032-06', 20_000, 20);
    await churn('flt_pc_jul_', '2032-07', 2_000, 20);
    const due = await compaction().due();
    expect(due[0]).toBe('faults_p203206');
    expect(due).toContain('faults_p203105');
    expect(due).not.toContain('faults_p203207');
    const [june, july] = [await indexes('faults_p203206'), await indexes('faults_p203207')];

    const [done] = await compaction().run();
    expect(done.partition).toBe('faults_p203206');
    // The second entries the updates left (gone since VACUUM) leave half-empty pages: the rebuild gives them back.
    expect(done.indexBytesAfter).toBeLessThan(done.indexBytesBefore * 0.8);
    const rebuilt = await indexes('faults_p203206');
    expect(rebuilt.map((i) => i.name)).toEqual(june.map((i) => i.name));
    for (const index of rebuilt) {
      expect(index).toMatchObject({ valid: true, attached: true });
      expect(index.file).not.toBe(june.find((i) => i.name === index.name)!.file);
    }
    expect(await indexes('faults_p203207')).toEqual(july);
    expect(await recorded()).toEqual(['faults_p203206']);
    // Reads through the parent see every row, through the rebuilt indexes.
    const [counted] = await db.ds.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM faults WHERE customer_id = 'cus_pc3' AND created_at >= '2031-05-01'`);
    expect(counted.n).toBe(1_000 + 100);

    // Once only: the next run takes the next settled month.
    expect((await compaction().run()).map((c) => c.partition)).toEqual(['faults_p203205']);
    expect(await compaction().due()).not.toContain('faults_p203206');
  });

  it('drops the invalid leftover of a rebuild killed midway, then rebuilds', async () => {
    await churn('flt_pc_apr_', '2032-04', 1_000, 5);
    // What REINDEX CONCURRENTLY leaves when it is killed: an invalid index named …_ccnew (here made invalid by a failed unique build).
    await db.ds.query(`CREATE UNIQUE INDEX CONCURRENTLY "faults_p203204_customer_id_idx_ccnew" ON faults_p203204 (customer_id)`).catch(() => undefined);
    expect((await indexes('faults_p203204')).find((i) => i.name === 'faults_p203204_customer_id_idx_ccnew')).toMatchObject({ valid: false });

    const done = await compaction().compactAllDue();
    expect(done.map((c) => c.partition)).toContain('faults_p203204');
    const after = await indexes('faults_p203204');
    expect(after.map((i) => i.name)).not.toContain('faults_p203204_customer_id_idx_ccnew');
    expect(after.every((i) => i.valid && i.attached)).toBe(true);
    expect(await compaction().due()).toEqual([]);
  });

  it('two instances at once never rebuild the same partition; dropped partitions are forgotten', async () => {
    // Two months later two more months have settled; both instances' runs start together.
    clock.current = new Date('2031-07-15T12:00:00Z');
    await maintenance.run();
    const [a, b] = await Promise.all([compaction().run(), compaction().run()]);
    // One each: the second finds the first's partition locked (or just recorded) and takes the next.
    expect([...a, ...b].map((c) => c.partition).sort()).toEqual(['faults_p203207', 'faults_p203208']);
    expect(await compaction().due()).toEqual([]);
    // The months that expired meanwhile were dropped by the retention: their records go with them.
    const kept = await recorded();
    expect(kept).not.toContain('faults_p203105');
    expect(kept).not.toContain('faults_p203106');
    expect(kept).toEqual(expect.arrayContaining(['faults_p203107', 'faults_p203206', 'faults_p203207', 'faults_p203208']));
  });

  it('at shutdown cancels a rebuild that waits on a long transaction, and the next run does it', async () => {
    clock.current = new Date('2031-08-15T12:00:00Z');
    await maintenance.run();
    await churn('flt_pc_sep_', '2032-09', 1_000, 5);
    expect(await compaction().due()).toEqual(['faults_p203209']);
    // A reader whose snapshot is older than the rebuild: REINDEX CONCURRENTLY waits for it to end.
    const reader = db.ds.createQueryRunner();
    await reader.startTransaction('REPEATABLE READ');
    await reader.query(`SELECT count(*) FROM faults_p203209`);
    try {
      const stopping = compaction();
      const run = stopping.run();
      await waitFor('the rebuild waiting on the reader', async () => {
        const rows = await db.ds.query<unknown[]>(
          `SELECT 1 FROM pg_stat_activity WHERE application_name = 'netops-partition-compaction' AND query LIKE 'REINDEX%' AND wait_event_type = 'Lock'`,
        );
        return rows.length > 0 || undefined;
      });
      await stopping.beforeApplicationShutdown();
      await expect(run).rejects.toThrow(/cancel/);
    } finally {
      await reader.commitTransaction();
      await reader.release();
    }
    expect(await recorded()).not.toContain('faults_p203209');
    const [done] = await compaction().run();
    expect(done.partition).toBe('faults_p203209');
    expect((await indexes('faults_p203209')).every((i) => i.valid && i.attached && !i.name.includes('_ccnew'))).toBe(true);
  });
});
