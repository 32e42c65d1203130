import { ReadinessRegistry } from '../src/health/readiness.registry';
import { TestApp, startTestApp } from './support/test-app';

describe('health', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('reports liveness without touching dependencies', async () => {
    expect(await t.request('GET', '/health').then((r) => [r.status, r.body])).toEqual([200, { status: 'ok' }]);
  });

  it('reports readiness with the database up', async () => {
    const res = await t.request('GET', '/health/ready');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ready', checks: { database: { status: 'up' } } });
  });

  it('turns readiness to 503 when a dependency fails, liveness stays 200', async () => {
    t.app.get(ReadinessRegistry).register({ name: 'failing', check: () => Promise.reject(new Error('down for the test')) });
    const res = await t.request('GET', '/health/ready');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 'not_ready', checks: { database: { status: 'up' }, failing: { status: 'down', error: 'down for the test' } } });
    expect((await t.request('GET', '/health')).status).toBe(200);
  });
});

