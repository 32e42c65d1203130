import { DataSource } from 'typeorm';
import { FaultHasSymptoms1796780000000 } from '../../src/database/migrations/1796780000000-FaultHasSymptoms';
import { clockedTenantSuite } from '../support/clocked-tenant-suite';
import { databaseBeforeMigration } from '../support/database-before-migration';
import { newTenant, userToken } from '../support/tokens';
import { faultReport, report } from './support';

/** The tenant's faults that have_symptoms, by id. */
async function flagged(db: DataSource, customerId: string): Promise<string[]> {
  const rows: Array<{ id: string }> = await db.query(`SELECT id FROM faults WHERE customer_id = $1 AND has_symptoms ORDER BY id`, [customerId]);
  return rows.map((r) => r.id);
}

/** The truth: every fault of the tenant that some fault names as its root. */
async function roots(db: DataSource, customerId: string): Promise<string[]> {
  const rows: Array<{ id: string }> = await db.query(`SELECT DISTINCT root_fault_id AS id FROM faults WHERE customer_id = $1 AND root_fault_id IS NOT NULL ORDER BY 1`, [customerId]);
  return rows.map((r) => r.id);
}

/** has_symptoms: which faults count their symptoms (the others answer symptom_count 0 without a probe of every partition). */
describe('Fault intelligence: the roots marked by has_symptoms', () => {
  const fx = clockedTenantSuite({ env: { JOBS_SCHEMA: 'jobs_symptom_flag_e2e', FAULT_CORRELATION_WINDOW_SECONDS: '300' } });
  const get = async (token: string, id: string): Promise<Record<string, any>> => (await fx.t.request('GET', `/fault/${id}`, { token })).body;

  it('marks exactly the roots, whichever way a fault got its root, and keeps tenants apart', async () => {
    const other = newTenant();
    const otherToken = userToken(other);
    // The same topology in another tenant, with no site fault: nothing there is a root.
    const elsewhere = await report(fx.t, otherToken, faultReport('dev_a', 'site_north|rack_7|dev_a'));
    // Rooted when reported (an open site fault above), adopted later (a nearer rack fault reported after the device).
    const site = await report(fx.t, fx.token, faultReport('site_north', 'site_north'));
    const dev = await report(fx.t, fx.token, faultReport('dev_a', 'site_north|rack_7|dev_a'));
    const lone = await report(fx.t, fx.token, faultReport('dev_z', 'site_south|dev_z'));
    const rack = await report(fx.t, fx.token, faultReport('rack_7', 'site_north|rack_7'));
    expect((await get(fx.token, dev.id)).root_fault_id).toBe(rack.id);
    expect(await flagged(fx.db, fx.tenant)).toEqual([site.id, rack.id].sort());
    expect(await flagged(fx.db, fx.tenant)).toEqual(await roots(fx.db, fx.tenant));
    expect(await flagged(fx.db, other)).toEqual([]);
    expect((await get(otherToken, elsewhere.id)).symptom_count).toBe(0);
    expect((await get(fx.token, lone.id)).symptom_count).toBe(0);

    // A root stays marked when its symptoms go; its count follows them (0 here: the dev moved to the rack).
    expect((await get(fx.token, site.id)).symptom_count).toBe(1);
    expect((await fx.t.request('DELETE', `/fault/${dev.id}`, { token: fx.token })).status).toBe(204);
    expect((await get(fx.token, rack.id)).symptom_count).toBe(0);
    expect(await flagged(fx.db, fx.tenant)).toEqual([site.id, rack.id].sort());
  });
});

describe('Migration FaultHasSymptoms on a database with roots', () => {
  const db = databaseBeforeMigration('hassymptoms', FaultHasSymptoms1796780000000);

  it('marks the roots already there (across partitions and tenants), a rerun changes nothing, and its triggers mark later roots', async () => {
    const { ds } = db;
    const tenants = [newTenant(), newTenant()];
    const now = Math.floor(Date.now() / 1000);
    // 3,000 faults over two tenants and four months of expiry; every tenth is the root of the nine after it.
    await ds.query(
      `INSERT INTO faults (id, customer_id, resource_id, microservice_id, type, status, severity, message, created_at, updated_at, ttl, occurrences, last_occurred_at, silenced, root_fault_id)
       SELECT 'flt_sym' || lpad(i::text, 6, '0'), ($1::varchar[])[1 + (i / 10) % 2], 'dev_' || i, 'netmon', 'dev', 'unresolved', 'HIGH', 'down',
              now() - make_interval(secs => i), now(), $2::bigint + (i % 4) * 2678400, 1, now(), false,
              CASE WHEN i % 10 = 0 THEN NULL ELSE 'flt_sym' || lpad((i / 10 * 10)::text, 6, '0') END
       FROM generate_series(0, 2999) AS i`,
      [tenants, now + 86_400],
    );
    const migration = db.migration();
    const runner = ds.createQueryRunner();
    try {
      await migration.up(runner);
      for (const tenant of tenants) {
        const truth = await roots(ds, tenant);
        expect(truth).toHaveLength(150);
        expect(await flagged(ds, tenant)).toEqual(truth);
      }
      await migration.up(runner);
      for (const tenant of tenants) expect(await flagged(ds, tenant)).toEqual(await roots(ds, tenant));
    } finally {
      await runner.release();
    }
    // A fault given a root later, by any statement: the trigger marks the root in the same transaction.
    await ds.query(`UPDATE faults SET root_fault_id = 'flt_sym000011' WHERE id = 'flt_sym000012'`);
    expect(await flagged(ds, tenants[1])).toContain('flt_sym000011');
    for (const tenant of tenants) expect(await flagged(ds, tenant)).toEqual(await roots(ds, tenant));
    await db.recordApplied();
  });
});
