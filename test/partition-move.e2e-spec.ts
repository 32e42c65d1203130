import { DataSource } from 'typeorm';
import { createDataSource } from '../ormconfig';
import { DatabaseConfig } from '../src/config/database.config';
import { MIGRATIONS } from '../src/database/migrations';
import { PartitionEvents1796620000000 } from '../src/database/migrations/1796620000000-PartitionEvents';
import { PartitionTimelineAndIdempotency1796700000000 } from '../src/database/migrations/1796700000000-PartitionTimelineAndIdempotency';
import { PartitionVaultAudit1796710000000 } from '../src/database/migrations/1796710000000-PartitionVaultAudit';
import { PartitionFaults1796750000000 } from '../src/database/migrations/1796750000000-PartitionFaults';
import { PartitionFaultChildren1796770000000 } from '../src/database/migrations/1796770000000-PartitionFaultChildren';
import { nextPeriod, periodStart } from '../src/database/partitions/partition-period';
import { listPartitions } from '../src/database/partitions/partition.repository';
import { runMigrationsLocked } from '../src/database/run-migrations';
import { VaultConfig } from '../src/config/vault.config';
import { JobQueue } from '../src/jobs/job-queue';
import { PartitionMaintenance } from '../src/jobs/partition-maintenance';
import { FaultPurgeRepository } from '../src/fault/core/fault-purge.repository';
import { faultChildrenPartitions } from '../src/fault/core/fault-children-partitions';
import { faultPartitions } from '../src/fault/core/fault-partitions';
import { OFFBOARDING_STEPS, TenantOffboardingRepository } from '../src/tenants/tenant-offboarding.repository';
import { VaultAuditRetention } from '../src/vault/audit/vault-audit-retention';
import { FakeClock } from './support/fake-clock';
import { runScript } from './support/run-script';
import { ScratchDatabase, createScratchDatabase } from './support/scratch-database';

/** The names of `first` and every migration after it, as a database migrated up to just before it runs them. */
const migrationsFrom = (first: (typeof MIGRATIONS)[number]): string[] => MIGRATIONS.slice(MIGRATIONS.indexOf(first)).map((m) => m.name);

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

const AUDIT_ROWS = 4000;

/**
 * The vault audit trail moves onto monthly partitions the same way, with its unknown-tenant records
 * (customer_id null before) keyed under NO_TENANT; the maintenance job then drops whole expired
 * months, and the offboarding's batches delete one tenant's rows from every partition and no other's.
 */
