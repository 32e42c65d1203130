import { Clock } from '../src/common/clock';
import { DASHBOARD_TOKEN_AUDIENCE } from '../src/fault/dashboard-access/dashboard-token.signer';
import { ProbeModule } from './support/probe.module';
import { FakeClock } from './support/fake-clock';
import { TestApp, startTestApp } from './support/test-app';
import { newTenant, rawToken, serviceToken, userToken, userTokenIssuedAt } from './support/tokens';

const faultBody = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  resource_id: 'dev_1',
  microservice_id: 'wantunnel-monitor',
  type: 'wantunnel',
  severity: 'HIGH',
  message: 'Primary link (WAN1) is down',
  ...overrides,
});

const decode = (jwt: string): { header: Record<string, unknown>; payload: Record<string, unknown> } => {
  const [h, p] = jwt.split('.') as [string, string];
  return { header: JSON.parse(Buffer.from(h, 'base64url').toString()), payload: JSON.parse(Buffer.from(p, 'base64url').toString()) };
};

describe('Fault dashboard tokens and short links', () => {
  let t: TestApp;
  const clock = new FakeClock();
  let tenant: string;
  let user: string;

  beforeAll(async () => {
    t = await startTestApp({
      env: { SHORT_LINK_BASE_URL: 'https://flt.example.com/s', FAULT_TOKEN_SECRET: 'fault-token-secret-for-e2e-4f9a1c7b2d8e6f3a' },
      imports: [ProbeModule],
      override: (b) => b.overrideProvider(Clock).useValue(clock),
    });
  });
  afterAll(() => t.close());
  beforeEach(() => {
    clock.current = new Date();
    tenant = newTenant();
    user = userToken(tenant, { subject: 'usr_owner' });
  });

  const mint = async (minutes = 60, tk = user): Promise<{ token: string; code: string; body: any }> => {
    const res = await t.request('POST', '/fault/token', { token: tk, body: { expire_after_minutes: minutes } });
    expect(res.status).toBe(200);
    return { token: res.body.token, code: String(res.body.short_link).split('/').pop()!, body: res.body };
  };
  const createFault = async (overrides: Record<string, unknown> = {}, tk = user): Promise<any> => {
    const res = await t.request('POST', '/fault', { token: tk, body: faultBody(overrides) });
    expect(res.status).toBe(201);
    return res.body;
  };

  describe('POST /fault/token', () => {
    it('mints a signed read-only JWT with kid, jti, tenant, issuer user, scope and our audience', async () => {
      const before = clock.nowSeconds();
      const { token, code, body } = await mint(90);
      expect(body).toEqual({
        token: expect.any(String),
        type: 'jwt',
        expires_in_minutes: 90,
        expires_at: new Date((before + 90 * 60) * 1000).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z'),
        short_link: `https://flt.example.com/s/${code}`,
      });
      expect(code).toMatch(/^[0-9A-Za-z]{10,}$/);
      const { header, payload } = decode(token);
      expect(header).toEqual({ alg: 'HS256', typ: 'netops-dashboard+jwt', kid: expect.any(String) });
      expect(payload).toEqual({
        iss: expect.any(String),
        aud: DASHBOARD_TOKEN_AUDIENCE,
        sub: 'usr_owner',
        customer_id: tenant,
        scope: 'faults:read',
        jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
        iat: before,
        exp: before + 90 * 60,
      });
      const second = await mint(90);
      expect(second.code).not.toBe(code);
      expect(decode(second.token).payload.jti).not.toBe(payload.jti);
    });

    it.each([
      [0, 400],
      [1, 200],
      [43200, 200],
      [43201, 400],
    ])('expire_after_minutes %d → %d', async (minutes, status) => {
      expect((await t.request('POST', '/fault/token', { token: user, body: { expire_after_minutes: minutes } })).status).toBe(status);
    });

    it.each([[{}], [{ expire_after_minutes: '60' }], [{ expire_after_minutes: 1.5 }], [{ expire_after_minutes: 60, customer_id: 'cus_x' }]])(
      'refuses %j',
      async (body) => {
        expect((await t.request('POST', '/fault/token', { token: user, body })).status).toBe(400);
      },
    );

    it('is for user sessions with faults:read only', async () => {
      expect((await t.request('POST', '/fault/token', { token: userToken(tenant, { scopes: ['vault:read'] }), body: { expire_after_minutes: 5 } })).status).toBe(403);
      expect((await t.request('POST', '/fault/token', { token: serviceToken(['faults:ingest']), body: { expire_after_minutes: 5 } })).status).toBe(403);
      expect((await t.request('POST', '/fault/token', { body: { expire_after_minutes: 5 } })).status).toBe(401);
    });
  });

  describe('as a Bearer token', () => {
    it('reads its own tenant only, and every write, mint, revoke and vault route is 403', async () => {
      const mine = await createFault();
      const foreign = await createFault({}, userToken(newTenant()));
      const { token, code } = await mint();

      const list = await t.request('GET', '/fault', { token });
      expect(list.status).toBe(200);
      expect(list.body.data.map((f: { id: string }) => f.id)).toEqual([mine.id]);
      expect((await t.request('GET', `/fault/${mine.id}`, { token })).status).toBe(200);
      expect((await t.request('GET', `/fault/${foreign.id}`, { token })).status).toBe(404);
      const top = await t.request('GET', '/fault/top_faults', { token });
      expect(top.status).toBe(200);
      expect(top.body.map((r: { resource_id: string }) => r.resource_id)).toEqual(['dev_1']);

      const forbidden: Array<[string, string, unknown?]> = [
        ['POST', '/fault', faultBody()],
        ['PATCH', `/fault/${mine.id}`, { status: 'resolved' }],
        ['DELETE', `/fault/${mine.id}`],
        ['POST', `/fault/${mine.id}/comment`, { comment: 'hi' }],
        ['POST', '/fault/token', { expire_after_minutes: 5 }],
        ['DELETE', `/fault/token/${code}`],
        ['GET', '/__probe/vault-read'],
        ['GET', '/workflows/vault'],
        ['POST', '/workflows/vault', { name: 'x', secret: 'y' }],
      ];
      for (const [method, path, body] of forbidden) {
        const res = await t.request(method, path, { token, body });
        expect([method, path, res.status]).toEqual([method, path, 403]);
      }
      const after = await t.request('GET', `/fault/${mine.id}`, { token: user });
      expect(after.body).toMatchObject({ status: 'unresolved', comments: [] });
    });

    it('cannot be forged, altered, or passed off as a user session', async () => {
      const { token } = await mint();
      const [h, , s] = token.split('.') as [string, string, string];
      const payload = decode(token).payload;
      const swapped = Buffer.from(JSON.stringify({ ...payload, customer_id: newTenant() })).toString('base64url');
      expect((await t.request('GET', '/fault', { token: `${h}.${swapped}.${s}` })).status).toBe(401);
      const wider = Buffer.from(JSON.stringify({ ...payload, scope: 'faults:write' })).toString('base64url');
      expect((await t.request('GET', '/fault', { token: `${h}.${wider}.${s}` })).status).toBe(401);
      // Signed with the identity provider's secret (what a user session would be): refused.
      const header = decode(token).header;
      expect((await t.request('GET', '/fault', { token: rawToken(header, payload) })).status).toBe(401);
      expect((await t.request('GET', '/fault', { token: rawToken({ alg: 'HS256', typ: 'JWT' }, payload) })).status).toBe(401);
      expect((await t.request('GET', '/fault', { token: rawToken({ ...header, alg: 'none' }, payload, null) })).status).toBe(401);
      // A user session naming the dashboard audience is refused too.
      const session = userToken(tenant);
      const sessionPayload = { ...decode(session).payload, aud: DASHBOARD_TOKEN_AUDIENCE };
      expect((await t.request('GET', '/fault', { token: rawToken({ alg: 'HS256', typ: 'JWT' }, sessionPayload) })).status).toBe(401);
    });

    it('stops working when it expires (injected clock)', async () => {
      const { token, code } = await mint(1);
      expect((await t.request('GET', '/fault', { token })).status).toBe(200);
      clock.advance(59_000);
      expect((await t.request('GET', '/fault', { token })).status).toBe(200);
      clock.advance(1_000);
      const res = await t.request('GET', '/fault', { token });
      expect(res.status).toBe(401);
      expect(res.body.message).toMatch(/expired/);
      expect((await t.request('GET', `/fault/token/${code}`)).status).toBe(404);
      expect((await t.request('GET', `/fault/token/${token}`)).status).toBe(404);
      expect((await t.request('GET', `/s/${code}`)).status).toBe(404);
    });
  });

  describe('GET /fault/token/{id} (public dashboard)', () => {
    it('shows unresolved or last-24h faults of the token tenant, newest first, by token or by code', async () => {
      clock.advance(-48 * 3600_000);
      const then = userTokenIssuedAt(tenant, clock.nowSeconds(), 'usr_owner'); // a session of that time
      const oldOpen = await createFault({ message: 'old open' }, then);
      const oldResolved = await createFault({ message: 'old resolved' }, then);
      await t.request('PATCH', `/fault/${oldResolved.id}`, { token: then, body: { status: 'resolved' } });
      clock.current = new Date();
      clock.advance(-3600_000);
      const anHourAgo = userTokenIssuedAt(tenant, clock.nowSeconds(), 'usr_owner');
      const recentResolved = await createFault({ message: 'recent resolved' }, anHourAgo);
      await t.request('PATCH', `/fault/${recentResolved.id}`, { token: anHourAgo, body: { status: 'resolved' } });
      clock.current = new Date();
      const newest = await createFault({ message: 'newest' });
      await createFault({ message: 'other tenant' }, userToken(newTenant()));
      const { token, code } = await mint();

      for (const id of [code, token]) {
        const res = await t.request('GET', `/fault/token/${id}`);
        expect(res.status).toBe(200);
        expect(res.headers.get('cache-control')).toBe('no-store');
        expect(res.body.map((f: { id: string }) => f.id)).toEqual([newest.id, recentResolved.id, oldOpen.id]);
      }
    });

    it('returns at most 100', async () => {
      for (let i = 0; i < 103; i++) {
        await createFault({ message: `fault ${i}` });
        clock.advance(1);
      }
      const { code } = await mint();
      const res = await t.request('GET', `/fault/token/${code}`);
      expect(res.body).toHaveLength(100);
      expect(res.body[0].message).toBe('fault 102');
    });

    it('answers 404 for unknown codes, garbage, and tokens it did not mint', async () => {
      for (const id of ['AAAAAAAAAAAA', 'short', 'a.b.c', 'x'.repeat(2000), encodeURIComponent('../../etc'), user]) {
        expect((await t.request('GET', `/fault/token/${id}`)).status).toBe(404);
      }
    });
  });

  describe('DELETE /fault/token/{id}', () => {
    it('revokes by code or by token; the token, its code and its link stop working; other tenants get 404', async () => {
      const a = await mint();
      const b = await mint();
      expect((await t.request('DELETE', `/fault/token/${a.code}`, { token: userToken(newTenant()) })).status).toBe(404);
      expect((await t.request('DELETE', `/fault/token/${a.token}`, { token: userToken(newTenant()) })).status).toBe(404);
      expect((await t.request('GET', '/fault', { token: a.token })).status).toBe(200);

      expect((await t.request('DELETE', `/fault/token/${a.code}`, { token: user })).status).toBe(204);
      expect((await t.request('DELETE', `/fault/token/${b.token}`, { token: user })).status).toBe(204);
      for (const x of [a, b]) {
        const res = await t.request('GET', '/fault', { token: x.token });
        expect(res.status).toBe(401);
        expect(res.body.message).toMatch(/revoked/);
        expect((await t.request('GET', `/fault/token/${x.code}`)).status).toBe(404);
        expect((await t.request('GET', `/s/${x.code}`)).status).toBe(404);
      }
      expect((await t.request('DELETE', '/fault/token/AAAAAAAAAAAA', { token: user })).status).toBe(404);
    });

    it('takes effect on another instance within one second', async () => {
      const other = await startTestApp({ env: { FAULT_TOKEN_SECRET: 'fault-token-secret-for-e2e-4f9a1c7b2d8e6f3a' } });
      try {
        const { token, code } = await mint();
        expect((await other.request('GET', '/fault', { token })).status).toBe(200);
        expect((await other.request('GET', '/fault', { token })).status).toBe(200); // now cached there
        const revokedAt = Date.now();
        expect((await t.request('DELETE', `/fault/token/${code}`, { token: user })).status).toBe(204);
        let status = 200;
        while (status === 200 && Date.now() - revokedAt < 3000) {
          status = (await other.request('GET', '/fault', { token })).status;
          if (status === 200) await new Promise((r) => setTimeout(r, 50));
        }
        expect(status).toBe(401);
        expect(Date.now() - revokedAt).toBeLessThan(1000);
      } finally {
        await other.close();
      }
    });
  });

  describe('GET /s/{code}', () => {
    it("redirects (302) to this service's dashboard by default, which then serves the faults", async () => {
      const f = await createFault();
      const { code } = await mint();
      const res = await t.request('GET', `/s/${code}`);
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe(`/fault/token/${code}`);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const page = await t.request('GET', res.headers.get('location')!);
      expect(page.body.map((x: { id: string }) => x.id)).toEqual([f.id]);
    });

    it('puts the token into a configured DASHBOARD_URL', async () => {
      const other = await startTestApp({
        env: { FAULT_TOKEN_SECRET: 'fault-token-secret-for-e2e-4f9a1c7b2d8e6f3a', DASHBOARD_URL: 'https://dash.example.com/faults?token={token}' },
      });
      const plain = await startTestApp({
        env: { FAULT_TOKEN_SECRET: 'fault-token-secret-for-e2e-4f9a1c7b2d8e6f3a', DASHBOARD_URL: 'https://dash.example.com/wall' },
      });
      try {
        const { token, code } = await mint();
        const res = await other.request('GET', `/s/${code}`);
        expect(res.status).toBe(302);
        expect(res.headers.get('location')).toBe(`https://dash.example.com/faults?token=${token}`);
        const fragment = await plain.request('GET', `/s/${code}`);
        expect(fragment.headers.get('location')).toBe(`https://dash.example.com/wall#token=${token}`);
      } finally {
        await other.close();
        await plain.close();
      }
    });

    it('after a key rotation: old JWTs are refused, codes still work and hand out a token under the new key', async () => {
      const rotated = await startTestApp({ env: { FAULT_TOKEN_SECRET: 'rotated-fault-token-secret-9b8c7d6e5f4a3b2c1d0e', DASHBOARD_URL: 'https://d.example.com/{token}' } });
      try {
        const f = await createFault();
        const { token, code } = await mint();
        expect((await rotated.request('GET', '/fault', { token })).status).toBe(401);
        expect((await rotated.request('GET', `/fault/token/${token}`)).status).toBe(404);
        expect((await rotated.request('GET', `/fault/token/${code}`)).status).toBe(200);
        const res = await rotated.request('GET', `/s/${code}`);
        const fresh = decodeURIComponent(res.headers.get('location')!.replace('https://d.example.com/', ''));
        expect(fresh).not.toBe(token);
        expect(decode(fresh).payload).toEqual(decode(token).payload);
        const list = await rotated.request('GET', '/fault', { token: fresh });
        expect(list.body.data.map((x: { id: string }) => x.id)).toEqual([f.id]);
      } finally {
        await rotated.close();
      }
    });

    it('answers 404 for unknown or malformed codes', async () => {
      for (const code of ['AAAAAAAAAAAA', 'abc', 'has-dash-00000', 'x'.repeat(40)]) {
        expect((await t.request('GET', `/s/${code}`)).status).toBe(404);
      }
    });
  });
});
