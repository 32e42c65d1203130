import { DataSource } from 'typeorm';
import { CorrelationOpenFaults1796760000000 } from '../../src/database/migrations/1796760000000-CorrelationOpenFaults';
import { clockedTenantSuite } from '../support/clocked-tenant-suite';
import { databaseBeforeMigration } from '../support/database-before-migration';
import { newTenant } from '../support/tokens';
import { pathSegments } from '../../src/fault/ancestry-path';
import { faultReport, report } from './support';

const DAY = 86_400_000;

/** fault_open_paths (what correlation reads instead of the partitioned tables), one line per row. */
async function openRows(db: DataSource, customerId: string): Promise<string[]> {
  const rows: Array<{ row: string }> = await db.query(
    `SELECT fault_id || ' ' || segment || ' ' || own || ' ' || fault_ttl || ' ' || extract(epoch FROM created_at)::bigint AS row FROM fault_open_paths WHERE customer_id = $1`,
    [customerId],
  );
  return rows.map((r) => r.row).sort();
}

/** The truth: the tenant's unresolved faults, split by the code's own pathSegments() (as the report's ancestors are), and each one's resource. */
async function unresolvedFaults(db: DataSource, customerId: string): Promise<string[]> {
  const faults: Array<{ id: string; resource_id: string; resource_ancestry_path: string | null; ttl: string; created: string }> = await db.query(
    `SELECT id, resource_id, resource_ancestry_path, ttl::text AS ttl, extract(epoch FROM created_at)::bigint::text AS created FROM faults WHERE customer_id = $1 AND status = 'unresolved'`,
    [customerId],
  );
  return faults
    .flatMap((f) => [...new Set([...pathSegments(f.resource_ancestry_path), f.resource_id])].map((segment) => `${f.id} ${segment} ${segment === f.resource_id} ${f.ttl} ${f.created}`))
    .sort();
}

