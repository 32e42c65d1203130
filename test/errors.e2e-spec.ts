import { ProbeModule } from './support/probe.module';
import { RawResponse, rawRequest } from './support/raw-http';
import { TestApp, startTestApp } from './support/test-app';
import { userToken } from './support/tokens';

describe('error shape, limits and request ids', () => {
  let t: TestApp;
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

describe('rate limit per client address, before authentication', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ imports: [ProbeModule], env: { RATE_LIMIT_MAX: '3', RATE_LIMIT_ADDRESS_MAX: '8', RATE_LIMIT_WINDOW_SECONDS: '60' } });
  });
  afterAll(() => t.close());

  it('counts invalid tokens too, and keeps the per-principal limit after it', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await t.request('GET', '/__probe/default', { token: 'not-a-token' })).status);
    const principal = userToken('cus_addr');
    for (let i = 0; i < 4; i++) statuses.push((await t.request('GET', '/__probe/default', { token: principal })).status);
    expect(statuses).toEqual([401, 401, 401, 200, 200, 200, 429]); // the principal's own limit of 3
    statuses.length = 0;
    for (let i = 0; i < 3; i++) statuses.push((await t.request('GET', '/__probe/default', { token: `forged-${i}` })).status);
    expect(statuses).toEqual([401, 429, 429]); // 8 from this address: refused before the token is even looked at
    const res = await t.request('GET', '/__probe/public');
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(res.body).toEqual({ statusCode: 429, error: 'Too Many Requests', message: expect.stringMatching(/from this address/), request_id: expect.any(String) });
    expect((await t.request('GET', '/health')).status).toBe(200); // probes are exempt
  });
});

describe('access log redaction', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { LOG_CAPTURE: 'all' } });
  });
  afterAll(() => t.close());

  it('logs the route of each request with dashboard tokens and short codes in the path redacted, and no header or query string', async () => {
    const user = userToken('cus_redact');
    const minted = await t.request('POST', '/fault/token', { token: user, body: { expire_after_minutes: 5 } });
    expect(minted.status).toBe(200);
    const code = String(minted.body.short_link).split('/').pop()!;
    await t.request('GET', `/fault/token/${minted.body.token}?probe=query-value-7f3a`, { headers: { 'x-probe': 'header-value-9c2e' } });
    await t.request('GET', `/s/${code}`);
    const access = t.logs.map((l) => JSON.parse(l) as { msg?: string; req?: { path?: string; method?: string } }).filter((l) => l.msg === 'request completed');
    const paths = access.map((l) => `${l.req?.method} ${l.req?.path}`);
    expect(paths).toEqual(expect.arrayContaining(['POST /fault/token', 'GET /fault/token/[redacted]', 'GET /s/[redacted]']));
    const all = t.logs.join('\n');
    for (const secret of [minted.body.token as string, code, user, 'query-value-7f3a', 'header-value-9c2e']) expect(all).not.toContain(secret);
  });
});

describe('errors raised before Nest sees the request', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const shaped = (res: RawResponse, status: number): void => {
    expect({ status: res.status, body: res.body }).toEqual({
      status,
      body: { statusCode: status, error: expect.any(String), message: expect.any(String), request_id: expect.any(String) },
    });
    expect(res.headers['x-request-id']).toBe(res.body.request_id);
  };
  const get = (target: string, headers = ''): string => `GET ${target} HTTP/1.1\r\nHost: x\r\n${headers}Connection: close\r\n\r\n`;

  it.each([
    ['bad percent-encoding', get('/fault/%E0%A4%A'), 400],
    ['an invalid UTF-8 escape', get('/workflows/vault/%ED%A0%80'), 400],
    ['a path segment beyond 2048 characters', get(`/fault/${'a'.repeat(3000)}`), 414],
    ['a URL beyond the header limit', get(`/fault/${'a'.repeat(20_000)}`), 414],
    ['headers beyond the limit', get('/health', `x-big: ${'a'.repeat(20_000)}\r\n`), 431],
    ['a malformed request line', 'HELLO WORLD\r\n\r\n', 400],
    ['a bad header name', get('/health', 'bad header: 1\r\n'), 400],
    ['conflicting Content-Length and Transfer-Encoding', `POST /fault HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400],
  ])('answers %s in the error shape with a request id', async (_name, payload, status) => {
    shaped(await rawRequest(t.baseUrl, payload), status);
  });
});
