import { DataSource } from 'typeorm';
import { FaultAnalyticsRepository } from '../../src/fault/analytics/fault-analytics.repository';
import { seedFaults } from '../support/fault-seed';
import { TestApp, startTestApp } from '../support/test-app';
import { newTenant, userToken } from '../support/tokens';

type Fault = Record<string, any>;

/** percentile_cont: linear interpolation between the closest ranks. */
function percentile(sorted: number[], p: number): number {
  const pos = p * (sorted.length - 1);
  const lower = Math.floor(pos);
  const upper = Math.ceil(pos);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (pos - lower);
}

function stats(values: number[]): { mean: number; p50: number; p90: number } | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return { mean: values.reduce((a, b) => a + b, 0) / values.length, p50: percentile(sorted, 0.5), p90: percentile(sorted, 0.9) };
}

const seconds = (later: string, earlier: string): number => (Date.parse(later) - Date.parse(earlier)) / 1000;
const keyOf: Record<string, (f: Fault) => string | null> = {
  site: (f) => (f.resource_ancestry_path ? f.resource_ancestry_path.split('|')[0] : null),
  type: (f) => f.type,
  severity: (f) => f.severity,
  resource_id: (f) => f.resource_id,
  none: () => null,
};

/** The brute force: every fault of the export, filtered, grouped and reduced in JavaScript. */
function bruteForce(faults: Fault[], groupBy: string, from: string, to: string): Array<Record<string, unknown>> {
  const groups = new Map<string | null, Fault[]>();
  for (const f of faults) {
    if (f.created_at < from || f.created_at >= to) continue;
    const key = keyOf[groupBy](f);
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  return [...groups.entries()].map(([key, members]) => ({
    key,
    faults: members.length,
    resolved: members.filter((f) => f.status === 'resolved').length,
    acknowledged: members.filter((f) => f.acknowledged_at !== null).length,
    mtta_seconds: stats(members.filter((f) => f.acknowledged_at !== null).map((f) => seconds(f.acknowledged_at, f.created_at))),
    mttr_seconds: stats(members.filter((f) => f.status === 'resolved').map((f) => seconds(f.resolved_at, f.created_at))),
  }));
}

describe('Fault intelligence: analytics', () => {
  let t: TestApp;
  let db: DataSource;
  const tenant = newTenant();
  const token = userToken(tenant);
  let all: Fault[];
  const to = new Date(Date.now() + 60_000).toISOString().replace('Z', '000Z');
  const from = new Date(Date.now() - 40 * 3600_000).toISOString().replace('Z', '000Z');

  beforeAll(async () => {
    t = await startTestApp({ env: { JOBS_SCHEMA: 'jobs_analytics_e2e' } });
    db = t.app.get(DataSource);
    await seedFaults(db, tenant, 800, new Date(), 4);
    await seedFaults(db, newTenant(), 100, new Date(), 4);
    await db.query(
      `UPDATE faults SET resolved_at = created_at + (1 + floor(random() * 7200)) * interval '1 second' WHERE customer_id = $1 AND status = 'resolved'`,
      [tenant],
    );
    await db.query(`UPDATE faults SET acknowledged_at = created_at + (1 + floor(random() * 900)) * interval '1 second' WHERE customer_id = $1 AND random() < 0.5`, [tenant]);
    await db.query(`UPDATE faults SET resource_ancestry_path = NULL WHERE customer_id = $1 AND random() < 0.1`, [tenant]);
    const res = await fetch(`${t.baseUrl}/fault`, { headers: { authorization: `Bearer ${token}`, accept: 'application/x-ndjson' } });
    all = (await res.text()).trimEnd().split('\n').map((line) => JSON.parse(line) as Fault);
    expect(all).toHaveLength(800);
  });
  afterAll(() => t.close());

  const analytics = (query: Record<string, string>, tk = token) => t.request('GET', `/fault/analytics?${new URLSearchParams(query).toString()}`, { token: tk });

  it.each(['none', 'site', 'type', 'severity', 'resource_id'])('matches the brute-force computation grouped by %s', async (groupBy) => {
    const windowFrom = new Date(Date.parse(from) + 10 * 3600_000).toISOString().replace('Z', '000Z');
    const res = await analytics({ from: windowFrom, to, group_by: groupBy });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ from: windowFrom, to, group_by: groupBy });
    const expected = bruteForce(all, groupBy, windowFrom, to);
    expect(res.body.groups).toHaveLength(expected.length);
    for (const group of res.body.groups) {
      const want = expected.find((e) => e.key === group.key)!;
      expect(want).toBeDefined();
      expect(group).toMatchObject({ faults: want.faults, resolved: want.resolved, acknowledged: want.acknowledged, reopened: 0, flapping: 0 });
      for (const metric of ['mtta_seconds', 'mttr_seconds'] as const) {
        const w = want[metric] as { mean: number; p50: number; p90: number } | null;
        if (w === null) expect(group[metric]).toBeNull();
        else for (const k of ['mean', 'p50', 'p90'] as const) expect(group[metric][k]).toBeCloseTo(w[k], 2);
      }
    }
    const sizes = res.body.groups.map((g: { faults: number }) => g.faults);
    expect([...sizes].sort((a, b) => b - a)).toEqual(sizes);
  });

  it('by resource, matches the brute force also when the largest groups are too large to read resource by resource (one pass instead)', async () => {
    const repository = t.app.get(FaultAnalyticsRepository);
    const windowFrom = new Date(Date.parse(from) + 10 * 3600_000).toISOString().replace('Z', '000Z');
    const byResource = await analytics({ from: windowFrom, to, group_by: 'resource_id' });
    repository.resourceReadMaxFaults = 10;
    try {
      const onePass = await analytics({ from: windowFrom, to, group_by: 'resource_id' });
      expect(onePass.status).toBe(200);
      // The same groups in the same order with the same counts; the means summed in another order may differ in the last digit.
      const counts = (groups: Array<Record<string, unknown>>) => groups.map(({ mtta_seconds: _a, mttr_seconds: _r, ...rest }) => rest);
      expect(counts(onePass.body.groups)).toEqual(counts(byResource.body.groups));
      onePass.body.groups.forEach((group: Record<string, Record<string, number> | null>, i: number) => {
        for (const metric of ['mtta_seconds', 'mttr_seconds']) {
          const want = byResource.body.groups[i][metric];
          if (want === null) expect(group[metric]).toBeNull();
          else for (const k of ['mean', 'p50', 'p90']) expect(group[metric]![k]).toBeCloseTo(want[k], 2);
        }
      });
    } finally {
      repository.resourceReadMaxFaults = new FaultAnalyticsRepository(db).resourceReadMaxFaults;
    }
  });

  it('applies the list filters', async () => {
    const res = await analytics({ from, to, group_by: 'type', severity: 'HIGH', status: 'resolved' });
    const expected = bruteForce(all.filter((f) => f.severity === 'HIGH' && f.status === 'resolved'), 'type', from, to);
    expect(res.body.groups.map((g: { key: string; faults: number }) => [g.key, g.faults]).sort()).toEqual(expected.map((e) => [e.key, e.faults]).sort());
  });

  it('sees only the caller’s tenant', async () => {
    const res = await analytics({ from, to }, userToken(newTenant()));
    expect(res.body.groups).toEqual([]);
  });

  it('refuses a missing, reversed or longer than 92 days window, and an unknown group, naming the field', async () => {
    for (const [query, field] of [
      [{ to }, 'from'],
      [{ from }, 'to'],
      [{ from: to, to: from }, 'to'],
      [{ from: '2026-01-01T00:00:00Z', to: '2026-04-03T00:00:01Z' }, 'to'],
      [{ from, to, group_by: 'planet' }, 'group_by'],
      [{ from, to, severity: 'SEVERE' }, 'severity'],
    ] as Array<[Record<string, string>, string]>) {
      const res = await analytics(query);
      expect(res.status).toBe(400);
      expect(res.body.errors?.[0]?.field).toBe(field);
    }
    expect((await analytics({ from: '2026-01-01T00:00:00Z', to: '2026-04-03T00:00:00Z' })).status).toBe(200);
  });
});