describe('moving the vault audit trail onto partitions', () => {
  let scratch: ScratchDatabase;
  let perTenant: Array<{ customer_id: string | null; n: number }>;

  const tenantCounts = async (): Promise<Array<{ customer_id: string | null; n: number }>> =>
    scratch.query(`SELECT customer_id, count(*)::int AS n FROM vault_event GROUP BY 1 ORDER BY 1 NULLS FIRST`);

  beforeAll(async () => {
    scratch = await createScratchDatabase('partvault');
    const ds: DataSource = createDataSource(scratch.url, DatabaseConfig.fromEnv(process.env));
    ds.setOptions({ migrations: MIGRATIONS.slice(0, MIGRATIONS.indexOf(PartitionVaultAudit1796710000000)) });
    await ds.initialize();
    try {
      await ds.runMigrations({ transaction: 'each' });
      // 100 days of audit records for 10 tenants; every 50th an API-key verification that matched no tenant (null, as written before).
      await ds.query(
        `INSERT INTO vault_event (customer_id, vault_id, item_name, action, outcome, actor, request_id, created_at)
         SELECT CASE WHEN g % 50 = 0 THEN NULL ELSE 'cus_' || (g % 10) END, CASE WHEN g % 50 = 0 THEN NULL ELSE 'vlt_' || (g % 40) END,
                'name-' || (g % 40), CASE WHEN g % 50 = 0 THEN 'verify' ELSE 'resolve' END, CASE WHEN g % 50 = 0 THEN 'invalid' ELSE 'success' END,
                'service:runner', NULL, now() - ((${AUDIT_ROWS} - g) * interval '36 minutes')
         FROM generate_series(1, $1) g`,
        [AUDIT_ROWS],
      );
    } finally {
      await ds.destroy();
    }
    perTenant = await tenantCounts();
  });
  afterAll(() => scratch.drop());

  it('is killed midway, keeps the live table writable (nulls of the previous release included), and completes on the rerun', async () => {
    const killed = await runScript('migration.ts', { DATABASE_URL: scratch.url, PARTITION_MOVE_BATCH_SIZE: '500' }, ['run'], /vault_event: 1500 rows copied/);
    expect(killed.signal).toBe('SIGKILL');
    const [kind] = await scratch.query<{ relkind: string }>(`SELECT relkind FROM pg_class WHERE relname = 'vault_event'`);
    expect(kind.relkind).toBe('r');
    const [midway] = await scratch.query<{ n: number; nulls: number }>(
      `SELECT (SELECT count(*)::int FROM vault_event__partitioned) AS n, (SELECT count(*)::int FROM vault_event WHERE customer_id IS NULL) AS nulls`,
    );
    expect(midway.n).toBeGreaterThanOrEqual(1500);
    expect(midway.n).toBeLessThan(AUDIT_ROWS);
    expect(midway.nulls).toBe(0);

    // Instances keep writing meanwhile, one of the previous release among them (it writes null for an unknown tenant).
    await scratch.query(
      `INSERT INTO vault_event (customer_id, vault_id, item_name, action, outcome, actor, request_id, created_at)
       VALUES (NULL, NULL, NULL, 'verify', 'invalid', 'service:old-release', NULL, now()), ('cus_1', 'vlt_1', 'name-1', 'resolve', 'success', 'service:late', NULL, now())`,
    );
    await scratch.query(`UPDATE vault_event SET outcome = 'error' WHERE id IN (1, ${AUDIT_ROWS - 1})`);
    await scratch.query(`DELETE FROM vault_event WHERE id IN (2, ${AUDIT_ROWS - 2})`);
    const before = await scratch.query<Record<string, unknown>>(`SELECT * FROM vault_event ORDER BY id`);

    const ds = await createDataSource(scratch.url, DatabaseConfig.fromEnv(process.env)).initialize();
    try {
      expect((await runMigrationsLocked(ds)).map((m) => m.name)[0]).toBe('PartitionVaultAudit1796710000000');
    } finally {
      await ds.destroy();
    }

    const [t] = await scratch.query<{ relkind: string }>(`SELECT relkind FROM pg_class WHERE relname = 'vault_event'`);
    expect(t.relkind).toBe('p');
    const parts = await scratch.query<{ name: string }>(`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'vault_event'::regclass`);
    expect(parts.map((p) => p.name)).toContain('vault_event_default');
    // 100 days back to two months ahead: at least 6 months.
    expect(parts.filter((p) => /^vault_event_p\d{6}$/.test(p.name)).length).toBeGreaterThanOrEqual(6);
    // Every row in its newest version, the deleted ones gone; the unknown tenant is NO_TENANT ('') everywhere.
    expect(await scratch.query(`SELECT * FROM vault_event ORDER BY id`)).toEqual(before);
    const nulls = perTenant.find((c) => c.customer_id === null)!.n;
    expect(await tenantCounts()).toEqual([
      { customer_id: '', n: nulls + 1 },
      ...perTenant
        .filter((c) => c.customer_id !== null)
        .map((c) => ({ customer_id: c.customer_id, n: c.n + (c.customer_id === 'cus_1' ? 1 : 0) - (c.customer_id === 'cus_2' || c.customer_id === `cus_${(AUDIT_ROWS - 2) % 10}` ? 1 : 0) })),
    ]);
    const [parked] = await scratch.query<{ n: number }>(`SELECT count(*)::int AS n FROM vault_event_default`);
    expect(parked.n).toBe(0);
    // The identity moved with the table, and a null tenant (an instance of the previous release) still lands under ''.
    const [next] = await scratch.query<{ id: string; customer_id: string; max: string }>(
      `WITH n AS (INSERT INTO vault_event (customer_id, action, outcome, actor, created_at) VALUES (NULL, 'verify', 'invalid', 'service:old-release', now()) RETURNING id, customer_id)
       SELECT n.id, n.customer_id, (SELECT max(id) FROM vault_event) AS max FROM n`,
    );
    expect(BigInt(next.id)).toBeGreaterThan(BigInt(next.max));
    expect(next.customer_id).toBe('');
    const leftovers = await scratch.query(`SELECT relname FROM pg_class WHERE relname LIKE 'vault\\_event\\_\\_%'`);
    expect(leftovers).toEqual([]);
    const triggers = await scratch.query(`SELECT tgname FROM pg_trigger WHERE tgname LIKE 'vault\\_event\\_\\_mirror'`);
    expect(triggers).toEqual([]);
  });

  it('drops whole expired months through the partition maintenance, and the rows of the default partition past the retention', async () => {
    const now = new Date();
    const jobs = { register: () => undefined, schedule: () => undefined } as unknown as JobQueue;
    const ds = await createDataSource(scratch.url, DatabaseConfig.fromEnv(process.env)).initialize();
    try {
      const maintenance = new PartitionMaintenance(ds, jobs, new FakeClock(now));
      new VaultAuditRetention(maintenance, VaultConfig.fromEnv({ VAULT_AUDIT_RETENTION_DAYS: '30' })).onModuleInit();
      // A record from long before the trail's first month: no partition covers it, the default one catches it.
      await ds.query(`INSERT INTO vault_event (customer_id, action, outcome, actor, created_at) VALUES ('cus_1', 'resolve', 'success', 'service:late', now() - interval '2 years')`);
      const cutoff = new Date(now.getTime() - 30 * 86_400_000);
      const expired = (await listPartitions(ds, 'vault_event')).filter((p) => nextPeriod(p.start, 'month').getTime() <= cutoff.getTime()).map((p) => p.name);
      expect(expired.length).toBeGreaterThanOrEqual(2);
      const run = await maintenance.run();
      expect(run.dropped).toEqual(expired);
      expect(run.deletedFromDefault).toBe(1);
      const [kept] = await ds.query<Array<{ oldest: Date }>>(`SELECT min(created_at) AS oldest FROM vault_event`);
      // The month holding the cutoff stays whole.
      expect(kept.oldest.getTime()).toBeGreaterThanOrEqual(periodStart(cutoff, 'month').getTime());
      expect(kept.oldest.getTime()).toBeLessThan(periodStart(cutoff, 'month').getTime() + 86_400_000);
      expect((await maintenance.run()).dropped).toEqual([]);
    } finally {
      await ds.destroy();
    }
  });

  it('offboarding deletes one tenant’s records from every partition and nobody else’s', async () => {
    const ds = await createDataSource(scratch.url, DatabaseConfig.fromEnv(process.env)).initialize();
    try {
      const before = await tenantCounts();
      const repo = new TenantOffboardingRepository(ds);
      const offboarding = await repo.record(ds.manager, 'cus_3', 'test', new Date());
      const step = OFFBOARDING_STEPS.find((s) => s.table === 'vault_event')!;
      let deleted = 0;
      for (let n = -1; n !== 0; deleted += n) n = await repo.deleteBatch(offboarding.id, 'cus_3', step, 100);
      expect(deleted).toBe(before.find((c) => c.customer_id === 'cus_3')!.n);
      expect(await tenantCounts()).toEqual(before.filter((c) => c.customer_id !== 'cus_3'));
    } finally {
      await ds.destroy();
    }
  });
});

