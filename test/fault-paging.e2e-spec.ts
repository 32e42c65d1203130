import { DataSource } from 'typeorm';
import { buildListPageSql, FaultPageQuery } from '../src/fault/core/fault-list-query';
import { SeededFault, keysetOrder, seedFaults } from './support/fault-seed';
import { TestApp, startTestApp } from './support/test-app';
import { newTenant, userToken } from './support/tokens';

const HOUR = 3600_000;

describe('GET /fault paging', () => {
  let t: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  describe('with every filter while another writer inserts', () => {
    const tenant = newTenant();
    const token = userToken(tenant);
    let seeded: SeededFault[];
    let newest: Date;
    const T0 = Date.now();
    const at = (hoursAgo: number): string => new Date(T0 - hoursAgo * HOUR).toISOString();
    /** Every fault the concurrent writers created, across the cases. */
    const written = new Set<string>();

    beforeAll(async () => {
      newest = new Date(Date.now() - HOUR);
      // 400 faults over ~48 hours: groups of 4 every 29 minutes.
      seeded = await seedFaults(db, tenant, 400, newest, 29);
      await seedFaults(db, newTenant(), 100, newest, 29); // a neighbour that must never show up
    });

    const micros = (iso: string): bigint => BigInt(Date.parse(iso)) * 1000n;
    const cases: Array<[string, Record<string, string>, (f: SeededFault, now: number) => boolean]> = [
      ['no filter', {}, () => true],
      ['severity', { severity: 'CRITICAL' }, (f) => f.severity === 'CRITICAL'],
      ['status=unresolved', { status: 'unresolved' }, (f) => f.status === 'unresolved'],
      ['status=resolved', { status: 'resolved' }, (f) => f.status === 'resolved'],
      ['status=recent', { status: 'recent' }, (f, now) => f.status === 'unresolved' || f.micros >= BigInt(now - 24 * HOUR) * 1000n],
      ['type', { type: 'wan-degradation' }, (f) => f.type === 'wan-degradation'],
      ['resource_id', { resource_id: 'dev_3' }, (f) => f.resource_id === 'dev_3'],
      ['site', { site: 'site_4' }, (f) => f.path.split('|').includes('site_4')],
      ['site (any segment)', { site: 'rack_1' }, (f) => f.path.split('|').includes('rack_1')],
      ['from/to', { from: at(30), to: at(10) }, (f) => f.micros >= micros(at(30)) && f.micros < micros(at(10))],
      [
        'everything combined',
        { severity: 'HIGH', site: 'site_2', status: 'recent', from: at(40) },
        (f, now) =>
          f.severity === 'HIGH' &&
          f.path.split('|').includes('site_2') &&
          (f.status === 'unresolved' || f.micros >= BigInt(now - 24 * HOUR) * 1000n) &&
          f.micros >= micros(at(40)),
      ],
      ['resource_id and type', { resource_id: 'dev_2', type: 'wan-degradation' }, (f) => f.resource_id === 'dev_2' && f.type === 'wan-degradation'],
    ];

    it('pages 50 at a time by default', async () => {
      const res = await t.request('GET', '/fault', { token });
      expect(res.body.meta).toEqual({ count: 50, cursor: expect.any(String), has_more: true });
      expect(res.body.data).toHaveLength(50);
    });

    it.each(cases)('%s: every matching fault exactly once, in order', async (_name, filters, matches) => {
      let writing = true;
      let writes = 0;
      const writer = (async () => {
        while (writing) {
          const res = await t.request('POST', '/fault', {
            token,
            body: { resource_id: 'dev_3', microservice_id: 'w', type: 'site', severity: 'HIGH', message: 'new', resource_ancestry_path: 'site_2|site_4|rack_1|dev_3' },
          });
          if (res.status === 201) {
            written.add(res.body.id);
            writes++;
          }
        }
      })();
      const now = Date.now();
      const expected = seeded.filter((f) => matches(f, now)).sort(keysetOrder).map((f) => f.id);
      expect(expected.length).toBeGreaterThan(0);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      try {
        do {
          const qs: URLSearchParams = new URLSearchParams({ ...filters, limit: '7', ...(cursor ? { cursor } : {}) });
          const res: { status: number; body: any } = await t.request('GET', `/fault?${qs.toString()}`, { token });
          expect(res.status).toBe(200);
          expect(res.body.meta.count).toBe(res.body.data.length);
          expect(res.body.data.length).toBeLessThanOrEqual(7);
          seen.push(...res.body.data.map((f: { id: string }) => f.id));
          cursor = res.body.meta.cursor;
          expect(res.body.meta.has_more).toBe(cursor !== null);
          pages++;
          // Give the writer a turn between pages.
          await new Promise((r) => setImmediate(r));
        } while (cursor !== null && pages < 200);
      } finally {
        writing = false;
        await writer;
      }
      expect(writes).toBeGreaterThan(0);
      expect(new Set(seen).size).toBe(seen.length); // nothing repeated
      const seededSet = new Set(seeded.map((f) => f.id));
      const seenSeeded = seen.filter((id) => seededSet.has(id));
      expect(seenSeeded).toEqual(expected); // nothing skipped, exact order
      // Concurrent inserts are newer than every seeded fault: they can only appear before it.
      const firstSeeded = seen.findIndex((id) => seededSet.has(id));
      seen.slice(firstSeeded).forEach((id) => expect(seededSet.has(id)).toBe(true));
      seen.slice(0, firstSeeded).forEach((id) => expect(written.has(id)).toBe(true));
    });
  });

  describe('limits and cursors', () => {
    const tenant = newTenant();
    const token = userToken(tenant);

    beforeAll(async () => {
      await seedFaults(db, tenant, 14, new Date(Date.now() - HOUR), 5);
    });

    it.each([
      ['0', 400],
      ['1', 200],
      ['100', 200],
      ['101', 400],
      ['-1', 400],
      ['1.5', 400],
      ['abc', 400],
    ])('limit=%s → %d', async (limit, status) => {
      const res = await t.request('GET', `/fault?limit=${limit}`, { token });
      expect(res.status).toBe(status);
      if (status === 200) expect(res.body.meta.count).toBe(Math.min(Number(limit), 14));
    });

    it('defaults to 50 and ends with cursor null and has_more false on an exact last page', async () => {
      const all = await t.request('GET', '/fault', { token });
      expect(all.body.meta).toEqual({ count: 14, cursor: null, has_more: false });
      const first = await t.request('GET', '/fault?limit=7', { token });
      expect(first.body.meta).toEqual({ count: 7, cursor: expect.any(String), has_more: true });
      const second = await t.request('GET', `/fault?limit=7&cursor=${encodeURIComponent(first.body.meta.cursor)}`, { token });
      expect(second.body.meta).toEqual({ count: 7, cursor: null, has_more: false });
      expect([...first.body.data, ...second.body.data].map((f: { id: string }) => f.id)).toEqual(all.body.data.map((f: { id: string }) => f.id));
      // The page size may change between pages; the filters may not.
      const bigger = await t.request('GET', `/fault?limit=50&cursor=${encodeURIComponent(first.body.meta.cursor)}`, { token });
      expect(bigger.body.meta.count).toBe(7);
    });

    it('refuses tampered, foreign and other-filter cursors with 400', async () => {
      const first = await t.request('GET', '/fault?limit=3&severity=LOW', { token });
      const cursor: string = first.body.meta.cursor ?? (await t.request('GET', '/fault?limit=3', { token })).body.meta.cursor;
      const withFilters = (await t.request('GET', '/fault?limit=3&status=unresolved', { token })).body.meta.cursor as string;
      const [body, sig] = withFilters.split('.') as [string, string];
      const payload = JSON.parse(Buffer.from(body, 'base64url').toString());
      const forged = Buffer.from(JSON.stringify({ ...payload, t: '1' })).toString('base64url');
      const attempts: Array<[string, string]> = [
        ['tampered payload', `/fault?status=unresolved&cursor=${forged}.${sig}`],
        ['tampered signature', `/fault?status=unresolved&cursor=${body}.${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`],
        ['other filters', `/fault?status=resolved&cursor=${encodeURIComponent(withFilters)}`],
        ['dropped filters', `/fault?cursor=${encodeURIComponent(withFilters)}`],
        ['garbage', '/fault?cursor=not-a-cursor'],
        ['empty', '/fault?cursor='],
      ];
      for (const [name, path] of attempts) {
        const res = await t.request('GET', path, { token });
        expect([name, res.status]).toEqual([name, 400]);
      }
      const foreign = await t.request('GET', `/fault?limit=3&cursor=${encodeURIComponent(cursor)}`, { token: userToken(newTenant()) });
      expect(foreign.status).toBe(400);
      expect((await t.request('GET', `/fault?status=unresolved&limit=3&cursor=${encodeURIComponent(withFilters)}`, { token })).status).toBe(200);
    });

    it.each([
      ['severity=high'],
      ['status=open'],
      ['from=yesterday'],
      ['to=2025-13-01T00:00:00Z'],
      ['from=2025-10-02T00:00:00Z&to=2025-10-01T00:00:00Z'],
      ['type='],
      ['severity=LOW&severity=HIGH'],
      ['unknown=1'],
      [`site=${'s'.repeat(513)}`],
      ['type=a%00b'],
      ['from=2025-10-01T00:00:00%2B99:00'],
      ['from=+275761-01-01T00:00:00Z'],
    ])('refuses %s with 400', async (qs) => {
      expect((await t.request('GET', `/fault?${qs}`, { token })).status).toBe(400);
    });
  });

  describe('query plans', () => {
    it('reads an index for every filter, never a sequential scan of faults', async () => {
      const tenant = newTenant();
      await seedFaults(db, tenant, 4000, new Date(), 1);
      for (let i = 0; i < 4; i++) await seedFaults(db, newTenant(), 1000, new Date(), 1);
      // A few faults carry the lifecycle columns the partial indexes cover.
      await db.query(
        `UPDATE faults SET acknowledged_at = created_at, acknowledged_by = 'usr_1', silenced = (random() < 0.5),
                dedup_key = CASE WHEN status = 'unresolved' THEN 'wantunnel:' || id ELSE 'wantunnel:' || resource_id END
         WHERE customer_id = $1 AND id IN (SELECT id FROM faults WHERE customer_id = $1 ORDER BY id LIMIT 40)`,
        [tenant],
      );
      await db.query('ANALYZE faults');
      await db.query('ANALYZE fault_path_segments');
      // faults and its path segments are partitioned by month of the fault's ttl: the planner may read an
      // empty or tiny partition (a month ahead, or one a few faults of other suites expire in)
      // sequentially at next to no cost; a scan of the partition holding the seeded rows may not.
      const holding = (
        await db.query(
          `SELECT tableoid::regclass::text AS name FROM faults GROUP BY 1 HAVING count(*) >= 1000
           UNION ALL SELECT tableoid::regclass::text FROM fault_path_segments GROUP BY 1 HAVING count(*) >= 1000`,
        )
      ).map((r: { name: string }) => r.name);
      const scanned = new RegExp(`Seq Scan on (${['faults', 'fault_path_segments', ...holding].join('|')}) `);
      const nowSeconds = Math.floor(Date.now() / 1000);
      const deep = { createdAtMicros: BigInt(Date.now() - 48 * HOUR) * 1000n, id: 'flt_zzzzzzzzzzzzzzzzzzzzzzzzzzz' };
      const variants: Array<FaultPageQuery['filters']> = [
        {},
        { severity: 'HIGH' },
        { status: 'unresolved' },
        { status: 'resolved' },
        { status: 'recent' },
        { type: 'power' },
        { resourceId: 'dev_2' },
        { site: 'site_3' },
        { from: new Date(Date.now() - 30 * HOUR), to: new Date(Date.now() - 10 * HOUR) },
        { severity: 'LOW', site: 'site_1', status: 'recent', from: new Date(Date.now() - 40 * HOUR) },
        // Lifecycle filters: trigram search, dedup key, and the partial acknowledged / silenced indexes.
        { q: 'WAN2' },
        { q: 'link (wan' },
        { dedupKey: 'wantunnel:dev_3' },
        { acknowledged: true },
        { acknowledged: false },
        { silenced: true },
        { silenced: false },
        { q: 'wan1', status: 'unresolved', acknowledged: false },
      ];
      for (const filters of variants) {
        for (const after of [undefined, deep]) {
          const { sql, params } = buildListPageSql({
            customerId: tenant,
            filters,
            take: 51,
            after,
            recentSinceMicros: BigInt(Date.now() - 24 * HOUR) * 1000n,
            nowSeconds,
          });
          const plan = (await db.query(`EXPLAIN ${sql}`, params)).map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
          expect([filters, plan]).toEqual([filters, expect.not.stringMatching(scanned)]);
          expect(plan).toMatch(/Index (Only )?Scan/);
        }
      }
    });
  });
});
