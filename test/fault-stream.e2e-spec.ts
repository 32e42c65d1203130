import { SseStream, openSse } from './support/sse-client';
import { TestApp, startTestApp } from './support/test-app';
import { newTenant, userToken } from './support/tokens';
import { waitFor } from './support/wait-for';

const FAULT = { resource_id: 'dev_1', microservice_id: 'wantunnel-monitor', type: 'wantunnel', severity: 'HIGH', message: 'WAN1 down' };
const ENV = { JOBS_SCHEMA: 'jobs_stream_e2e', STREAM_HEARTBEAT_MS: '300', STREAM_MAX_PER_PRINCIPAL: '2', FAULT_TOKEN_CACHE_MS: '200' };
const events = (s: SseStream) => s.frames.filter((f) => f.event !== undefined);

describe('live fault streams (SSE over LISTEN/NOTIFY)', () => {
  let a: TestApp;
  let b: TestApp;
  let tenant: string;
  let token: string;
  const open: SseStream[] = [];

  beforeAll(async () => {
    [a, b] = await Promise.all([startTestApp({ env: ENV }), startTestApp({ env: ENV })]);
  });
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });
  beforeEach(() => {
    tenant = newTenant();
    token = userToken(tenant, { subject: 'usr_noc' });
  });

  const stream = async (app: TestApp, path: string, headers: Record<string, string> = {}): Promise<SseStream> => {
    const s = await openSse(`${app.baseUrl}${path}`, headers);
    open.push(s);
    return s;
  };

  it('sends a fault event committed on another instance within a second, and only the tenant\'s own', async () => {
    const s = await stream(a, '/fault/stream', { authorization: `Bearer ${token}` });
    expect(s.status).toBe(200);
    const other = newTenant();
    await b.request('POST', '/fault', { token: userToken(other), body: FAULT });
    const started = Date.now();
    const created = await b.request('POST', '/fault', { token, body: FAULT });
    await waitFor('the event on the stream', () => events(s).length === 1, 1000);
    expect(Date.now() - started).toBeLessThan(1000);
    const [frame] = events(s);
    expect(frame.event).toBe('fault.created');
    const envelope = JSON.parse(frame.data!);
    expect(envelope).toMatchObject({ id: frame.id, type: 'fault.created', customer_id: tenant, data: { fault: created.body } });
    // Vault events are not fault events: not on this stream.
    await b.request('POST', '/workflows/vault', { token, body: { name: 'not-streamed', secret: 'x1y2z3' } });
    await b.request('PATCH', `/fault/${created.body.id}`, { token, body: { status: 'resolved' } });
    await waitFor('the resolution', () => events(s).length === 2, 1000);
    expect(events(s).map((f) => f.event)).toEqual(['fault.created', 'fault.resolved']);
  });

  it('resumes after Last-Event-ID from stored events, then goes on live', async () => {
    const first = await a.request('POST', '/fault', { token, body: FAULT });
    const s1 = await stream(a, '/fault/stream', { authorization: `Bearer ${token}` });
    await a.request('POST', `/fault/${first.body.id}/comment`, { token, body: { comment: 'one' } });
    // The stream may also get fault.created live (its notice can reach this instance just after the stream opened).
    const one = await waitFor('the comment, live', () => events(s1).find((f) => f.event === 'fault.commented'));
    const lastId = one.id!;
    s1.close();
    await a.request('POST', `/fault/${first.body.id}/comment`, { token, body: { comment: 'two' } });
    await a.request('PATCH', `/fault/${first.body.id}`, { token, body: { severity: 'LOW' } });
    const s2 = await stream(b, '/fault/stream', { authorization: `Bearer ${token}`, 'last-event-id': lastId });
    await waitFor('the missed events', () => events(s2).length === 2);
    await a.request('DELETE', `/fault/${first.body.id}`, { token });
    await waitFor('live after replay', () => events(s2).length === 3);
    expect(events(s2).map((f) => f.event)).toEqual(['fault.commented', 'fault.updated', 'fault.deleted']);
    expect((await stream(a, '/fault/stream', { authorization: `Bearer ${token}`, 'last-event-id': 'nonsense' })).status).toBe(400);
  });

  it('keeps the connection open with comment lines and bounds streams per principal', async () => {
    const s = await stream(a, '/fault/stream', { authorization: `Bearer ${token}` });
    await waitFor('a heartbeat', () => s.frames.some((f) => f.comment === 'keep-alive'));
    await stream(a, '/fault/stream', { authorization: `Bearer ${token}` });
    const third = await stream(a, '/fault/stream', { authorization: `Bearer ${token}` });
    expect(third.status).toBe(429);
    s.close();
    await waitFor('the slot freed', async () => (await stream(a, '/fault/stream', { authorization: `Bearer ${token}` })).status === 200);
  });

  it('needs faults:read and a user session', async () => {
    expect((await stream(a, '/fault/stream')).status).toBe(401);
    expect((await stream(a, '/fault/stream', { authorization: `Bearer ${userToken(tenant, { scopes: ['vault:read'] })}` })).status).toBe(403);
  });

  it('serves the shared dashboard stream and ends it within a second of revocation on another instance', async () => {
    const minted = await a.request('POST', '/fault/token', { token, body: { expire_after_minutes: 10 } });
    const code = minted.body.short_link.split('/').pop();
    const s = await stream(a, `/fault/token/${code}/stream`);
    expect(s.status).toBe(200);
    await b.request('POST', '/fault', { token, body: FAULT });
    await waitFor('the event on the dashboard stream', () => events(s).length === 1, 1000);
    expect((await b.request('DELETE', `/fault/token/${code}`, { token })).status).toBe(204);
    const revokedAt = Date.now();
    await s.ended;
    expect(Date.now() - revokedAt).toBeLessThan(1000);
    expect((await stream(a, `/fault/token/${code}/stream`)).status).toBe(404);
    expect((await stream(a, '/fault/token/unknown-code/stream')).status).toBe(404);
  });

  it('ends open streams when the service shuts down', async () => {
    const c = await startTestApp({ env: ENV });
    const s = await openSse(`${c.baseUrl}/fault/stream`, { authorization: `Bearer ${token}` });
    expect(s.status).toBe(200);
    const started = Date.now();
    await c.close();
    await s.ended;
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
