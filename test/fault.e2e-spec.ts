import { DataSource } from 'typeorm';
import { Clock } from '../src/common/clock';
import { JobsConfig } from '../src/config/jobs.config';
import { FaultPurgeService } from '../src/fault/core/fault-purge.service';
import { nextPeriod, partitionName, periodStart } from '../src/database/partitions/partition-period';
import { JobQueue } from '../src/jobs/job-queue';
import { PARTITION_MAINTENANCE_QUEUE, PartitionMaintenance } from '../src/jobs/partition-maintenance';
import { FakeClock } from './support/fake-clock';
import { TestApp, startTestApp } from './support/test-app';
import { newTenant, serviceToken, userToken, userTokenIssuedAt } from './support/tokens';
import { waitFor } from './support/wait-for';

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const validBody = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  resource_id: 'dev_2j4k2l2j3k4l2j3k4',
  microservice_id: 'wantunnel-monitor',
  type: 'wantunnel',
  severity: 'HIGH',
  message: "WAN tunnel 'Primary link (WAN1)' is down",
  ...overrides,
});

describe('Faults API', () => {
  let t: TestApp;
  const clock = new FakeClock();
  let tenant: string;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp({ env: { FAULT_RETENTION_DAYS: '30', FAULT_PURGE_BATCH_SIZE: '3' }, override: (b) => b.overrideProvider(Clock).useValue(clock) });
  });
  afterAll(() => t.close());
  beforeEach(() => {
    clock.current = new Date();
    tenant = newTenant();
    // Issued 60 days back: these tests move the injected clock up to a month into the past.
    token = userTokenIssuedAt(tenant, Math.floor(Date.now() / 1000) - 60 * 86_400, 'usr_alice');
  });

  const create = (body: Record<string, unknown> = validBody(), tk = token, headers?: Record<string, string>) =>
    t.request('POST', '/fault', { token: tk, body, headers });

  describe('POST /fault', () => {
    it('creates an unresolved fault with server-set fields, trimmed strings and a ttl of created_at + retention', async () => {
      const res = await create(
        validBody({ resource_id: '  dev_1  ', message: '  Link down \t', cause: '  ISP  ', resource_ancestry_path: ' site_a|dev_1 ' }),
      );
      expect(res.status).toBe(201);
      const f = res.body;
      expect(f).toEqual({
        id: expect.stringMatching(/^flt_[0-9A-Za-z]{27}$/),
        resource_id: 'dev_1',
        customer_id: tenant,
        microservice_id: 'wantunnel-monitor',
        type: 'wantunnel',
        status: 'unresolved',
        severity: 'HIGH',
        message: 'Link down',
        cause: 'ISP',
        created_at: expect.stringMatching(TIMESTAMP),
        resolved_at: null,
        resource_ancestry_path: 'site_a|dev_1',
        ttl: Math.floor(Date.parse(f.created_at) / 1000) + 30 * 86_400,
        comments: [],
        // Lifecycle fields (additive; see test/fault-lifecycle.e2e-spec.ts).
        dedup_key: null,
        occurrences: 1,
        last_occurred_at: f.created_at,
        acknowledged_at: null,
        acknowledged_by: null,
        silenced: false,
        // Fault intelligence (additive; see test/fault-intelligence/).
        root_fault_id: null,
        symptom_count: 0,
        flapping: false,
        flapping_since: null,
      });
      const fetched = await t.request('GET', `/fault/${f.id}`, { token });
      expect(fetched.status).toBe(200);
      expect(fetched.body).toEqual(f);
    });

    it('defaults optional fields to null and treats a blank cause as none', async () => {
      const res = await create(validBody({ cause: '   ' }));
      expect(res.status).toBe(201);
      expect(res.body.cause).toBeNull();
      expect(res.body.resource_ancestry_path).toBeNull();
    });

    it.each([
      ['message', 500, 501],
      ['cause', 2000, 2001],
      ['resource_id', 128, 129],
      ['microservice_id', 128, 129],
      ['type', 128, 129],
    ])('accepts %s of %d characters and refuses %d', async (field, ok, tooLong) => {
      expect((await create(validBody({ [field]: 'x'.repeat(ok) }))).status).toBe(201);
      const res = await create(validBody({ [field]: 'x'.repeat(tooLong) }));
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ field })]);
    });

    it.each([
      ['missing resource_id', { resource_id: undefined }],
      ['missing message', { message: undefined }],
      ['blank message', { message: '   ' }],
      ['unknown severity', { severity: 'SEVERE' }],
      ['lower-case severity', { severity: 'high' }],
      ['numeric type', { type: 7 }],
      ['unknown property', { status: 'resolved' }],
      ['server-set id', { id: 'flt_x' }],
      ['NUL in message', { message: 'a\u0000b' }],
      ['NUL in cause', { cause: 'a\u0000b' }],
      ['array as message', { message: ['a'] }],
    ])('refuses %s with 400', async (_name, overrides) => {
      const res = await create(validBody(overrides));
      expect(res.status).toBe(400);
      expect(res.body.statusCode).toBe(400);
    });

    it('refuses customer_id from a user (the token names the tenant)', async () => {
      const res = await create(validBody({ customer_id: tenant }));
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/customer_id/);
    });

    it('lets a service token with faults:ingest create for the tenant named in the body, and only then', async () => {
      const svc = serviceToken(['faults:ingest'], 'wantunnel-monitor');
      const res = await create(validBody({ customer_id: tenant }), svc);
      expect(res.status).toBe(201);
      expect(res.body.customer_id).toBe(tenant);
      expect((await t.request('GET', `/fault/${res.body.id}`, { token })).status).toBe(200);
      expect((await create(validBody(), svc)).status).toBe(400);
      expect((await create(validBody({ customer_id: 'bad tenant!' }), svc)).status).toBe(400);
      expect((await create(validBody({ customer_id: tenant }), serviceToken(['vault:use']))).status).toBe(403);
      // A service token reads nothing: it carries no tenant.
      expect((await t.request('GET', '/fault', { token: svc })).status).toBe(403);
    });

    it('needs faults:write for users', async () => {
      const readOnly = userToken(tenant, { scopes: ['faults:read'] });
      expect((await create(validBody(), readOnly)).status).toBe(403);
      expect((await t.request('POST', '/fault', { body: validBody() })).status).toBe(401);
    });
  });

  describe('Idempotency-Key', () => {
    it('replays the first response for the same key and body, and refuses another body with 422', async () => {
      const headers = { 'idempotency-key': 'retry-123' };
      const first = await create(validBody(), token, headers);
      expect(first.status).toBe(201);
      const again = await create(validBody({ message: `  ${String(validBody().message)}  ` }), token, headers);
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      const other = await create(validBody({ severity: 'LOW' }), token, headers);
      expect(other.status).toBe(422);
      const list = await t.request('GET', '/fault', { token });
      expect(list.body.data.map((f: { id: string }) => f.id)).toEqual([first.body.id]);
    });

    it('serializes concurrent retries into one fault', async () => {
      const headers = { 'idempotency-key': 'burst-1' };
      const results = await Promise.all(Array.from({ length: 5 }, () => create(validBody(), token, headers)));
      expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
      expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
      expect((await t.request('GET', '/fault', { token })).body.meta.count).toBe(1);
    });

    it('scopes keys to the tenant and forgets them after 24 hours', async () => {
      const headers = { 'idempotency-key': 'shared-key' };
      const a = await create(validBody(), token, headers);
      const b = await create(validBody(), userToken(newTenant()), headers);
      expect(b.status).toBe(201);
      expect(b.body.id).not.toBe(a.body.id);
      clock.advance(24 * 3600 * 1000 + 1000);
      const later = await create(validBody({ severity: 'LOW' }), userToken(tenant, { expiresInSeconds: 3 * 86_400 }), headers);
      expect(later.status).toBe(201);
      expect(later.body.id).not.toBe(a.body.id);
    });

    it('stays exactly once across a partition boundary: a key recorded just before midnight is replayed after it, then expires once', async () => {
      // fault_idempotency_keys is partitioned by day of created_at: (customer_id, key) is not unique across days.
      const midnight = nextPeriod(periodStart(clock.now(), 'day'), 'day');
      const headers = { 'idempotency-key': 'across-midnight' };
      const burst = () => Promise.all(Array.from({ length: 50 }, () => create(validBody(), token, headers)));
      clock.current = new Date(midnight.getTime() - 100);
      const before = await burst();
      clock.current = new Date(midnight.getTime() + 100);
      const after = await burst();
      const answers = [...before, ...after];
      expect(answers.map((r) => r.status)).toEqual(answers.map(() => 201));
      for (const r of answers) expect(r.body).toEqual(before[0].body);
      expect(answers.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(99);
      const db = t.app.get(DataSource);
      const keys = async (): Promise<Array<{ part: string; created_at: Date }>> =>
        db.query(`SELECT tableoid::regclass::text AS part, created_at FROM fault_idempotency_keys WHERE customer_id = $1 ORDER BY created_at`, [tenant]);
      // One record, in the partition of the day before midnight; the replays after it read it there.
      expect((await keys()).map((k) => k.part)).toEqual([partitionName('fault_idempotency_keys', periodStart(new Date(midnight.getTime() - 1), 'day'), 'day')]);
      expect((await t.request('GET', '/fault', { token })).body.meta.count).toBe(1);

      // 24 hours later the key is free again: 50 concurrent requests take it over exactly once, two partitions on (the expired record goes).
      clock.current = new Date(midnight.getTime() + 86_400_000);
      const later = await burst();
      expect(later.map((r) => r.status)).toEqual(later.map(() => 201));
      expect(new Set(later.map((r) => r.body.id)).size).toBe(1);
      expect(later[0].body.id).not.toBe(before[0].body.id);
      expect(later.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(49);
      expect((await keys()).map((k) => k.part)).toEqual([partitionName('fault_idempotency_keys', nextPeriod(midnight, 'day'), 'day')]);
      expect((await t.request('GET', '/fault', { token })).body.meta.count).toBe(2);
    });

    it('refuses a malformed key', async () => {
      expect((await create(validBody(), token, { 'idempotency-key': 'x'.repeat(256) })).status).toBe(400);
      expect((await create(validBody(), token, { 'idempotency-key': 'x'.repeat(255) })).status).toBe(201);
    });
  });

  describe('GET/PATCH/DELETE /fault/{faultId}', () => {
    it('resolves (setting resolved_at), keeps the first resolved_at, and reopens (clearing it)', async () => {
      const { body: f } = await create();
      clock.advance(60_000);
      const resolved = await t.request('PATCH', `/fault/${f.id}`, { token, body: { status: 'resolved', cause: ' Power cut ' } });
      expect(resolved.status).toBe(200);
      expect(resolved.body).toMatchObject({ status: 'resolved', cause: 'Power cut', resolved_at: expect.stringMatching(TIMESTAMP) });
      expect(Date.parse(resolved.body.resolved_at) - Date.parse(f.created_at)).toBe(60_000);
      clock.advance(60_000);
      const again = await t.request('PATCH', `/fault/${f.id}`, { token, body: { status: 'resolved' } });
      expect(again.body.resolved_at).toBe(resolved.body.resolved_at);
      const resolvedList = await t.request('GET', '/fault?status=resolved', { token });
      expect(resolvedList.body.data.map((x: { id: string }) => x.id)).toEqual([f.id]);
      expect((await t.request('GET', '/fault?status=unresolved', { token })).body.data).toEqual([]);
      const reopened = await t.request('PATCH', `/fault/${f.id}`, { token, body: { status: 'unresolved', severity: 'CRITICAL', message: 'Still down', cause: null } });
      expect(reopened.body).toMatchObject({ status: 'unresolved', resolved_at: null, severity: 'CRITICAL', message: 'Still down', cause: null });
    });

    it('validates PATCH bodies', async () => {
      const { body: f } = await create();
      for (const body of [{}, { status: 'recent' }, { severity: null }, { message: '' }, { message: 'x'.repeat(501) }, { cause: 'x'.repeat(2001) }, { ttl: 1 }]) {
        const res = await t.request('PATCH', `/fault/${f.id}`, { token, body });
        expect([res.status, body]).toEqual([400, body]);
      }
      expect((await t.request('PATCH', `/fault/${f.id}`, { token, body: { message: 'x'.repeat(500), cause: 'y'.repeat(2000) } })).status).toBe(200);
      expect((await t.request('PATCH', `/fault/${f.id}`, { token: userToken(tenant, { scopes: ['faults:read'] }), body: { status: 'resolved' } })).status).toBe(403);
    });

    it('deletes with faults:delete only (204), then 404', async () => {
      const { body: f } = await create();
      expect((await t.request('DELETE', `/fault/${f.id}`, { token: userToken(tenant, { scopes: ['faults:read', 'faults:write'] }) })).status).toBe(403);
      expect((await t.request('DELETE', `/fault/${f.id}`, { token: userToken(tenant, { scopes: ['faults:delete'] }) })).status).toBe(204);
      expect((await t.request('GET', `/fault/${f.id}`, { token })).status).toBe(404);
      expect((await t.request('DELETE', `/fault/${f.id}`, { token })).status).toBe(404);
    });

    it('answers 404 for unknown and malformed ids', async () => {
      for (const id of ['flt_000000000000000000000000000', 'nope', 'flt_' + 'a'.repeat(200), "flt_'; DROP TABLE faults; --"]) {
        const path = `/fault/${encodeURIComponent(id)}`;
        expect((await t.request('GET', path, { token })).status).toBe(404);
        expect((await t.request('PATCH', path, { token, body: { status: 'resolved' } })).status).toBe(404);
        expect((await t.request('DELETE', path, { token })).status).toBe(404);
        expect((await t.request('POST', `${path}/comment`, { token, body: { comment: 'x' } })).status).toBe(404);
      }
    });
  });

  describe('comments', () => {
    it('adds comments authored by the token subject, oldest first', async () => {
      const { body: f } = await create();
      const first = await t.request('POST', `/fault/${f.id}/comment`, { token, body: { comment: '  Called the ISP  ' } });
      expect(first.status).toBe(201);
      clock.advance(1000);
      const bob = userToken(tenant, { subject: 'usr_bob' });
      const second = await t.request('POST', `/fault/${f.id}/comment`, { token: bob, body: { comment: 'ISP confirms outage' } });
      expect(second.status).toBe(201);
      expect(second.body.id).toBe(f.id);
      expect(second.body.comments).toEqual([
        { user_id: 'usr_alice', comment: 'Called the ISP', created_at: expect.stringMatching(TIMESTAMP) },
        { user_id: 'usr_bob', comment: 'ISP confirms outage', created_at: expect.stringMatching(TIMESTAMP) },
      ]);
      const list = await t.request('GET', '/fault', { token });
      expect(list.body.data[0].comments).toEqual(second.body.comments);
    });

    it('keeps the order of comments written within the same millisecond', async () => {
      const { body: f } = await create();
      let comments: Array<{ comment: string; created_at: string }> = [];
      for (const comment of ['one', 'two', 'three', 'four']) {
        comments = (await t.request('POST', `/fault/${f.id}/comment`, { token, body: { comment } })).body.comments;
      }
      expect(comments.map((c) => c.comment)).toEqual(['one', 'two', 'three', 'four']);
      expect(new Set(comments.map((c) => c.created_at)).size).toBe(1);
    });

    it.each([
      [0, 400],
      [1, 201],
      [2000, 201],
      [2001, 400],
    ])('a comment of %d characters → %d', async (length, status) => {
      const { body: f } = await create();
      expect((await t.request('POST', `/fault/${f.id}/comment`, { token, body: { comment: 'c'.repeat(length) } })).status).toBe(status);
    });

    it('refuses blank, missing and extra fields, and readers', async () => {
      const { body: f } = await create();
      for (const body of [{ comment: '   ' }, {}, { comment: 'x', user_id: 'usr_mallory' }, { comment: 5 }]) {
        expect((await t.request('POST', `/fault/${f.id}/comment`, { token, body })).status).toBe(400);
      }
      const reader = userToken(tenant, { scopes: ['faults:read'] });
      expect((await t.request('POST', `/fault/${f.id}/comment`, { token: reader, body: { comment: 'x' } })).status).toBe(403);
    });
  });

  describe('tenant isolation', () => {
    it("treats another tenant's fault exactly like a missing one", async () => {
      const { body: f } = await create();
      await t.request('POST', `/fault/${f.id}/comment`, { token, body: { comment: 'private note' } });
      const other = userToken(newTenant());
      const missing = await t.request('GET', '/fault/flt_000000000000000000000000000', { token: other });
      const foreign = await t.request('GET', `/fault/${f.id}`, { token: other });
      expect(foreign.status).toBe(404);
      expect(foreign.body.message).toBe(missing.body.message);
      expect((await t.request('PATCH', `/fault/${f.id}`, { token: other, body: { status: 'resolved' } })).status).toBe(404);
      expect((await t.request('POST', `/fault/${f.id}/comment`, { token: other, body: { comment: 'x' } })).status).toBe(404);
      expect((await t.request('DELETE', `/fault/${f.id}`, { token: other })).status).toBe(404);
      expect((await t.request('GET', '/fault', { token: other })).body.data).toEqual([]);
      expect((await t.request('GET', '/fault/top_faults', { token: other })).body).toEqual([]);
      const mine = await t.request('GET', `/fault/${f.id}`, { token });
      expect(mine.body).toMatchObject({ status: 'unresolved', comments: [{ comment: 'private note' }] });
    });
  });

  describe('GET /fault/top_faults', () => {
    it('ranks the 10 resources with most faults in the last 14 days, with samples, durations and names', async () => {
      const base = clock.now().getTime();
      // 12 resources: res_00 has 12 faults in the window, res_01 has 11, … res_11 has 1 — and 6 more older
      // than 14 days, which would put it in the top 10 if the window were ignored.
      clock.current = new Date(base - 15 * 86_400_000);
      for (let i = 0; i < 6; i++) await create(validBody({ resource_id: 'res_11' }));
      clock.current = new Date(base - 3 * 3600_000);
      for (let r = 0; r < 12; r++) {
        for (let i = 0; i < 12 - r; i++) {
          await create(
            validBody({
              resource_id: `res_${String(r).padStart(2, '0')}`,
              message: r === 0 ? 'Primary link (WAN1) is down' : 'CPU high',
              resource_ancestry_path: `site_${r}|res_${r}`,
            }),
          );
          clock.advance(1000);
        }
      }
      const { body: res0 } = await t.request('GET', '/fault?resource_id=res_00&limit=1', { token });
      const newest = res0.data[0];
      clock.current = new Date(Date.parse(newest.created_at) + 2 * 3600_000 + 15 * 60_000);
      await t.request('PATCH', `/fault/${newest.id}`, { token, body: { status: 'resolved' } });
      clock.current = new Date(base);

      const res = await t.request('GET', '/fault/top_faults', { token });
      expect(res.status).toBe(200);
      expect(res.body).toHaveLength(10);
      expect(res.body.map((r: { resource_id: string }) => r.resource_id)).toEqual(Array.from({ length: 10 }, (_, r) => `res_${String(r).padStart(2, '0')}`));
      expect(res.body.map((r: { count: number }) => r.count)).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3]);
      const top = res.body[0];
      expect(top).toMatchObject({ tunnel_name: 'Primary link (WAN1)', site_id: 'site_0', resource_id: 'res_00' });
      expect(res.body[1].tunnel_name).toBeNull();
      expect(top.faults.length).toBeGreaterThan(0);
      expect(top.faults.length).toBeLessThanOrEqual(5);
      expect(top.faults[0]).toEqual({
        id: newest.id,
        message: 'Primary link (WAN1) is down',
        resolved_at: expect.stringMatching(TIMESTAMP),
        created_at: newest.created_at,
        duration: '2 hours, 15 minutes',
        severity: 'HIGH',
        type: 'wantunnel',
        cause: null,
        site_id: 'site_0',
        resource_identifier: 'res_00',
      });
      expect(top.faults[1].resolved_at).toBeNull();
      expect(top.faults[1].duration).toMatch(/^\d+ hours?(, \d+ minutes?)?$/);
    });

    it('needs faults:read', async () => {
      expect((await t.request('GET', '/fault/top_faults', { token: userToken(tenant, { scopes: ['faults:write'] }) })).status).toBe(403);
    });
  });

  describe('retention', () => {
    /**
     * Faults created 400 days back under a 30-day retention expired 370 days ago, in a month long
     * over. The partitions of that month are made as the maintenance job made them then (a run with
     * the clock there), so the faults sit in their month's partition, not in the default one.
     */
    const expiredLongAgo = async (n: number, tk: string): Promise<Array<{ id: string }>> => {
      const start = clock.now().getTime();
      clock.current = new Date(start - 400 * 86_400_000);
      await t.app.get(PartitionMaintenance).run();
      const old = [];
      for (let i = 0; i < n; i++) old.push((await create(validBody({ resource_ancestry_path: 'site_old/dev_1' }), tk)).body);
      await t.request('POST', `/fault/${old[0].id}/comment`, { token: tk, body: { comment: 'old' } });
      clock.current = new Date(start);
      return old;
    };

    it('hides expired faults at once; the partition maintenance drops their month with their comments and path segments', async () => {
      const purgeTenant = newTenant();
      const tk = userTokenIssuedAt(purgeTenant, Math.floor(Date.now() / 1000) - 430 * 86_400);
      const old = await expiredLongAgo(7, tk);
      const fresh = (await create(validBody(), tk)).body;

      const list = await t.request('GET', '/fault', { token: tk });
      expect(list.body.data.map((f: { id: string }) => f.id)).toEqual([fresh.id]);
      expect((await t.request('GET', `/fault/${old[0].id}`, { token: tk })).status).toBe(404);

      const db = t.app.get(DataSource);
      const count = async (table: string): Promise<number> => Number((await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE customer_id = $1`, [purgeTenant]))[0].n);
      expect(await count('faults')).toBe(8);
      expect(await count('fault_comments')).toBe(1);
      expect(await count('fault_path_segments')).toBe(7);
      const [{ partition }] = await db.query(`SELECT tableoid::regclass::text AS partition FROM faults WHERE customer_id = $1 AND id = $2`, [purgeTenant, old[0].id]);
      expect(partition).toMatch(/^faults_p\d{6}$/);
      // The purge job deletes no fault row by row any more.
      await t.app.get(FaultPurgeService).purgeExpired();
      expect(await count('faults')).toBe(8);
      const run = await t.app.get(PartitionMaintenance).run();
      expect(run.dropped).toContain(partition);
      expect(await count('faults')).toBe(1);
      expect(await count('fault_comments')).toBe(0);
      expect(await count('fault_path_segments')).toBe(0);
    });

    it('gives the key of an expired open fault to the next report, which creates a fault (as once the purge had deleted it)', async () => {
      const keyTenant = newTenant();
      const tk = userTokenIssuedAt(keyTenant, Math.floor(Date.now() / 1000) - 60 * 86_400);
      const start = clock.now().getTime();
      clock.current = new Date(start - 31 * 86_400_000);
      const expired = await create(validBody({ dedup_key: 'wan1:expired' }), tk);
      expect(expired.status).toBe(201);
      clock.current = new Date(start);
      const reports = await Promise.all(Array.from({ length: 10 }, () => create(validBody({ dedup_key: 'wan1:expired' }), tk)));
      expect(reports.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
      const ids = new Set(reports.map((r) => r.body.id));
      expect(ids.size).toBe(1);
      expect(ids.has(expired.body.id)).toBe(false);
      expect(reports.find((r) => r.status === 201)!.body.occurrences).toBe(1);
      const db = t.app.get(DataSource);
      expect(await db.query(`SELECT fault_id FROM fault_open_keys WHERE customer_id = $1`, [keyTenant])).toEqual([{ fault_id: [...ids][0] }]);
      expect((await t.request('GET', `/fault/${[...ids][0]}`, { token: tk })).body.occurrences).toBe(10);
    });

    it('runs as the partition-maintenance job of the job queue (hourly); the fault-purge job stays for dashboard tokens', async () => {
      const purgeTenant = newTenant();
      const tk = userTokenIssuedAt(purgeTenant, Math.floor(Date.now() / 1000) - 430 * 86_400);
      await expiredLongAgo(4, tk);
      const db = t.app.get(DataSource);
      const count = async (): Promise<number> => (await db.query(`SELECT count(*)::int AS n FROM faults WHERE customer_id = $1`, [purgeTenant]))[0].n;
      expect(await count()).toBe(4);
      const schema = t.app.get(JobsConfig).schema;
      expect(await db.query(`SELECT name, cron, timezone FROM ${schema}.schedule WHERE name IN ('fault-purge', 'partition-maintenance') ORDER BY name`)).toEqual([
        { name: 'fault-purge', cron: '17 * * * *', timezone: 'UTC' },
        { name: 'partition-maintenance', cron: '5 * * * *', timezone: 'UTC' },
      ]);
      // What the schedule does at its slot: a job on the queue, taken by a worker.
      const jobs = t.app.get(JobQueue);
      await jobs.send(PARTITION_MAINTENANCE_QUEUE.name, {}, { singletonKey: PARTITION_MAINTENANCE_QUEUE.name });
      jobs.wake(PARTITION_MAINTENANCE_QUEUE.name);
      await waitFor('the partition-maintenance job to drop the expired month', async () => (await count()) === 0, 20_000, 100);
    });
  });
});