const FAULTS = 300;
const KEYS = 3000;

/**
 * The fault timeline (given its fault's expiry first) and the idempotency keys move the same way: each
 * move is killed midway, the previous release keeps writing to the live table meanwhile (timeline
 * entries without an expiry, a key taken over with ON CONFLICT on the old unique key), and the rerun
 * completes both with every row in its newest version.
 */
describe('moving the fault timeline and the idempotency keys onto partitions', () => {
  let scratch: ScratchDatabase;

  beforeAll(async () => {
    scratch = await createScratchDatabase('partfault');
    const ds: DataSource = createDataSource(scratch.url, DatabaseConfig.fromEnv(process.env));
    ds.setOptions({ migrations: MIGRATIONS.slice(0, MIGRATIONS.indexOf(PartitionTimelineAndIdempotency1796700000000)) });
    await ds.initialize();
    try {
      await ds.runMigrations({ transaction: 'each' });
      // 300 faults of 10 tenants over the last 300 days (expiring over the next 4 to 14 months), 10 entries each.
      await ds.query(
        `INSERT INTO faults (id, customer_id, resource_id, microservice_id, type, status, severity, message, created_at, updated_at, ttl)
         SELECT 'flt_' || lpad(g::text, 27, '0'), 'cus_' || (g % 10), 'dev_' || g, 'm', 'wantunnel', 'unresolved', 'HIGH', 'down',
                now() - g * interval '1 day', now() - g * interval '1 day', extract(epoch FROM now() - g * interval '1 day')::bigint + 425 * 86400
         FROM generate_series(1, $1) g`,
        [FAULTS],
      );
      await ds.query(
        `INSERT INTO fault_timeline (customer_id, fault_id, at, kind, actor, details)
         SELECT f.customer_id, f.id, f.created_at + e * interval '1 hour', 'occurred', 'system', jsonb_build_object('n', e) FROM faults f, generate_series(0, 9) e`,
      );
      // Three days of keys: yesterday's and today's are live.
      await ds.query(
        `INSERT INTO fault_idempotency_keys (customer_id, key, request_hash, response_status, response_body, created_at, expires_at)
         SELECT 'cus_' || (g % 10), 'key-' || g, repeat('a', 64), 201, '{}', now() - g * interval '80 seconds', now() - g * interval '80 seconds' + interval '1 day'
         FROM generate_series(1, $1) g`,
        [KEYS],
      );
    } finally {
      await ds.destroy();
    }
  });
  afterAll(() => scratch.drop());

  const kind = async (table: string): Promise<string> => (await scratch.query<{ relkind: string }>(`SELECT relkind FROM pg_class WHERE relname = $1`, [table]))[0].relkind;
  const count = async (sql: string): Promise<number> => (await scratch.query<{ n: number }>(`SELECT (${sql})::int AS n`))[0].n;

  it('is killed midway in each table, keeps both writable, and completes on the rerun', async () => {
    const env = { DATABASE_URL: scratch.url, PARTITION_MOVE_BATCH_SIZE: '500' };
    const first = await runScript('migration.ts', env, ['run'], /fault_timeline: 1500 rows copied/);
    expect(first.signal).toBe('SIGKILL');
    expect(await kind('fault_timeline')).toBe('r');
    const midway = await count(`SELECT count(*) FROM fault_timeline__partitioned`);
    expect(midway).toBeGreaterThanOrEqual(1500);
    expect(midway).toBeLessThan(FAULTS * 10);
    // The previous release writes entries without an expiry: the fill trigger gives them their fault's.
    await scratch.query(`INSERT INTO fault_timeline (customer_id, fault_id, at, kind, actor, details) VALUES ('cus_1', 'flt_${'1'.padStart(27, '0')}', now(), 'commented', 'usr_late', '{}')`);
    await scratch.query(`UPDATE fault_timeline SET details = '{"v": 2}' WHERE fault_id IN ('flt_${'2'.padStart(27, '0')}', 'flt_${'299'.padStart(27, '0')}') AND details->>'n' = '0'`);
    await scratch.query(`DELETE FROM fault_timeline WHERE fault_id = 'flt_${'3'.padStart(27, '0')}' AND details->>'n' = '1'`);

    const second = await runScript('migration.ts', env, ['run'], /fault_idempotency_keys: 1500 rows copied/);
    expect(second.signal).toBe('SIGKILL');
    expect(await kind('fault_timeline')).toBe('p');
    expect(await kind('fault_idempotency_keys')).toBe('r');
    // The previous release: a new key, an expired key taken over on the old unique key, a stored answer, a deleted key.
    await scratch.query(
      `INSERT INTO fault_idempotency_keys (customer_id, key, request_hash, created_at, expires_at) VALUES ('cus_1', 'key-late', repeat('b', 64), now(), now() + interval '1 day'),
              ('cus_0', 'key-${KEYS}', repeat('b', 64), now(), now() + interval '1 day')
       ON CONFLICT (customer_id, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
       WHERE fault_idempotency_keys.expires_at <= EXCLUDED.created_at`,
    );
    await scratch.query(`UPDATE fault_idempotency_keys SET response_status = 200 WHERE key IN ('key-1', 'key-2999')`);
    await scratch.query(`DELETE FROM fault_idempotency_keys WHERE key IN ('key-2', 'key-2998')`);
    const keysBefore = await scratch.query(`SELECT * FROM fault_idempotency_keys ORDER BY customer_id, key`);

    const ds = await createDataSource(scratch.url, DatabaseConfig.fromEnv(process.env)).initialize();
    try {
      expect((await runMigrationsLocked(ds)).map((m) => m.name)[0]).toBe('PartitionTimelineAndIdempotency1796700000000');
    } finally {
      await ds.destroy();
    }

    for (const table of ['fault_timeline', 'fault_idempotency_keys']) {
      expect(await kind(table)).toBe('p');
      expect(await count(`SELECT count(*) FROM ${table}_default`)).toBe(0);
    }
    const months = await scratch.query<{ name: string }>(`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'fault_timeline'::regclass`);
    expect(months.filter((p) => /_p\d{6}$/.test(p.name)).length).toBeGreaterThanOrEqual(11);
    // Every entry kept in its newest version, each carrying its fault's expiry (in the partition of its month).
    expect(await count(`SELECT count(*) FROM fault_timeline`)).toBe(FAULTS * 10 + 1 - 1);
    expect(await count(`SELECT count(*) FROM fault_timeline t JOIN faults f ON f.id = t.fault_id WHERE t.fault_expires_at = to_timestamp(f.ttl)`)).toBe(FAULTS * 10);
    expect(await count(`SELECT count(*) FROM fault_timeline WHERE details = '{"v": 2}'`)).toBe(2);
    expect(await count(`SELECT count(*) FROM fault_timeline WHERE actor = 'usr_late'`)).toBe(1);
    expect(await count(`SELECT count(*) FROM fault_timeline WHERE tableoid::regclass::text <> 'fault_timeline_p' || to_char(fault_expires_at AT TIME ZONE 'UTC', 'YYYYMM')`)).toBe(0);
    expect(await scratch.query(`SELECT * FROM fault_idempotency_keys ORDER BY customer_id, key`)).toEqual(keysBefore);
    expect(keysBefore).toHaveLength(KEYS + 1 - 2);
    // The identity moved with the table; the cascade is gone (the partitions' drop is the purge), the ttl trigger is there.
    const [next] = await scratch.query<{ id: string; max: string }>(
      `WITH n AS (INSERT INTO fault_timeline (customer_id, fault_id, fault_expires_at, at, kind, actor, details)
                  SELECT customer_id, id, to_timestamp(ttl), now(), 'commented', 'usr_after', '{}' FROM faults WHERE id = 'flt_${'1'.padStart(27, '0')}' RETURNING id)
       SELECT n.id, (SELECT max(id) FROM fault_timeline WHERE actor <> 'usr_after') AS max FROM n`,
    );
    expect(BigInt(next.id)).toBeGreaterThan(BigInt(next.max));
    expect(await scratch.query(`SELECT conname FROM pg_constraint WHERE conrelid = 'fault_timeline'::regclass AND contype = 'f'`)).toEqual([]);
    // (faults itself moved onto partitions by the later PartitionFaults, which keeps the ttl trigger and adds the open keys' one; CorrelationOpenFaults adds the open faults' three, FaultHasSymptoms the roots' two, FaultTopCounts the top faults' two.)
    expect(await scratch.query(`SELECT tgname FROM pg_trigger WHERE tgrelid = 'faults'::regclass AND NOT tgisinternal AND tgparentid = 0 ORDER BY 1`)).toEqual([
      { tgname: 'faults_mark_root_insert' },
      { tgname: 'faults_mark_root_update' },
      { tgname: 'faults_open_keys' },
      { tgname: 'faults_open_paths_delete' },
      { tgname: 'faults_open_paths_insert' },
      { tgname: 'faults_open_paths_update' },
      { tgname: 'faults_top_window' },
      { tgname: 'faults_top_window_update' },
      { tgname: 'faults_ttl_moves_timeline' },
    ]);
    // (indexes left out: a partition's index of fault_path_segments_lookup_idx is named by PostgreSQL, truncated to "…_created_at__idx")
    expect(await scratch.query(`SELECT relname FROM pg_class WHERE relname LIKE 'fault\\_%\\_\\_%' AND relkind NOT IN ('i', 'I')`)).toEqual([]);
    expect(await scratch.query(`SELECT proname FROM pg_proc WHERE proname LIKE 'fault\\_%\\_\\_%'`)).toEqual([]);
  });
});

