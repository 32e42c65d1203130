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

  it('answers readiness from a result at most ~1 s old: a flood of probes costs one check round', async () => {
    let calls = 0;
    t.app.get(ReadinessRegistry).register({ name: 'counted', check: async () => void calls++ });
    const began = performance.now();
    const statuses = await Promise.all(Array.from({ length: 50 }, () => t.request('GET', '/health/ready').then((r) => r.status)));
    const elapsedMs = performance.now() - began;
    expect(statuses.every((s) => s === 503)).toBe(true); // the failing check of the test before is still registered
    expect(calls).toBeLessThanOrEqual(1 + Math.ceil(elapsedMs / 1000));
    const deadline = Date.now() + 3000;
    const before = calls;
    while (calls === before) {
      expect(Date.now()).toBeLessThan(deadline);
      await t.request('GET', '/health/ready');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
});
