import { clockedTenantSuite } from './support/clocked-tenant-suite';
import { keysetOrder, seedFaults } from './support/fault-seed';
import { TestResponse } from './support/test-app';
import { newTenant, serviceToken, userToken } from './support/tokens';

const SECOND = 1000;
const report = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  resource_id: 'dev_wan1',
  microservice_id: 'wantunnel-monitor',
  type: 'wantunnel',
  severity: 'HIGH',
  message: "WAN tunnel 'Primary link (WAN1)' is down",
  cause: 'Upstream ISP outage',
  resource_ancestry_path: 'site_north|rack_7|dev_wan1',
  dedup_key: 'wantunnel:dev_wan1:WAN1',
  ...overrides,
});

/** Fault lifecycle: dedup, reopen, resolve, acknowledge, bulk, silences, new filters — through HTTP on PostgreSQL. */
describe('Fault lifecycle', () => {
  const fx = clockedTenantSuite({ env: { FAULT_REOPEN_WINDOW_SECONDS: '300' } });

  const post = (body: Record<string, unknown>, tk = fx.token, headers?: Record<string, string>): Promise<TestResponse> =>
    fx.t.request('POST', '/fault', { token: tk, body, headers });
  const get = (id: string, tk = fx.token): Promise<TestResponse> => fx.t.request('GET', `/fault/${id}`, { token: tk });
  const resolve = (body: Record<string, unknown>, tk = fx.token): Promise<TestResponse> => fx.t.request('POST', '/fault/resolve', { token: tk, body });
  const list = async (query: Record<string, string>, tk = fx.token): Promise<Array<Record<string, any>>> => {
    const res = await fx.t.request('GET', `/fault?${new URLSearchParams({ limit: '100', ...query }).toString()}`, { token: tk });
    expect(res.status).toBe(200);
    return res.body.data;
  };

  describe('dedup_key on POST /fault', () => {
    it('merges a repeat into the unresolved fault: 200, Fault-Deduplicated, occurrences + 1, first message kept', async () => {
      const first = await post(report());
      expect(first.status).toBe(201);
      expect(first.headers.get('fault-deduplicated')).toBeNull();
      expect(first.body).toMatchObject({ dedup_key: 'wantunnel:dev_wan1:WAN1', occurrences: 1, last_occurred_at: first.body.created_at, status: 'unresolved' });

      fx.clock.advance(30 * SECOND);
      const repeat = await post(report({ message: 'WAN tunnel down again', cause: 'Other cause', microservice_id: 'other' }));
      expect(repeat.status).toBe(200);
      expect(repeat.headers.get('fault-deduplicated')).toBe('true');
      expect(repeat.headers.get('fault-reopened')).toBeNull();
      expect(repeat.body).toEqual({
        ...first.body,
        occurrences: 2,
        last_occurred_at: new Date(Date.parse(first.body.created_at) + 30 * SECOND).toISOString().replace('Z', '000Z'),
      });
      expect((await get(first.body.id)).body).toEqual(repeat.body);
      expect(await list({ dedup_key: 'wantunnel:dev_wan1:WAN1' })).toHaveLength(1);
    });

    it('raises the severity to the higher one: LOW < WARNING < MEDIUM < HIGH < CRITICAL', async () => {
      const steps: Array<[string, string]> = [
        ['LOW', 'LOW'],
        ['WARNING', 'WARNING'],
        ['LOW', 'WARNING'],
        ['MEDIUM', 'MEDIUM'],
        ['WARNING', 'MEDIUM'],
        ['HIGH', 'HIGH'],
        ['CRITICAL', 'CRITICAL'],
        ['HIGH', 'CRITICAL'],
        ['LOW', 'CRITICAL'],
      ];
      for (const [sent, stored] of steps) {
        const res = await post(report({ severity: sent }));
        expect([sent, res.body.severity]).toEqual([sent, stored]);
      }
      expect((await list({ dedup_key: 'wantunnel:dev_wan1:WAN1' }))[0]).toMatchObject({ occurrences: steps.length, severity: 'CRITICAL' });
    });

    it('reopens the fault when the key repeats within FAULT_REOPEN_WINDOW_SECONDS of its resolve', async () => {
      const first = await post(report());
      await post(report());
      await fx.t.request('PATCH', `/fault/${first.body.id}`, { token: fx.token, body: { acknowledged: true } });
      expect((await resolve({ dedup_key: 'wantunnel:dev_wan1:WAN1' })).body.resolved).toBe(1);
      fx.clock.advance(299 * SECOND);
      const flap = await post(report({ severity: 'CRITICAL' }));
      expect(flap.status).toBe(200);
      expect(flap.headers.get('fault-reopened')).toBe('true');
      expect(flap.headers.get('fault-deduplicated')).toBeNull();
      expect(flap.body).toMatchObject({
        id: first.body.id,
        status: 'unresolved',
        resolved_at: null,
        occurrences: 3,
        severity: 'CRITICAL',
        acknowledged_at: null, // a new episode asks for attention again
        acknowledged_by: null,
      });
      // And the reopened fault merges the next repeat as usual.
      expect((await post(report())).headers.get('fault-deduplicated')).toBe('true');
      expect(await list({ dedup_key: 'wantunnel:dev_wan1:WAN1' })).toHaveLength(1);
      // The site filter finds it once: neither the merges nor the reopen (whose row, inserted first,
      // was deleted with its path segments) left segments of their own.
      expect((await list({ site: 'rack_7' })).map((f) => f.id)).toEqual([first.body.id]);
      const segments = await fx.db.query<Array<{ fault_id: string; segment: string }>>(
        'SELECT fault_id, segment FROM fault_path_segments WHERE customer_id = $1 ORDER BY segment',
        [fx.tenant],
      );
      expect(segments).toEqual(['dev_wan1', 'rack_7', 'site_north'].map((segment) => ({ fault_id: first.body.id, segment })));
    });

    it('creates a new fault when the key repeats after the reopen window', async () => {
      const first = await post(report());
      await resolve({ dedup_key: 'wantunnel:dev_wan1:WAN1' });
      fx.clock.advance(301 * SECOND);
      const later = await post(report());
      expect(later.status).toBe(201);
      expect(later.headers.get('fault-reopened')).toBeNull();
      expect(later.body.id).not.toBe(first.body.id);
      expect(later.body).toMatchObject({ occurrences: 1, status: 'unresolved' });
      expect((await get(first.body.id)).body.status).toBe('resolved');
      // Only the newest fault with the key is ever reopened.
      await resolve({ dedup_key: 'wantunnel:dev_wan1:WAN1' });
      const flap = await post(report());
      expect([flap.status, flap.body.id]).toEqual([200, later.body.id]);
    });

    it('without dedup_key every report is a new fault, as in the reference', async () => {
      const body = report();
      delete body.dedup_key;
      const a = await post(body);
      const b = await post(body);
      expect([a.status, b.status]).toEqual([201, 201]);
      expect(a.body.id).not.toBe(b.body.id);
      expect(a.body.dedup_key).toBeNull();
    });

    it.each([[''], ['   '], ['has space'], ['tab\there'], ['x'.repeat(256)], [42], ['nul\u0000']])('refuses dedup_key %j with 400', async (key) => {
      const res = await post(report({ dedup_key: key }));
      expect(res.status).toBe(400);
      expect(res.body.errors[0].field).toBe('dedup_key');
    });

    it('accepts 255 visible characters, unicode included', async () => {
      expect((await post(report({ dedup_key: `ключ-${'k'.repeat(250)}` }))).status).toBe(201);
    });

    it('keeps Idempotency-Key exact: a retried repeat replays its first answer and counts once', async () => {
      await post(report());
      const headers = { 'Idempotency-Key': 'retry-of-repeat-1' };
      const repeat = await post(report(), fx.token, headers);
      expect([repeat.status, repeat.headers.get('fault-deduplicated'), repeat.body.occurrences]).toEqual([200, 'true', 2]);
      const retry = await post(report(), fx.token, headers);
      expect(retry.status).toBe(200);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(retry.headers.get('fault-deduplicated')).toBe('true');
      expect(retry.body).toEqual(repeat.body);
      expect((await get(repeat.body.id)).body.occurrences).toBe(2);
      // The key belongs to that request: another dedup_key under it is another body.
      expect((await post(report({ dedup_key: 'other' }), fx.token, headers)).status).toBe(422);
    });

    it('is exactly once under concurrency: 50 simultaneous reports make one fault with occurrences 50', async () => {
      const responses = await Promise.all(Array.from({ length: 50 }, () => post(report())));
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 200)).toHaveLength(49);
      expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
      const faults = await list({ dedup_key: 'wantunnel:dev_wan1:WAN1' });
      expect(faults).toHaveLength(1);
      expect(faults[0].occurrences).toBe(50);
      expect(responses.map((r) => r.body.occurrences).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    });

    it('reopens exactly once when 20 reports race on a just-resolved key', async () => {
      const first = await post(report());
      await resolve({ dedup_key: 'wantunnel:dev_wan1:WAN1' });
      const responses = await Promise.all(Array.from({ length: 20 }, () => post(report())));
      expect(responses.filter((r) => r.headers.get('fault-reopened') === 'true')).toHaveLength(1);
      expect(responses.filter((r) => r.headers.get('fault-deduplicated') === 'true')).toHaveLength(19);
      expect(new Set(responses.map((r) => r.body.id))).toEqual(new Set([first.body.id]));
      expect((await get(first.body.id)).body).toMatchObject({ status: 'unresolved', occurrences: 21 });
    });

    it('stays consistent when resolves race reports: every report lands once, at most one open fault', async () => {
      const key = 'race:dev_wan1';
      let reports = 0;
      const reporters = Array.from({ length: 4 }, async () => {
        for (let i = 0; i < 15; i++) {
          const res = await post(report({ dedup_key: key }));
          expect([200, 201]).toContain(res.status);
          reports++;
        }
      });
      const resolver = (async () => {
        for (let i = 0; i < 15; i++) {
          const res = await resolve({ dedup_key: key });
          expect(res.status).toBe(200);
          // A resolve always leaves the faults it names resolved.
          for (const f of res.body.data) expect(f.status).toBe('resolved');
        }
      })();
      await Promise.all([...reporters, resolver]);
      const [{ open, total }] = await fx.db.query(
        `SELECT count(*) FILTER (WHERE status = 'unresolved')::int AS open, coalesce(sum(occurrences), 0)::int AS total FROM faults WHERE customer_id = $1 AND dedup_key = $2`,
        [fx.tenant, key],
      );
      expect(open).toBeLessThanOrEqual(1);
      expect(total).toBe(reports);
    });

    it('is per tenant: another tenant reporting the same key creates its own fault', async () => {
      const a = await post(report());
      const tokenB = userToken(newTenant());
      const b = await post(report(), tokenB);
      expect(b.status).toBe(201);
      expect(b.body.id).not.toBe(a.body.id);
      expect((await get(a.body.id)).body.occurrences).toBe(1);
      expect(await list({ dedup_key: 'wantunnel:dev_wan1:WAN1' }, tokenB)).toEqual([expect.objectContaining({ id: b.body.id })]);
    });

    it('reads faults written before the lifecycle as occurrences 1, last_occurred_at = created_at, not silenced', async () => {
      const [old] = await seedFaults(fx.db, fx.tenant, 1, new Date(Date.now() - 3600_000), 1);
      const res = await get(old.id);
      expect(res.body).toMatchObject({ dedup_key: null, occurrences: 1, last_occurred_at: res.body.created_at, acknowledged_at: null, acknowledged_by: null, silenced: false });
    });
  });

  describe('POST /fault/resolve', () => {
    it('resolves by dedup_key (user), answers the faults, and is idempotent', async () => {
      const f = await post(report());
      fx.clock.advance(5 * SECOND);
      const res = await resolve({ dedup_key: 'wantunnel:dev_wan1:WAN1' });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ resolved: 1, data: [{ ...f.body, status: 'resolved', resolved_at: expect.any(String) }] });
      expect(Date.parse(res.body.data[0].resolved_at)).toBe(fx.clock.now().getTime());
      const again = await resolve({ dedup_key: 'wantunnel:dev_wan1:WAN1' });
      expect(again.body).toEqual({ resolved: 0, data: [] });
      expect((await resolve({ dedup_key: 'never-reported' })).body).toEqual({ resolved: 0, data: [] });
    });

    it('resolves every unresolved fault of a resource_id and type, by a service naming the tenant', async () => {
      const noKey = report();
      delete noKey.dedup_key;
      const a = await post(noKey);
      const b = await post(noKey);
      const otherType = await post({ ...noKey, type: 'site' });
      const svc = serviceToken(['faults:ingest'], 'wantunnel-monitor');
      const res = await resolve({ customer_id: fx.tenant, resource_id: 'dev_wan1', type: 'wantunnel' }, svc);
      expect(res.status).toBe(200);
      expect(res.body.resolved).toBe(2);
      expect(res.body.data.map((f: { id: string }) => f.id).sort()).toEqual([a.body.id, b.body.id].sort());
      expect((await get(otherType.body.id)).body.status).toBe('unresolved');
      // A user resolves by resource + type too; the service resolves by key too.
      expect((await resolve({ resource_id: 'dev_wan1', type: 'site' })).body.resolved).toBe(1);
      await post(report());
      expect((await resolve({ customer_id: fx.tenant, dedup_key: 'wantunnel:dev_wan1:WAN1' }, svc)).body.resolved).toBe(1);
    });

    it.each([
      ['nothing', {}],
      ['both forms', { dedup_key: 'k', resource_id: 'dev_1', type: 'site' }],
      ['resource_id without type', { resource_id: 'dev_1' }],
      ['type without resource_id', { type: 'site' }],
      ['a user naming a tenant', { dedup_key: 'k', customer_id: 'cus_other' }],
      ['an unknown property', { dedup_key: 'k', status: 'resolved' }],
    ])('refuses %s with 400', async (_name, body) => {
      expect((await resolve(body)).status).toBe(400);
    });

    it('needs faults:write (users) or faults:ingest (services, with customer_id)', async () => {
      expect((await resolve({ dedup_key: 'k' }, userToken(fx.tenant, { scopes: ['faults:read'] }))).status).toBe(403);
      expect((await resolve({ dedup_key: 'k', customer_id: fx.tenant }, serviceToken(['vault:use']))).status).toBe(403);
      expect((await resolve({ dedup_key: 'k' }, serviceToken(['faults:ingest']))).status).toBe(400);
      expect((await fx.t.request('POST', '/fault/resolve', { body: { dedup_key: 'k' } })).status).toBe(401);
    });

    it('never touches another tenant', async () => {
      const a = await post(report());
      const tokenB = userToken(newTenant());
      expect((await resolve({ dedup_key: 'wantunnel:dev_wan1:WAN1' }, tokenB)).body).toEqual({ resolved: 0, data: [] });
      expect((await resolve({ resource_id: 'dev_wan1', type: 'wantunnel' }, tokenB)).body.resolved).toBe(0);
      expect((await get(a.body.id)).body.status).toBe('unresolved');
    });
  });

  describe('acknowledge (PATCH acknowledged)', () => {
    it('true sets acknowledged_at and acknowledged_by, false clears them; the rest of the fault is untouched', async () => {
      const f = await post(report());
      fx.clock.advance(10 * SECOND);
      const ack = await fx.t.request('PATCH', `/fault/${f.body.id}`, { token: fx.token, body: { acknowledged: true } });
      expect(ack.status).toBe(200);
      expect(ack.body).toEqual({ ...f.body, acknowledged_at: fx.clock.now().toISOString().replace('Z', '000Z'), acknowledged_by: 'usr_alice' });
      // Acknowledging again keeps the first acknowledgement.
      fx.clock.advance(10 * SECOND);
      const again = await fx.t.request('PATCH', `/fault/${f.body.id}`, { token: userToken(fx.tenant, { subject: 'usr_bob' }), body: { acknowledged: true } });
      expect(again.body.acknowledged_by).toBe('usr_alice');
      const unack = await fx.t.request('PATCH', `/fault/${f.body.id}`, { token: fx.token, body: { acknowledged: false } });
      expect(unack.body).toEqual({ ...f.body, acknowledged_at: null, acknowledged_by: null });
      expect((await fx.t.request('PATCH', `/fault/${f.body.id}`, { token: fx.token, body: { acknowledged: 'yes' } })).status).toBe(400);
      expect((await fx.t.request('PATCH', `/fault/${f.body.id}`, { token: userToken(newTenant()), body: { acknowledged: true } })).status).toBe(404);
    });

    it('refuses to unresolve a fault whose dedup_key is open in another fault (409), since a key is open once', async () => {
      const first = await post(report());
      await resolve({ dedup_key: 'wantunnel:dev_wan1:WAN1' });
      fx.clock.advance(400 * SECOND);
      await post(report());
      const res = await fx.t.request('PATCH', `/fault/${first.body.id}`, { token: fx.token, body: { status: 'unresolved' } });
      expect(res.status).toBe(409);
      expect((await get(first.body.id)).body.status).toBe('resolved');
    });
  });

  describe('POST /fault/bulk', () => {
    const noKey = (): Record<string, unknown> => {
      const body = report();
      delete body.dedup_key;
      return body;
    };

    it('resolves, unresolves and acknowledges; foreign, unknown and malformed ids are not found', async () => {
      const mine = await Promise.all([post(noKey()), post(noKey()), post(noKey())]);
      const ids = mine.map((r) => r.body.id as string);
      const foreign = (await post(noKey(), userToken(newTenant()))).body.id as string;
      const unknown = 'flt_000000000000000000000000000';
      const bulk = (body: unknown): Promise<TestResponse> => fx.t.request('POST', '/fault/bulk', { token: fx.token, body });

      const resolved = await bulk({ ids: [...ids, foreign, unknown, 'garbage', ids[0]], action: 'resolve' });
      expect(resolved.status).toBe(200);
      expect(resolved.body).toEqual({ updated: 3, not_found: [foreign, unknown, 'garbage'] });
      for (const id of ids) expect((await get(id)).body.status).toBe('resolved');
      expect((await bulk({ ids, action: 'resolve' })).body).toEqual({ updated: 0, not_found: [] });

      expect((await bulk({ ids: [ids[0]], action: 'unresolve' })).body).toEqual({ updated: 1, not_found: [] });
      expect((await get(ids[0])).body).toMatchObject({ status: 'unresolved', resolved_at: null });

      const acked = await bulk({ ids: [ids[0], ids[1], foreign], action: 'acknowledge' });
      expect(acked.body).toEqual({ updated: 2, not_found: [foreign] });
      expect((await get(ids[1])).body).toMatchObject({ acknowledged_by: 'usr_alice', acknowledged_at: expect.any(String) });
      // The other tenant's fault was not touched.
      const other = await fx.t.request('GET', `/fault/${foreign}`, { token: userToken((await fx.db.query('SELECT customer_id FROM faults WHERE id = $1', [foreign]))[0].customer_id) });
      expect(other.body).toMatchObject({ status: 'unresolved', acknowledged_at: null });
    });

    it.each([
      ['no ids', { ids: [], action: 'resolve' }],
      ['101 ids', { ids: Array.from({ length: 101 }, (_, i) => `flt_${i}`), action: 'resolve' }],
      ['an unknown action', { ids: ['flt_1'], action: 'delete' }],
      ['ids of the wrong type', { ids: [1, 2], action: 'resolve' }],
      ['no action', { ids: ['flt_1'] }],
    ])('refuses %s with 400', async (_name, body) => {
      expect((await fx.t.request('POST', '/fault/bulk', { token: fx.token, body })).status).toBe(400);
    });

    it('needs faults:write', async () => {
      const res = await fx.t.request('POST', '/fault/bulk', { token: userToken(fx.tenant, { scopes: ['faults:read'] }), body: { ids: ['flt_1'], action: 'resolve' } });
      expect(res.status).toBe(403);
    });
  });

  describe('silences', () => {
    const silence = (body: Record<string, unknown>, tk = fx.token): Promise<TestResponse> =>
      fx.t.request('POST', '/fault/silences', { token: tk, body: { comment: 'Carrier maintenance', ends_at: new Date(fx.clock.now().getTime() + 3600_000).toISOString(), ...body } });
    const plain = (overrides: Record<string, unknown> = {}): Record<string, unknown> => {
      const body = report(overrides);
      delete body.dedup_key;
      return body;
    };

    it('creates one with an sil_ id and its author, lists active and future ones, deletes it', async () => {
      const res = await silence({ site: 'site_north' });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(/^sil_[0-9A-Za-z]{27}$/),
        site: 'site_north',
        resource_id: null,
        type: null,
        starts_at: fx.clock.now().toISOString().replace('Z', '000Z'),
        ends_at: new Date(fx.clock.now().getTime() + 3600_000).toISOString().replace('Z', '000Z'),
        comment: 'Carrier maintenance',
        created_by: 'usr_alice',
        created_at: fx.clock.now().toISOString().replace('Z', '000Z'),
        schedule: null,
        active: true,
        next_window: { starts_at: fx.clock.now().toISOString().replace('Z', '000Z'), ends_at: new Date(fx.clock.now().getTime() + 3600_000).toISOString().replace('Z', '000Z') },
      });
      const future = await silence({ type: 'bgp', starts_at: new Date(fx.clock.now().getTime() + 7200_000).toISOString(), ends_at: new Date(fx.clock.now().getTime() + 9000_000).toISOString() });
      expect(future.status).toBe(201);
      const listed = await fx.t.request('GET', '/fault/silences', { token: fx.token });
      expect(listed.body.map((s: { id: string }) => s.id)).toEqual([res.body.id, future.body.id]);

      fx.clock.advance(3601 * SECOND); // the first one has ended
      expect((await fx.t.request('GET', '/fault/silences', { token: fx.token })).body.map((s: { id: string }) => s.id)).toEqual([future.body.id]);
      const all = await fx.t.request('GET', '/fault/silences?include_expired=true', { token: fx.token });
      expect(all.body.map((s: { id: string }) => s.id)).toEqual([res.body.id, future.body.id]);

      expect((await fx.t.request('DELETE', `/fault/silences/${future.body.id}`, { token: fx.token })).status).toBe(204);
      expect((await fx.t.request('DELETE', `/fault/silences/${future.body.id}`, { token: fx.token })).status).toBe(404);
      expect((await fx.t.request('DELETE', '/fault/silences/not-an-id', { token: fx.token })).status).toBe(404);
    });

    it.each([
      ['site (any segment of the path)', { site: 'rack_7' }, { resource_ancestry_path: 'site_north|rack_7|dev_wan1' }, { resource_ancestry_path: 'site_north|rack_8|dev_wan1' }],
      ['site (not a substring)', { site: 'site_nor' }, null, { resource_ancestry_path: 'site_north|dev_wan1' }],
      ['resource_id', { resource_id: 'dev_wan1' }, { resource_id: 'dev_wan1' }, { resource_id: 'dev_wan2' }],
      ['type', { type: 'wantunnel' }, { type: 'wantunnel' }, { type: 'bgp' }],
      ['every matcher', { site: 'site_north', resource_id: 'dev_wan1', type: 'wantunnel' }, {}, { type: 'bgp' }],
    ])('silence by %s: a matching report is stored silenced, a non-matching one is not', async (_name, matchers, matching, other) => {
      expect((await silence(matchers)).status).toBe(201);
      if (matching !== null) {
        const hit = await post(plain(matching));
        expect([hit.status, hit.body.silenced]).toEqual([201, true]);
      }
      const miss = await post(plain(other));
      expect([miss.status, miss.body.silenced]).toEqual([201, false]);
    });

    it('applies only between starts_at and ends_at, and only to its tenant', async () => {
      await silence({ type: 'wantunnel', starts_at: new Date(fx.clock.now().getTime() + 600_000).toISOString(), ends_at: new Date(fx.clock.now().getTime() + 1200_000).toISOString() });
      expect((await post(plain())).body.silenced).toBe(false); // not started yet
      fx.clock.advance(700 * SECOND);
      const during = await post(plain());
      expect(during.body.silenced).toBe(true);
      const tokenB = userToken(newTenant());
      expect((await post(plain(), tokenB)).body.silenced).toBe(false); // B has no silence
      fx.clock.advance(600 * SECOND);
      expect((await post(plain())).body.silenced).toBe(false); // expired
      // Listed as usual, and filterable.
      expect((await list({ silenced: 'true' })).map((f) => f.id)).toEqual([during.body.id]);
      expect(await list({ silenced: 'false' })).toHaveLength(2);
    });

    it('keeps a fault silenced as it repeats, and decides again when it reopens', async () => {
      const s = await silence({ resource_id: 'dev_wan1' });
      const f = await post(report());
      expect(f.body.silenced).toBe(true);
      expect((await post(report())).body.silenced).toBe(true);
      await fx.t.request('DELETE', `/fault/silences/${s.body.id}`, { token: fx.token });
      expect((await post(report())).body.silenced).toBe(true); // same episode
      await resolve({ dedup_key: 'wantunnel:dev_wan1:WAN1' });
      const reopened = await post(report());
      expect(reopened.headers.get('fault-reopened')).toBe('true');
      expect(reopened.body.silenced).toBe(false);
    });

    it.each([
      ['no matcher', { comment: 'x' }],
      ['no ends_at', { site: 'site_a', ends_at: undefined }],
      ['ends before it starts', { site: 'site_a', starts_at: '2099-01-02T00:00:00Z', ends_at: '2099-01-01T00:00:00Z' }],
      ['longer than 90 days', { site: 'site_a', starts_at: '2099-01-01T00:00:00Z', ends_at: '2099-04-02T00:00:01Z' }],
      ['already over', { site: 'site_a', starts_at: '2020-01-01T00:00:00Z', ends_at: '2020-01-02T00:00:00Z' }],
      ['an empty comment', { site: 'site_a', comment: '  ' }],
      ['a comment of 501 characters', { site: 'site_a', comment: 'x'.repeat(501) }],
      ['a bad date', { site: 'site_a', ends_at: 'tomorrow' }],
      ['an empty matcher', { site: '' }],
      ['an unknown property', { site: 'site_a', customer_id: 'cus_x' }],
    ])('refuses %s with 400', async (_name, body) => {
      expect((await silence(body)).status).toBe(400);
    });

    it('accepts exactly 90 days, and the Swagger example (2099) as written', async () => {
      expect((await silence({ site: 'site_a', starts_at: '2099-01-01T00:00:00Z', ends_at: '2099-04-01T00:00:00Z' })).status).toBe(201);
      expect((await silence({ site: 'site_8a7b6c5d4e3f2g1h', type: 'wantunnel', starts_at: '2099-01-01T00:00:00Z', ends_at: '2099-01-01T04:00:00Z' })).status).toBe(201);
    });

    it('is per tenant and scoped: B neither sees nor deletes A’s silences; reads need faults:read, changes faults:write', async () => {
      const a = await silence({ site: 'site_north' });
      const tokenB = userToken(newTenant());
      expect((await fx.t.request('GET', '/fault/silences?include_expired=true', { token: tokenB })).body).toEqual([]);
      expect((await fx.t.request('DELETE', `/fault/silences/${a.body.id}`, { token: tokenB })).status).toBe(404);
      expect((await fx.t.request('GET', '/fault/silences', { token: fx.token })).body).toHaveLength(1);
      const reader = userToken(fx.tenant, { scopes: ['faults:read'] });
      expect((await fx.t.request('GET', '/fault/silences', { token: reader })).status).toBe(200);
      expect((await silence({ site: 'x' }, reader)).status).toBe(403);
      expect((await fx.t.request('DELETE', `/fault/silences/${a.body.id}`, { token: reader })).status).toBe(403);
      expect((await fx.t.request('GET', '/fault/silences', { token: serviceToken(['faults:ingest']) })).status).toBe(403);
    });
  });

  describe('filters q, dedup_key, acknowledged, silenced with exact paging', () => {
    it('pages every filter (alone and combined) exactly, newest first, 3 at a time', async () => {
      // 24 faults with distinct created_at (the clock moves 1 s between reports).
      const created: Array<Record<string, any>> = [];
      await fx.t.request('POST', '/fault/silences', { token: fx.token, body: { type: 'power', comment: 'PDU work', ends_at: new Date(fx.clock.now().getTime() + 86_400_000).toISOString() } });
      for (let i = 0; i < 24; i++) {
        fx.clock.advance(SECOND);
        const body: Record<string, unknown> = {
          resource_id: `dev_${i % 3}`,
          microservice_id: 'm',
          type: i % 4 === 0 ? 'power' : 'wantunnel',
          severity: i % 2 === 0 ? 'HIGH' : 'LOW',
          message: i % 3 === 0 ? `Primary link (WAN1) is DOWN #${i}` : `Backup link ${i} degraded`,
          cause: i % 5 === 0 ? 'Fibre cut 100%_done reported' : null,
          ...(i % 6 === 0 ? { dedup_key: `k${i}` } : {}),
        };
        const res = await post(body);
        expect(res.status).toBe(201);
        if (i % 7 === 0) await fx.t.request('PATCH', `/fault/${res.body.id}`, { token: fx.token, body: { acknowledged: true } });
        created.push({ ...res.body, acknowledged: i % 7 === 0 });
      }
      const newestFirst = [...created].reverse();
      const text = (f: Record<string, any>): string => `${f.message}\n${f.cause ?? ''}`.toLowerCase();
      const cases: Array<[Record<string, string>, (f: Record<string, any>) => boolean]> = [
        [{ q: 'wan1' }, (f) => text(f).includes('wan1')],
        [{ q: 'FIBRE CUT' }, (f) => text(f).includes('fibre cut')],
        [{ q: '100%_' }, (f) => text(f).includes('100%_')],
        [{ q: '0%' }, (f) => text(f).includes('0%')],
        [{ q: 'degraded fibre' }, () => false], // "… degraded" then cause "Fibre cut …": never matched across the two
        [{ dedup_key: 'k6' }, (f) => f.dedup_key === 'k6'],
        [{ acknowledged: 'true' }, (f) => f.acknowledged],
        [{ acknowledged: 'false' }, (f) => !f.acknowledged],
        [{ silenced: 'true' }, (f) => f.silenced],
        [{ silenced: 'false' }, (f) => !f.silenced],
        [{ q: 'link', severity: 'HIGH', acknowledged: 'false' }, (f) => text(f).includes('link') && f.severity === 'HIGH' && !f.acknowledged],
        [{ q: 'down', silenced: 'true', status: 'unresolved' }, (f) => text(f).includes('down') && f.silenced],
        [{ q: 'link', resource_id: 'dev_1', type: 'wantunnel' }, (f) => text(f).includes('link') && f.resource_id === 'dev_1' && f.type === 'wantunnel'],
        [{ silenced: 'false', acknowledged: 'false', site: 'site_north' }, () => false],
      ];
      expect(created.filter((f) => f.silenced)).toHaveLength(6);
      for (const [filters, matches] of cases) {
        const expected = newestFirst.filter(matches).map((f) => f.id);
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const qs: URLSearchParams = new URLSearchParams({ ...filters, limit: '3', ...(cursor ? { cursor } : {}) });
          const res: TestResponse = await fx.t.request('GET', `/fault?${qs.toString()}`, { token: fx.token });
          expect([filters, res.status]).toEqual([filters, 200]);
          seen.push(...res.body.data.map((f: { id: string }) => f.id));
          cursor = res.body.meta.cursor;
        } while (cursor !== null);
        expect([filters, seen]).toEqual([filters, expected]);
      }
      // A cursor of one filter is refused with another.
      const first = await fx.t.request('GET', '/fault?q=link&limit=2', { token: fx.token });
      expect((await fx.t.request('GET', `/fault?q=wan1&limit=2&cursor=${encodeURIComponent(first.body.meta.cursor)}`, { token: fx.token })).status).toBe(400);
    });

    it.each([['q=a'], [`q=${'x'.repeat(201)}`], ['q=a%0Ab'], ['acknowledged=yes'], ['silenced=1'], ['dedup_key=has%20space'], ['q=ab&q=cd']])(
      'refuses %s with 400',
      async (qs) => {
        expect((await fx.t.request('GET', `/fault?${qs}`, { token: fx.token })).status).toBe(400);
      },
    );

    it('finds a rare term beyond the newest-first walk (trigram step), and a frequent one, paging exactly', async () => {
      const seeded = await seedFaults(fx.db, fx.tenant, 3000, new Date(Date.now() - 3600_000), 1);
      const oldest = [...seeded].sort(keysetOrder).slice(-3);
      await fx.db.query(`UPDATE faults SET cause = 'Carrier ticket ZQX-7731' WHERE id = ANY($1::varchar[])`, [oldest.map((f) => f.id)]);
      const pages: string[][] = [];
      let cursor: string | null = null;
      do {
        const qs: URLSearchParams = new URLSearchParams({ q: 'zqx-77', limit: '2', ...(cursor ? { cursor } : {}) });
        const res: TestResponse = await fx.t.request('GET', `/fault?${qs.toString()}`, { token: fx.token });
        expect(res.status).toBe(200);
        pages.push(res.body.data.map((f: { id: string }) => f.id));
        cursor = res.body.meta.cursor;
      } while (cursor !== null);
      expect(pages.flat()).toEqual(oldest.map((f) => f.id));
      const frequent = await fx.t.request('GET', '/fault?q=(wan1)&limit=5', { token: fx.token });
      const expected: Array<{ id: string }> = await fx.db.query(
        `SELECT id FROM faults WHERE customer_id = $1 AND message ILIKE '%(wan1)%' ORDER BY created_at DESC, id DESC LIMIT 5`,
        [fx.tenant],
      );
      expect(expected).toHaveLength(5);
      expect(frequent.body.data.map((f: { id: string }) => f.id)).toEqual(expected.map((r) => r.id));
    });

    // A walk of 2,000 faults spanning 9 hours (a busy tenant: windows of time) or 3.5 days (one read).
    it.each([
      [1, 'in windows of time'],
      [10, 'in one read'],
    ])('finds rare matches spread over months after the walk (faults %i minutes apart: %s), each once and in order while paging, also from a date', async (spacing) => {
      const seeded = await seedFaults(fx.db, fx.tenant, 2200, new Date(Date.now() - 3600_000), spacing);
      const oldestSeeded = Math.min(...seeded.map((f) => Number(f.micros / 1000n)));
      const day = 86_400_000;
      // Older than every walked row and none within a day of it, days apart so that a page of 10 reads every window; two share a time (the id decides).
      const times = [1.5, 3, 3, 6, 30, 90, 300].map((days) => new Date(oldestSeeded - days * day).toISOString());
      await fx.db.query(
        `INSERT INTO faults (id, customer_id, resource_id, microservice_id, type, status, severity, message, cause, created_at, updated_at, ttl)
         SELECT 'flt_' || substr(md5(random()::text || n) || md5(random()::text), 1, 27), $1, 'dev_far', 'm', 'wantunnel', 'unresolved', 'HIGH', 'WAN1 down',
                'Carrier ticket QZW-5521', t, t, extract(epoch FROM t)::bigint + 425 * 86400
         FROM unnest($2::timestamptz[]) WITH ORDINALITY AS x(t, n)`,
        [fx.tenant, times],
      );
      const pagesOf = async (extra: Record<string, string>, limit = '2'): Promise<string[]> => {
        const ids: string[] = [];
        let cursor: string | null = null;
        do {
          const qs: URLSearchParams = new URLSearchParams({ q: 'qzw-55', limit, ...extra, ...(cursor ? { cursor } : {}) });
          const res: TestResponse = await fx.t.request('GET', `/fault?${qs.toString()}`, { token: fx.token });
          expect(res.status).toBe(200);
          ids.push(...res.body.data.map((f: { id: string }) => f.id));
          cursor = res.body.meta.cursor;
        } while (cursor !== null);
        return ids;
      };
      const expected = async (from: string): Promise<string[]> =>
        (
          await fx.db.query<Array<{ id: string }>>(
            `SELECT id FROM faults WHERE customer_id = $1 AND cause ILIKE '%qzw-55%' AND created_at >= $2 ORDER BY created_at DESC, id DESC`,
            [fx.tenant, from],
          )
        ).map((r) => r.id);
      const all = await expected('1970-01-01T00:00:00Z');
      expect(all).toHaveLength(times.length);
      expect(await pagesOf({}, '10')).toEqual(all);
      expect(await pagesOf({})).toEqual(all);
      const from = new Date(oldestSeeded - 10 * day).toISOString();
      expect(await pagesOf({ from }, '10')).toEqual(await expected(from));
      expect(await pagesOf({ from })).toEqual(await expected(from));
      expect(await expected(from)).toHaveLength(4);
    });

    it('never shows another tenant’s faults through the new filters', async () => {
      await post(report());
      const tokenB = userToken(newTenant());
      const queries: Array<Record<string, string>> = [{ q: 'WAN1' }, { dedup_key: 'wantunnel:dev_wan1:WAN1' }, { acknowledged: 'false' }, { silenced: 'false' }];
      for (const query of queries) {
        expect(await list(query, tokenB)).toEqual([]);
      }
    });
  });

  describe('top_faults', () => {
    it('counts occurrences: a fault that merged 5 reports outweighs 3 plain faults', async () => {
      for (let i = 0; i < 5; i++) await post(report({ resource_id: 'dev_flappy', dedup_key: 'flappy' }));
      const plain = report({ resource_id: 'dev_busy' });
      delete plain.dedup_key;
      for (let i = 0; i < 3; i++) await post(plain);
      const top = await fx.t.request('GET', '/fault/top_faults', { token: fx.token });
      expect(top.body.map((r: { resource_id: string; count: number }) => [r.resource_id, r.count])).toEqual([
        ['dev_flappy', 5],
        ['dev_busy', 3],
      ]);
      expect(top.body[0].faults).toHaveLength(1);
    });
  });
});
