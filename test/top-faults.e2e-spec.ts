import { DataSource } from 'typeorm';
import { Clock } from '../src/common/clock';
import { TopFaultsService } from '../src/fault/top-faults/top-faults.service';
import { FakeClock } from './support/fake-clock';
import { TestApp, startTestApp } from './support/test-app';
import { newTenant, userTokenIssuedAt } from './support/tokens';
import { waitFor } from './support/wait-for';

const DAY_MS = 86_400_000;
type Ranked = Array<[string, number]>;

/**
 * GET /fault/top_faults answers from fault_top_counts (kept by the trigger faults_top_window and the
 * fault-top-window sweep), and must answer exactly what the aggregate of the window's faults answers:
 * through reports, merges, deletes, ttl changes (rows moving between partitions), faults leaving the
 * window by age and by expiry, before and after the sweep, and with a clock behind the sweep's.
 */
describe('GET /fault/top_faults from kept counts', () => {
  let t: TestApp;
  let ds: DataSource;
  let sweep: TopFaultsService;
  const clock = new FakeClock();

  beforeAll(async () => {
    t = await startTestApp({ override: (b) => b.overrideProvider(Clock).useValue(clock) });
    ds = t.app.get(DataSource);
    sweep = t.app.get(TopFaultsService);
  });
  afterAll(() => t.close());
  beforeEach(() => (clock.current = new Date()));

  const tenantWithToken = (): { tenant: string; token: string } => {
    const tenant = newTenant();
    // Issued 60 days back: the clock moves up to 20 days into the past.
    return { tenant, token: userTokenIssuedAt(tenant, Math.floor(Date.now() / 1000) - 60 * DAY_MS / 1000, 'usr_top') };
  };
  const report = async (token: string, resource: string, dedupKey?: string): Promise<{ id: string }> => {
    const res = await t.request('POST', '/fault', {
      token,
      body: { resource_id: resource, microservice_id: 'mon', type: 'wantunnel', severity: 'HIGH', message: `down ${resource}`, ...(dedupKey ? { dedup_key: dedupKey } : {}) },
    });
    expect([200, 201]).toContain(res.status);
    return res.body;
  };
  const api = async (token: string): Promise<Ranked> => {
    const res = await t.request('GET', '/fault/top_faults', { token });
    expect(res.status).toBe(200);
    return res.body.map((r: { resource_id: string; count: number }) => [r.resource_id, r.count]);
  };
  /** The definition itself: every fault of the tenant created in the 14 days up to `now` and not expired, its occurrences summed per resource. */
  const bruteForce = async (tenant: string, now: Date): Promise<Ranked> => {
    const rows = await ds.query<Array<{ resource_id: string; n: string }>>(
      `SELECT resource_id, sum(occurrences) AS n FROM faults WHERE customer_id = $1 AND created_at >= $2 AND ttl > $3
       GROUP BY resource_id ORDER BY sum(occurrences) DESC, resource_id LIMIT 10`,
      [tenant, new Date(now.getTime() - 14 * DAY_MS), Math.floor(now.getTime() / 1000)],
    );
    return rows.map((r) => [r.resource_id, Number(r.n)]);
  };
  /** Whether the answer came from the counts: the tenant's counters moved by a million show in it (and are put back; the sweep only adds to them). */
  const answeredFromCounts = async (tenant: string, token: string): Promise<boolean> => {
    await sweep.sweepNow(); // the deltas folded: each resource in the answer has its counter
    const before = await api(token);
    await ds.query(`UPDATE fault_top_counts SET occurrences = occurrences + 1000000 WHERE customer_id = $1`, [tenant]);
    try {
      const during = await api(token);
      return during.length > 0 && during.every(([, n], i) => n === before[i]?.[1] + 1_000_000);
    } finally {
      await ds.query(`UPDATE fault_top_counts SET occurrences = occurrences - 1000000 WHERE customer_id = $1`, [tenant]);
    }
  };
  /**
   * The tables' own invariants for a tenant: each counter plus its pending deltas is the sum of its
   * window rows; each fault leaving after the watermark has its row, with its resource and occurrences.
   */
  const expectConsistent = async (tenant: string): Promise<void> => {
    const counters = await ds.query(
      `SELECT resource_id, sum(counted)::int AS counted, sum(in_window)::int AS in_window FROM (
         SELECT resource_id, occurrences AS counted, 0 AS in_window FROM fault_top_counts WHERE customer_id = $1
         UNION ALL SELECT resource_id, occurrences, 0 FROM fault_top_deltas WHERE customer_id = $1
         UNION ALL SELECT resource_id, 0, occurrences FROM fault_top_window WHERE customer_id = $1
       ) x GROUP BY resource_id HAVING sum(counted) <> sum(in_window)`,
      [tenant],
    );
    expect(counters).toEqual([]);
    const missing = await ds.query(
      `SELECT f.id FROM faults f CROSS JOIN fault_top_watermark m
       LEFT JOIN fault_top_window w ON w.customer_id = f.customer_id AND w.fault_id = f.id
       WHERE f.customer_id = $1 AND least(f.created_at + interval '1209600.000001 seconds', to_timestamp(f.ttl)) > m.leaves_before
         AND (w.fault_id IS NULL OR w.occurrences <> f.occurrences OR w.resource_id <> f.resource_id)`,
      [tenant],
    );
    expect(missing).toEqual([]);
  };

  it('answers what the aggregate of the window answers, through reports, merges, deletes, ttl changes and time passing', async () => {
    const { tenant, token } = tenantWithToken();
    const start = Date.now();
    // 18 days of reports, 12 resources; half of them repeat one of 2 dedup keys per resource (merges, also into
    // faults created before the window).
    let state = 7; // mulberry32: the same workload every run
    const next = (n: number): number => {
      state = (state + 0x6d2b79f5) | 0;
      let x = Math.imul(state ^ (state >>> 15), 1 | state);
      x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
      return ((x ^ (x >>> 14)) >>> 0) % n;
    };
    const made: string[] = [];
    for (let i = 0; i < 160; i++) {
      clock.current = new Date(start - 18 * DAY_MS + i * (18 * DAY_MS / 160) + next(3600) * 1000);
      const resource = `res_${String(next(12)).padStart(2, '0')}`;
      made.push((await report(token, resource, next(2) === 0 ? `${resource}:k${next(2)}` : undefined)).id);
    }
    clock.current = new Date(start);
    const ids = [...new Set(made)]; // a merge answers the fault it merged into
    expect(ids.length).toBeGreaterThan(100); // many faults, and merges among them
    expect(ids.length).toBeLessThan(made.length - 20);
    // Deleted by a user, and ttls changed by hand (moving rows between partitions): shortened to expire
    // within the window, lengthened again for some, expired outright for one.
    for (const id of ids.slice(80, 86)) expect((await t.request('DELETE', `/fault/${id}`, { token })).status).toBe(204);
    await ds.query(`UPDATE faults SET ttl = extract(epoch FROM created_at)::bigint + 3 * 86400 WHERE customer_id = $1 AND id = ANY($2)`, [tenant, ids.slice(90, 110)]);
    await ds.query(`UPDATE faults SET ttl = ttl + 30 * 86400 WHERE customer_id = $1 AND id = ANY($2)`, [tenant, ids.slice(100, 105)]);
    await ds.query(`UPDATE faults SET ttl = extract(epoch FROM now())::bigint - 1 WHERE customer_id = $1 AND id = $2`, [tenant, ids[ids.length - 2]]);
    await expectConsistent(tenant);

    for (const days of [0, 0.5, 1, 2.25, 3, 5, 8, 11, 13.9, 14.5, 20]) {
      clock.current = new Date(start + days * DAY_MS);
      // Reports between sweeps: read with their deltas pending.
      if (days === 5 || days === 13.9) for (const resource of ['res_03', 'res_03', 'res_07']) await report(token, resource, `${resource}:k0`);
      const expected = await bruteForce(tenant, clock.now());
      expect({ days, ranked: await api(token) }).toEqual({ days, ranked: expected });
      // Past the start (the sweep's cutoff is at most the database's clock): from the counts.
      if (days > 0 && expected.length > 0) expect({ days, fromCounts: await answeredFromCounts(tenant, token) }).toEqual({ days, fromCounts: true });
      if (days === 3) await sweep.sweepNow(); // forgets only what left by the database's clock: the clock here runs ahead
    }
    await expectConsistent(tenant);
  });

  it("at the window's edges: counted at created_at + 14 days exactly, not a millisecond later; not from its ttl on", async () => {
    const { tenant, token } = tenantWithToken();
    const created = new Date();
    clock.current = created;
    const aged = await report(token, 'res_aged');
    const expiring = await report(token, 'res_expiring');
    const ttl = Math.floor(created.getTime() / 1000) + 3 * 86_400;
    await ds.query(`UPDATE faults SET ttl = $3 WHERE customer_id = $1 AND id = $2`, [tenant, expiring.id, ttl]);
    const stored = new Date((await t.request('GET', `/fault/${aged.id}`, { token })).body.created_at); // as stored (µs), read to the ms
    for (const [at, ranked] of [
      [ttl * 1000 - 1, [['res_aged', 1], ['res_expiring', 1]]],
      [ttl * 1000, [['res_aged', 1]]],
      [stored.getTime() + 14 * DAY_MS, [['res_aged', 1]]],
      [stored.getTime() + 14 * DAY_MS + 1, []],
    ] as Array<[number, Ranked]>) {
      clock.current = new Date(at);
      expect({ at: clock.now().toISOString(), ranked: await api(token) }).toEqual({ at: clock.now().toISOString(), ranked });
      expect(await bruteForce(tenant, clock.now())).toEqual(ranked);
    }
  });

  it('forgets what left the window (by age and by expiry) once the sweep runs, and still answers exactly', async () => {
    const { tenant, token } = tenantWithToken();
    const now = Date.now();
    // Leaving in ~6 s: created 14 days back, and one whose ttl is shortened to now + 6 s.
    clock.current = new Date(now - 14 * DAY_MS + 6000);
    for (let i = 0; i < 3; i++) await report(token, 'res_old');
    clock.current = new Date(now);
    for (let i = 0; i < 2; i++) await report(token, 'res_new');
    const expiring = await report(token, 'res_expiring', 'k');
    await report(token, 'res_expiring', 'k');
    await ds.query(`UPDATE faults SET ttl = $3 WHERE customer_id = $1 AND id = $2`, [tenant, expiring.id, Math.floor(now / 1000) + 6]);
    const rows = async (): Promise<number> => (await ds.query(`SELECT count(*)::int AS n FROM fault_top_window WHERE customer_id = $1`, [tenant]))[0].n;
    expect(await rows()).toBe(6);
    expect(await api(token)).toEqual([
      ['res_old', 3],
      ['res_expiring', 2],
      ['res_new', 2],
    ]);

    await waitFor('the database clock past the faults that leave', async () => (await ds.query(`SELECT now() > to_timestamp($1::bigint + 7) AS past`, [Math.floor(now / 1000)]))[0].past, 15_000);
    clock.current = new Date();
    // Before the sweep: the counts (and deltas) still hold them, the read subtracts them.
    expect(await api(token)).toEqual([['res_new', 2]]);
    await sweep.sweepNow();
    expect(await rows()).toBe(2);
    const counters = await ds.query(`SELECT resource_id, occurrences::int AS n FROM fault_top_counts WHERE customer_id = $1`, [tenant]);
    expect(counters).toEqual([{ resource_id: 'res_new', n: 2 }]); // deltas folded, emptied counters deleted
    expect((await ds.query(`SELECT count(*)::int AS n FROM fault_top_deltas WHERE customer_id = $1`, [tenant]))[0].n).toBe(0);
    expect(await api(token)).toEqual(await bruteForce(tenant, clock.now()));
    expect(await answeredFromCounts(tenant, token)).toBe(true);
    await expectConsistent(tenant);
  });

  it('with a clock behind the sweep (rows it needs may be gone): answers from the faults themselves, exactly', async () => {
    const { tenant, token } = tenantWithToken();
    const now = Date.now();
    clock.current = new Date(now - 14 * DAY_MS - 5 * 60_000); // left 5 minutes ago
    await report(token, 'res_a');
    await report(token, 'res_a');
    clock.current = new Date(now);
    await report(token, 'res_b');
    await sweep.sweepNow();
    expect(await api(token)).toEqual([['res_b', 1]]);
    // An hour back, where the two faults of res_a still count: their rows were never written.
    clock.current = new Date(now - 3600_000);
    expect(await api(token)).toEqual([
      ['res_a', 2],
      ['res_b', 1],
    ]);
    expect(await api(token)).toEqual(await bruteForce(tenant, clock.now()));
    expect(await answeredFromCounts(tenant, token)).toBe(false);
  });

  it('50 concurrent reports on one resource, with merges, deletes and sweeps running: every one answered, the counts exact', async () => {
    const { tenant, token } = tenantWithToken();
    clock.current = new Date();
    let sweeping = true;
    const sweeps = (async () => {
      while (sweeping) await sweep.sweepNow();
    })();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        t.request('POST', '/fault', {
          token,
          body: { resource_id: i % 5 === 0 ? 'res_other' : 'res_hot', microservice_id: 'mon', type: 'wantunnel', severity: 'LOW', message: 'down', ...(i % 2 ? { dedup_key: `k${i % 3}` } : {}) },
        }),
      ),
    );
    expect(results.map((r) => r.status).filter((s) => s !== 200 && s !== 201)).toEqual([]);
    const ids = [...new Set(results.map((r) => r.body.id as string))];
    const deletes = await Promise.all(ids.slice(0, 3).map((id) => t.request('DELETE', `/fault/${id}`, { token })));
    expect(deletes.map((r) => r.status)).toEqual([204, 204, 204]);
    sweeping = false;
    await sweeps;
    expect(await api(token)).toEqual(await bruteForce(tenant, clock.now()));
    expect(await answeredFromCounts(tenant, token)).toBe(true);
    await expectConsistent(tenant);
  });

  it("one tenant's faults never show in, or move, another's", async () => {
    const a = tenantWithToken();
    const b = tenantWithToken();
    await report(a.token, 'res_shared');
    await report(a.token, 'res_shared');
    await report(b.token, 'res_shared');
    expect(await api(a.token)).toEqual([['res_shared', 2]]);
    expect(await api(b.token)).toEqual([['res_shared', 1]]);
  });
});