describe('Fault intelligence: the open faults correlation reads (fault_open_paths)', () => {
  const fx = clockedTenantSuite({ env: { JOBS_SCHEMA: 'jobs_open_faults_e2e', FAULT_RETENTION_DAYS: '2' }, tokenExpiresInSeconds: 10 * 86_400 });

  /** Checks fault_open_paths against the truth; answers the unresolved faults' ids. */
  const expectInStep = async (): Promise<string[]> => {
    const truth = await unresolvedFaults(fx.db, fx.tenant);
    expect(await openRows(fx.db, fx.tenant)).toEqual(truth);
    return [...new Set(truth.map((row) => row.split(' ')[0]))];
  };

  it('holds exactly the unresolved faults through report, repeat, resolve, reopen, bulk, PATCH and DELETE', async () => {
    const site = await report(fx.t, fx.token, faultReport('site_a', 'site_a', { dedup_key: 'site-a-down' }));
    const dev = await report(fx.t, fx.token, faultReport('dev_1', 'site_a|dev_1'));
    const other = await report(fx.t, fx.token, faultReport('dev_2', 'site_a|dev_2'));
    // Split as pathSegments() splits it: trimmed (JavaScript's whitespace), no empties, no repeats; the resource need not be in it.
    const odd = await report(fx.t, fx.token, faultReport('dev_9', '\u00a0site_a\t| |site_a|rack_1 \u3000| rack_1'));
    expect(await expectInStep()).toHaveLength(4);
    expect(await openRows(fx.db, fx.tenant)).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^${odd.id} rack_1 false `))]));
    expect((await fx.t.request('DELETE', `/fault/${odd.id}`, { token: fx.token })).status).toBe(204);
    expect(await expectInStep()).toHaveLength(3);

    await report(fx.t, fx.token, faultReport('site_a', 'site_a', { dedup_key: 'site-a-down' })); // a repeat
    expect(await expectInStep()).toHaveLength(3);

    expect((await fx.t.request('POST', '/fault/resolve', { token: fx.token, body: { dedup_key: 'site-a-down' } })).status).toBe(200);
    expect(await expectInStep()).toHaveLength(2);
    const reopened = await report(fx.t, fx.token, faultReport('site_a', 'site_a', { dedup_key: 'site-a-down' }));
    expect(reopened.id).toBe(site.id);
    expect(await expectInStep()).toHaveLength(3);

    expect((await fx.t.request('POST', '/fault/bulk', { token: fx.token, body: { action: 'resolve', ids: [dev.id, other.id] } })).status).toBe(200);
    expect(await expectInStep()).toHaveLength(1);
    expect((await fx.t.request('PATCH', `/fault/${dev.id}`, { token: fx.token, body: { status: 'unresolved' } })).status).toBe(200);
    expect((await fx.t.request('PATCH', `/fault/${dev.id}`, { token: fx.token, body: { acknowledged: true } })).status).toBe(200);
    expect(await expectInStep()).toHaveLength(2);

    expect((await fx.t.request('DELETE', `/fault/${site.id}`, { token: fx.token })).status).toBe(204);
    expect(await expectInStep()).toEqual([dev.id]);
  });

  it('an ancestor’s fault stops being a root when it is resolved or has expired, and is one again reopened', async () => {
    const site = await report(fx.t, fx.token, faultReport('site_b', 'site_b', { dedup_key: 'site-b-down' }));
    expect((await report(fx.t, fx.token, faultReport('dev_1', 'site_b|dev_1'))).root_fault_id).toBe(site.id);
    await fx.t.request('POST', '/fault/resolve', { token: fx.token, body: { dedup_key: 'site-b-down' } });
    expect((await report(fx.t, fx.token, faultReport('dev_2', 'site_b|dev_2'))).root_fault_id).toBeNull();
    await report(fx.t, fx.token, faultReport('site_b', 'site_b', { dedup_key: 'site-b-down' }));
    expect((await report(fx.t, fx.token, faultReport('dev_3', 'site_b|dev_3'))).root_fault_id).toBe(site.id);

    // Still unresolved, but past its ttl (FAULT_RETENTION_DAYS 2): hidden from every read, and no root.
    fx.clock.advance(2 * DAY + 1000);
    expect((await report(fx.t, fx.token, faultReport('dev_4', 'site_b|dev_4'))).root_fault_id).toBeNull();
  });

  it('keeps tenants apart', async () => {
    const mine = await report(fx.t, fx.token, faultReport('site_c', 'site_c'));
    const elsewhere = newTenant();
    const theirs = await fx.db.query(`SELECT count(*)::int AS n FROM fault_open_paths WHERE customer_id = $1`, [elsewhere]);
    expect(theirs).toEqual([{ n: 0 }]);
    expect(await openRows(fx.db, fx.tenant)).toEqual([expect.stringMatching(new RegExp(`^${mine.id} site_c true `))]);
  });
});

describe('Migration CorrelationOpenFaults on a database with faults', () => {
  const db = databaseBeforeMigration('openfaults', CorrelationOpenFaults1796760000000);

  it('copies the unresolved faults already there (in batches, across partitions), and a rerun changes nothing', async () => {
    const { ds } = db;
    const tenants = [newTenant(), newTenant()];
    const now = Math.floor(Date.now() / 1000);
    // 12,000 faults over two tenants and several months of expiry, one in three unresolved: more than two batches.
    await ds.query(
      `INSERT INTO faults (id, customer_id, resource_id, microservice_id, type, status, severity, message, resource_ancestry_path, created_at, updated_at, ttl, occurrences, last_occurred_at, silenced)
       SELECT 'flt_mig' || lpad(i::text, 6, '0'), ($1::varchar[])[1 + i % 2], 'dev_' || (i % 50), 'netmon', 'dev', CASE WHEN i % 3 = 0 THEN 'unresolved' ELSE 'resolved' END,
              'HIGH', 'down', 'site_' || (i % 5) || '|dev_' || (i % 50), now() - make_interval(secs => i), now(), $2::bigint + (i % 4) * 2678400, 1, now(), false
       FROM generate_series(1, 12000) AS i`,
      [tenants, now + 86_400],
    );
    const migration = db.migration();
    const runner = ds.createQueryRunner();
    try {
      await migration.up(runner);
      for (const tenant of tenants) {
        const truth = await unresolvedFaults(ds, tenant);
        expect(truth).toHaveLength(4000); // 2,000 open faults, a site and a device row each
        expect(await openRows(ds, tenant)).toEqual(truth);
      }
      await migration.up(runner);
      for (const tenant of tenants) expect(await openRows(ds, tenant)).toEqual(await unresolvedFaults(ds, tenant));
    } finally {
      await runner.release();
    }
    await db.recordApplied();
  });
});