const MOVED_FAULTS = 3000;
const fid = (n: number): string => `flt_${String(n).padStart(27, '0')}`;

/**
 * faults moves onto monthly partitions by its ttl: the move is killed midway, the previous release
 * keeps reporting, resolving and deleting against the live table meanwhile (its unique open-key index
 * and its cascades still there), and the rerun completes with every fault in its newest version, in
 * the partition of its expiry month, fault_open_keys equal to the open faults' keys, and the foreign
 * keys into faults gone with their children kept.
 */
describe('moving the faults onto partitions by their expiry', () => {
  let scratch: ScratchDatabase;

  beforeAll(async () => {
    scratch = await createScratchDatabase('partfaults');
    const ds: DataSource = createDataSource(scratch.url, DatabaseConfig.fromEnv(process.env));
    ds.setOptions({ migrations: MIGRATIONS.slice(0, MIGRATIONS.indexOf(PartitionFaults1796750000000)) });
    await ds.initialize();
    try {
      await ds.runMigrations({ transaction: 'each' });
      // 3,000 faults of 10 tenants over the last 300 days (expiring over the next 4 to 14 months); every
      // third one open with a key of its own, every fifth commented, each with one path segment.
      await ds.query(
        `INSERT INTO faults (id, customer_id, resource_id, microservice_id, type, status, severity, message, created_at, updated_at, ttl, dedup_key)
         SELECT 'flt_' || lpad(g::text, 27, '0'), 'cus_' || (g % 10), 'dev_' || g, 'm', 'wantunnel', CASE WHEN g % 3 = 0 THEN 'unresolved' ELSE 'resolved' END, 'HIGH', 'down',
                now() - (g / 10) * interval '1 day', now() - (g / 10) * interval '1 day', extract(epoch FROM now() - (g / 10) * interval '1 day')::bigint + 425 * 86400,
                'key-' || g
         FROM generate_series(1, $1) g`,
        [MOVED_FAULTS],
      );
      await ds.query(`INSERT INTO fault_comments (id, fault_id, customer_id, user_id, comment, created_at) SELECT gen_random_uuid(), id, customer_id, 'u', 'c', created_at FROM faults WHERE right(id, 1) IN ('0', '5')`);
      await ds.query(`INSERT INTO fault_path_segments (fault_id, segment, customer_id, created_at) SELECT id, 'site_1', customer_id, created_at FROM faults`);
    } finally {
      await ds.destroy();
    }
  });
  afterAll(() => scratch.drop());

  const kind = async (table: string): Promise<string> => (await scratch.query<{ relkind: string }>(`SELECT relkind FROM pg_class WHERE relname = $1`, [table]))[0].relkind;
  const count = async (sql: string): Promise<number> => (await scratch.query<{ n: number }>(`SELECT (${sql})::int AS n`))[0].n;

  it('is killed midway, keeps the live table writable for the previous release, and completes on the rerun', async () => {
    const env = { DATABASE_URL: scratch.url, PARTITION_MOVE_BATCH_SIZE: '500' };
    const killed = await runScript('migration.ts', env, ['run'], /faults: 1500 rows copied/);
    expect(killed.signal).toBe('SIGKILL');
    expect(await kind('faults')).toBe('r');
    const midway = await count(`SELECT count(*) FROM faults__partitioned`);
    expect(midway).toBeGreaterThanOrEqual(1500);
    expect(midway).toBeLessThan(MOVED_FAULTS);

    // The previous release meanwhile: a repeat merged on the old unique open-key index (one copied, one not yet),
    // a new fault with a new key, a resolve, a reopen, and a delete whose cascade takes its comment and segment.
    const report = (id: string, customer: string, key: string): Promise<unknown> =>
      scratch.query(
        `INSERT INTO faults AS f (id, customer_id, resource_id, microservice_id, type, status, severity, message, created_at, updated_at, ttl, dedup_key)
         VALUES ($1, $2, 'dev_late', 'm', 'wantunnel', 'unresolved', 'HIGH', 'down', now(), now(), extract(epoch FROM now())::bigint + 425 * 86400, $3)
         ON CONFLICT (customer_id, dedup_key) WHERE status = 'unresolved' AND dedup_key IS NOT NULL DO UPDATE SET occurrences = f.occurrences + 1`,
        [id, customer, key],
      );
    await report('flt_late_repeat_1', 'cus_3', 'key-3');
    await report('flt_late_repeat_2', 'cus_4', 'key-2994');
    await report('flt_late_new', 'cus_1', 'key-late');
    await scratch.query(`UPDATE faults SET status = 'resolved', resolved_at = now() WHERE id IN ($1, $2)`, [fid(6), fid(2997)]);
    await scratch.query(`UPDATE faults SET status = 'unresolved', resolved_at = NULL WHERE id = $1`, [fid(2998)]);
    await scratch.query(`DELETE FROM faults WHERE id IN ($1, $2)`, [fid(10), fid(2990)]);
    const before = await scratch.query<Record<string, unknown>>(`SELECT * FROM faults ORDER BY customer_id, id`);
    const comments = await count(`SELECT count(*) FROM fault_comments`);
    const segments = await count(`SELECT count(*) FROM fault_path_segments`);

    const ds = await createDataSource(scratch.url, DatabaseConfig.fromEnv(process.env)).initialize();
    try {
      expect((await runMigrationsLocked(ds)).map((m) => m.name)).toEqual(migrationsFrom(PartitionFaults1796750000000));
    } finally {
      await ds.destroy();
    }

    expect(await kind('faults')).toBe('p');
    // The later CorrelationOpenFaults found the moved faults: every unresolved one, and only those.
    expect(await scratch.query(`SELECT DISTINCT customer_id, fault_id AS id FROM fault_open_paths ORDER BY 1, 2`)).toEqual(
      await scratch.query(`SELECT customer_id, id FROM faults WHERE status = 'unresolved' ORDER BY 1, 2`),
    );
    expect(await count(`SELECT count(*) FROM faults_default`)).toBe(0);
    // Every fault in its newest version, in the partition of its expiry month.
    // The columns there were before (later migrations add their own).
    expect(await scratch.query(`SELECT ${Object.keys(before[0]).join(', ')} FROM faults ORDER BY customer_id, id`)).toEqual(before);
    expect(before).toHaveLength(MOVED_FAULTS + 1 - 2);
    expect(await count(`SELECT occurrences FROM faults WHERE id = '${fid(3)}'`)).toBe(2);
    expect(await count(`SELECT occurrences FROM faults WHERE id = '${fid(2994)}'`)).toBe(2);
    expect(await count(`SELECT count(*) FROM faults WHERE tableoid::regclass::text <> 'faults_p' || to_char(to_timestamp(ttl) AT TIME ZONE 'UTC', 'YYYYMM')`)).toBe(0);
    // The open keys: exactly the unresolved faults' keys, each naming its fault and expiry.
    expect(await scratch.query(`SELECT customer_id, dedup_key, fault_id, fault_ttl FROM fault_open_keys ORDER BY 1, 2`)).toEqual(
      await scratch.query(`SELECT customer_id, dedup_key, id AS fault_id, ttl AS fault_ttl FROM faults WHERE status = 'unresolved' AND dedup_key IS NOT NULL ORDER BY 1, 2`),
    );
    expect(await count(`SELECT count(*) FROM fault_open_keys`)).toBe(MOVED_FAULTS / 3 - 2 + 1 + 1);
    // The children stay (PartitionFaultChildren then moved them onto partitions of their own); the foreign keys into faults are gone; the key carries the partition key.
    expect(await count(`SELECT count(*) FROM fault_comments`)).toBe(comments);
    expect(await count(`SELECT count(*) FROM fault_path_segments`)).toBe(segments);
    expect(await scratch.query(`SELECT conname FROM pg_constraint WHERE confrelid = 'faults'::regclass`)).toEqual([]);
    expect(await scratch.query(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'faults'::regclass AND contype = 'p'`)).toEqual([
      { def: 'PRIMARY KEY (customer_id, id, ttl)' },
    ]);
    // The open-key rule now holds through fault_open_keys: a second open fault with a taken key is refused.
    await expect(
      scratch.query(
        `INSERT INTO faults (id, customer_id, resource_id, microservice_id, type, status, severity, message, created_at, updated_at, ttl, dedup_key)
         VALUES ('flt_dup', 'cus_1', 'dev', 'm', 'wantunnel', 'unresolved', 'HIGH', 'down', now(), now(), extract(epoch FROM now())::bigint + 86400, 'key-late')`,
      ),
    ).rejects.toMatchObject({ code: '23505', constraint: 'fault_open_keys_pkey' });
    expect(await scratch.query(`SELECT relname FROM pg_class WHERE relname LIKE 'faults\\_\\_%'`)).toEqual([]);
    expect(await scratch.query(`SELECT proname FROM pg_proc WHERE proname = 'faults__mirror'`)).toEqual([]);
  });

  it('drops a month once it is over, with its faults\' comments, path segments, open keys and open-fault rows', async () => {
    const jobs = { register: () => undefined, schedule: () => undefined } as unknown as JobQueue;
    const [{ ttl }] = await scratch.query<{ ttl: string }>(`SELECT min(ttl)::text AS ttl FROM faults`);
    const month = periodStart(new Date(Number(ttl) * 1000), 'month');
    const ds = await createDataSource(scratch.url, DatabaseConfig.fromEnv(process.env)).initialize();
    try {
      // The month is over: every fault in it has expired. Registered as FaultPurgeService registers them.
      const maintenance = new PartitionMaintenance(ds, jobs, new FakeClock(nextPeriod(month, 'month')));
      const purge = new FaultPurgeRepository(ds);
      maintenance.register(faultPartitions(425, (_partition, start, end) => purge.deleteOpenRows(start.getTime() / 1000, end.getTime() / 1000)));
      for (const children of faultChildrenPartitions(425)) maintenance.register(children);
      const yyyymm = month.toISOString().slice(0, 7).replace('-', '');
      const partition = `faults_p${yyyymm}`;
      const faults = await count(`SELECT count(*) FROM ${partition}`);
      expect(faults).toBeGreaterThan(100);
      for (const open of ['fault_open_keys', 'fault_open_paths']) expect(await count(`SELECT count(*) FROM ${open} WHERE fault_id IN (SELECT id FROM ${partition})`)).toBeGreaterThan(0);
      // The month's comments and segments sit in their own partitions of that month, and only those of its faults.
      expect(await count(`SELECT count(*) FROM fault_comments_p${yyyymm}`)).toBeGreaterThan(10);
      expect(await count(`SELECT count(*) FROM fault_path_segments_p${yyyymm}`)).toBe(faults);
      const total = await count(`SELECT count(*) FROM faults`);
      const segments = await count(`SELECT count(*) FROM fault_path_segments`);
      const run = await maintenance.run();
      expect(run.dropped).toEqual([partition, `fault_comments_p${yyyymm}`, `fault_path_segments_p${yyyymm}`]);
      expect(await count(`SELECT count(*) FROM faults`)).toBe(total - faults);
      expect(await count(`SELECT count(*) FROM fault_path_segments`)).toBe(segments - faults);
      for (const child of ['fault_comments', 'fault_path_segments']) {
        expect(await count(`SELECT count(*) FROM ${child} c WHERE NOT EXISTS (SELECT 1 FROM faults f WHERE f.customer_id = c.customer_id AND f.id = c.fault_id)`)).toBe(0);
      }
      for (const open of ['fault_open_keys', 'fault_open_paths']) {
        expect(await count(`SELECT count(*) FROM ${open} k WHERE NOT EXISTS (SELECT 1 FROM faults f WHERE f.customer_id = k.customer_id AND f.id = k.fault_id)`)).toBe(0);
      }
    } finally {
      await ds.destroy();
    }
  });
});

const PARENTS = 600;
const cid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/**
 * A fault's comments and path segments move onto monthly partitions by their fault's ttl: the fill of
 * fault_ttl is killed midway, then the copy; the previous release keeps commenting, reporting (a fault
 * and its segments in one statement), editing and deleting against the live tables meanwhile, writing
 * no fault_ttl; the rerun completes with every row in its newest version, carrying its fault's ttl, in
 * the partition of that month, and the children of faults already gone left out.
 */
describe('moving the faults\' comments and path segments onto partitions by their fault\'s expiry', () => {
  let scratch: ScratchDatabase;

  beforeAll(async () => {
    scratch = await createScratchDatabase('partchildren');
    const ds: DataSource = createDataSource(scratch.url, DatabaseConfig.fromEnv(process.env));
    ds.setOptions({ migrations: MIGRATIONS.slice(0, MIGRATIONS.indexOf(PartitionFaultChildren1796770000000)) });
    await ds.initialize();
    try {
      await ds.runMigrations({ transaction: 'each' });
      // 600 faults of 10 tenants over the last 300 days (expiring over the next 4 to 14 months), two comments and three segments each.
      await ds.query(
        `INSERT INTO faults (id, customer_id, resource_id, microservice_id, type, status, severity, message, created_at, updated_at, ttl)
         SELECT 'flt_' || lpad(g::text, 27, '0'), 'cus_' || (g % 10), 'dev_' || g, 'm', 'wantunnel', 'resolved', 'HIGH', 'down',
                now() - (g / 2) * interval '1 day', now() - (g / 2) * interval '1 day', extract(epoch FROM now() - (g / 2) * interval '1 day')::bigint + 425 * 86400
         FROM generate_series(1, $1) g`,
        [PARENTS],
      );
      await ds.query(
        `INSERT INTO fault_comments (id, fault_id, customer_id, user_id, comment, created_at)
         SELECT ('00000000-0000-4000-8000-' || lpad((n * 10 + c)::text, 12, '0'))::uuid, f.id, f.customer_id, 'u', 'c' || c, f.created_at
         FROM (SELECT id, customer_id, created_at, right(id, 6)::int AS n FROM faults) f, generate_series(1, 2) c`,
      );
      await ds.query(
        `INSERT INTO fault_path_segments (fault_id, segment, customer_id, created_at) SELECT f.id, s, f.customer_id, f.created_at FROM faults f, unnest(ARRAY['site_1', 'rack_1', f.resource_id]) s`,
      );
      // Children of faults already gone (deleted from the default partition, or by the previous release's row-by-row purge).
      await ds.query(`INSERT INTO fault_comments (id, fault_id, customer_id, user_id, comment, created_at) VALUES ($1, 'flt_gone', 'cus_1', 'u', 'orphan', now())`, [cid(1)]);
      await ds.query(`INSERT INTO fault_path_segments (fault_id, segment, customer_id, created_at) VALUES ('flt_gone', 'site_1', 'cus_1', now())`);
    } finally {
      await ds.destroy();
    }
  });
  afterAll(() => scratch.drop());

  const kind = async (table: string): Promise<string> => (await scratch.query<{ relkind: string }>(`SELECT relkind FROM pg_class WHERE relname = $1`, [table]))[0].relkind;
  const count = async (sql: string): Promise<number> => (await scratch.query<{ n: number }>(`SELECT (${sql})::int AS n`))[0].n;
  /** The previous release's report: the fault and its path segments in one statement, no fault_ttl. */
  const report = (id: string): Promise<unknown> =>
    scratch.query(
      `WITH reported AS (
         INSERT INTO faults (id, customer_id, resource_id, microservice_id, type, status, severity, message, created_at, updated_at, ttl)
         VALUES ($1, 'cus_1', 'dev_late', 'm', 'wantunnel', 'unresolved', 'HIGH', 'down', now(), now(), extract(epoch FROM now())::bigint + 425 * 86400)
         RETURNING id, customer_id, created_at
       ) INSERT INTO fault_path_segments (fault_id, segment, customer_id, created_at) SELECT r.id, s, r.customer_id, r.created_at FROM reported r, unnest(ARRAY['site_9', 'dev_late']) s`,
      [id],
    );
  /** The previous release's DELETE /fault/{id}: the children explicitly, then the fault. */
  const deleteFault = async (id: string): Promise<void> => {
    for (const table of ['fault_comments', 'fault_path_segments']) await scratch.query(`DELETE FROM ${table} WHERE customer_id = $1 AND fault_id = $2`, [`cus_${Number(id.slice(-3)) % 10}`, id]);
    await scratch.query(`DELETE FROM faults WHERE id = $1`, [id]);
  };

  it('is killed midway in the fill and in the copy, keeps both tables writable for the previous release, and completes on the rerun', async () => {
    const env = { DATABASE_URL: scratch.url, PARTITION_MOVE_BATCH_SIZE: '250' };
    // (the first batch also deletes the orphan: the count given passes 500 at the second or third batch)
    const first = await runScript('migration.ts', env, ['run'], /fault_comments: [5-9]\d\d rows given their fault_ttl/);
    expect(first.signal).toBe('SIGKILL');
    expect(await kind('fault_comments')).toBe('r');
    const filled = await count(`SELECT count(*) FROM fault_comments WHERE fault_ttl IS NOT NULL`);
    expect(filled).toBeGreaterThanOrEqual(500);
    expect(filled).toBeLessThan(PARENTS * 2);
    // The previous release meanwhile, writing no fault_ttl: the fill trigger gives its rows their fault's.
    await scratch.query(`INSERT INTO fault_comments (id, fault_id, customer_id, user_id, comment, created_at) VALUES ($1, $2, 'cus_1', 'usr_late', 'late', now())`, [cid(2), fid(591)]);
    await scratch.query(`UPDATE fault_comments SET comment = 'edited' WHERE fault_id IN ($1, $2) AND comment = 'c1'`, [fid(1), fid(599)]);
    await report('flt_late_1');
    await deleteFault(fid(2));
    // A comment on a fault gone meanwhile is not written: it could never be read.
    await scratch.query(`INSERT INTO fault_comments (id, fault_id, customer_id, user_id, comment, created_at) VALUES ($1, 'flt_gone', 'cus_1', 'usr_late', 'late', now())`, [cid(3)]);

    const second = await runScript('migration.ts', env, ['run'], /fault_path_segments: 1000 rows copied onto partitions/);
    expect(second.signal).toBe('SIGKILL');
    expect(await kind('fault_comments')).toBe('p');
    expect(await kind('fault_path_segments')).toBe('r');
    expect(await count(`SELECT count(*) FROM fault_path_segments WHERE fault_ttl IS NULL`)).toBe(0);
    // The previous release goes on against the live segments (the mirror carries it) ...
    await report('flt_late_2');
    await scratch.query(`UPDATE fault_path_segments SET created_at = created_at - interval '1 second' WHERE fault_id = $1`, [fid(598)]);
    await deleteFault(fid(597));
    // ... but its comments now fail on the partitioned table (no fault_ttl: the deploy note's reason to replace it then).
    await expect(
      scratch.query(`INSERT INTO fault_comments (id, fault_id, customer_id, user_id, comment, created_at) VALUES ($1, $2, 'cus_1', 'usr_late', 'late', now())`, [cid(4), fid(581)]),
    ).rejects.toMatchObject({ code: '23502' });
    const columns = 'customer_id, fault_id, segment, created_at';
    const segmentsBefore = await scratch.query(`SELECT ${columns} FROM fault_path_segments WHERE fault_id <> 'flt_gone' ORDER BY customer_id, fault_id, segment`);
    const commentsBefore = await scratch.query(`SELECT * FROM fault_comments ORDER BY customer_id, id`);

    const ds = await createDataSource(scratch.url, DatabaseConfig.fromEnv(process.env)).initialize();
    try {
      expect((await runMigrationsLocked(ds)).map((m) => m.name)).toEqual(migrationsFrom(PartitionFaultChildren1796770000000));
    } finally {
      await ds.destroy();
    }

    for (const table of ['fault_comments', 'fault_path_segments']) {
      expect(await kind(table)).toBe('p');
      expect(await count(`SELECT count(*) FROM ${table}_default`)).toBe(0);
      // Every row carries its fault's ttl and sits in the partition of that month; none of a fault that is gone.
      expect(await count(`SELECT count(*) FROM ${table} c JOIN faults f ON f.customer_id = c.customer_id AND f.id = c.fault_id AND f.ttl = c.fault_ttl`)).toBe(await count(`SELECT count(*) FROM ${table}`));
      expect(await count(`SELECT count(*) FROM ${table} WHERE tableoid::regclass::text <> '${table}_p' || to_char(to_timestamp(fault_ttl) AT TIME ZONE 'UTC', 'YYYYMM')`)).toBe(0);
      const months = await scratch.query<{ name: string }>(`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass`, [table]);
      expect(months.filter((p) => /_p\d{6}$/.test(p.name)).length).toBeGreaterThanOrEqual(11);
    }
    // Every row in its newest version: the previous release's writes kept, its deletes honoured, the orphans gone.
    expect(await scratch.query(`SELECT ${columns} FROM fault_path_segments ORDER BY customer_id, fault_id, segment`)).toEqual(segmentsBefore);
    expect(segmentsBefore).toHaveLength(PARENTS * 3 + 2 + 2 - 3 - 3);
    expect(await scratch.query(`SELECT * FROM fault_comments ORDER BY customer_id, id`)).toEqual(commentsBefore);
    expect(commentsBefore).toHaveLength(PARENTS * 2 + 1 - 2 - 2);
    expect(await count(`SELECT count(*) FROM fault_comments WHERE comment = 'edited'`)).toBe(2);
    expect(await count(`SELECT count(*) FROM fault_comments WHERE user_id = 'usr_late'`)).toBe(1);
    expect(await count(`SELECT count(*) FROM fault_path_segments WHERE fault_id IN ('flt_late_1', 'flt_late_2')`)).toBe(4);
    // Keys tenant first, the partition key last, no foreign key; nothing of the move left behind.
    expect(
      await scratch.query(
        `SELECT conrelid::regclass::text AS t, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid IN ('fault_comments'::regclass, 'fault_path_segments'::regclass) AND contype IN ('p', 'f') ORDER BY 1`,
      ),
    ).toEqual([
      { t: 'fault_comments', def: 'PRIMARY KEY (customer_id, id, fault_ttl)' },
      { t: 'fault_path_segments', def: 'PRIMARY KEY (customer_id, fault_id, segment, fault_ttl)' },
    ]);
    // (indexes left out: a partition's index of fault_path_segments_lookup_idx is named by PostgreSQL, truncated to "…_created_at__idx")
    expect(await scratch.query(`SELECT relname FROM pg_class WHERE relname LIKE 'fault\\_%\\_\\_%' AND relkind NOT IN ('i', 'I')`)).toEqual([]);
    expect(await scratch.query(`SELECT proname FROM pg_proc WHERE proname LIKE 'fault\\_%\\_\\_%'`)).toEqual([]);
    expect(await scratch.query(`SELECT tgname FROM pg_trigger WHERE tgrelid IN ('fault_comments'::regclass, 'fault_path_segments'::regclass) AND NOT tgisinternal`)).toEqual([]);
  });
});
