import { ProbeModule } from './support/probe.module';
import { TestApp, startTestApp } from './support/test-app';
import { userToken } from './support/tokens';

describe('error shape, limits and request ids', () => {
  let t: TestApp;
  const token = userToken('cus_errors');
  beforeAll(async () => {
    t = await startTestApp({ imports: [ProbeModule], env: { RATE_LIMIT_MAX: '5', RATE_LIMIT_WINDOW_SECONDS: '60' } });
  });
  afterAll(() => t.close());

  it('answers unknown routes with 404 in the error shape', async () => {
    const res = await t.request('GET', '/no/such/route');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ statusCode: 404, error: 'Not Found', message: 'Cannot GET /no/such/route', request_id: expect.any(String) });
  });

  it('lists every invalid field', async () => {
    const res = await t.request('POST', '/__probe/validate', { token: userToken('cus_v1'), body: { name: 5, limit: 500 } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual(
      expect.arrayContaining([
        { field: 'name', message: 'name must be a string' },
        { field: 'limit', message: 'limit must not be greater than 100' },
      ]),
    );
  });

  it('rejects unknown body properties', async () => {
    const res = await t.request('POST', '/__probe/validate', { token: userToken('cus_v2'), body: { name: 'a', limit: 1, admin: true } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'admin', message: 'property admin should not exist' }]);
  });

  it('rejects malformed JSON with 400', async () => {
    const res = await t.request('POST', '/__probe/validate', { token: userToken('cus_v3'), rawBody: '{"name": "a",' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
  });

  it.each(['{"__proto__": {"admin": true}, "name": "a", "limit": 1}', '{"constructor": {"prototype": {"x": 1}}, "name": "a", "limit": 1}'])(
    'rejects prototype-pollution keys: %s',
    async (rawBody) => {
      const res = await t.request('POST', '/__probe/validate', { token: userToken('cus_v4'), rawBody });
      expect(res.status).toBe(400);
      expect(({} as Record<string, unknown>).admin).toBeUndefined();
    },
  );

  it('rejects bodies over 64 KiB with 413', async () => {
    const res = await t.request('POST', '/__probe/validate', { token: userToken('cus_v5'), body: { name: 'x'.repeat(70 * 1024), limit: 1 } });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
  });

  it('rejects non-JSON content types with 415', async () => {
    const res = await t.request('POST', '/__probe/validate', { token: userToken('cus_v6'), rawBody: 'name=a', headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(415);
  });

  it('hides internals of unexpected errors behind a bare 500', async () => {
    const res = await t.request('GET', '/__probe/boom', { token: userToken('cus_v7') });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'Internal server error', request_id: expect.any(String) });
    expect(res.text).not.toContain('hunter2');
  });

  it('echoes a well-formed x-request-id and logs it on every line of the request', async () => {
    const res = await t.request('GET', '/__probe/boom', { token: userToken('cus_v8'), headers: { 'x-request-id': 'trace-abc.123' } });
    expect(res.headers.get('x-request-id')).toBe('trace-abc.123');
    expect(res.body.request_id).toBe('trace-abc.123');
    const lines = t.logs.filter((l) => l.includes('trace-abc.123'));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.some((l) => l.includes('internal detail'))).toBe(true); // the detail goes to the log, not the client
  });

  it('replaces a malformed x-request-id with a generated one', async () => {
    const res = await t.request('GET', '/health', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('redacts the Authorization header from logs', async () => {
    await t.request('GET', '/__probe/default', { token });
    expect(t.logs.join('\n')).not.toContain(token);
  });

  it('rate-limits per principal with 429 and Retry-After', async () => {
    const limited = userToken('cus_rl');
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await t.request('GET', '/__probe/default', { token: limited })).status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    const res = await t.request('GET', '/__probe/default', { token: limited });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(res.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    // another principal is unaffected
    expect((await t.request('GET', '/__probe/default', { token: userToken('cus_other') })).status).toBe(200);
  });

  it('sends security headers', async () => {
    const res = await t.request('GET', '/health');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
  });
});

describe('CORS', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { CORS_ORIGINS: 'https://console.example' } });
  });
  afterAll(() => t.close());

  it('allows configured origins only', async () => {
    const ok = await t.request('OPTIONS', '/health', { headers: { origin: 'https://console.example', 'access-control-request-method': 'GET' } });
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://console.example');
    const other = await t.request('OPTIONS', '/health', { headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
