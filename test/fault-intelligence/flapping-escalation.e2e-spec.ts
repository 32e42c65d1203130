import { DataSource } from 'typeorm';
import { Clock } from '../../src/common/clock';
import { FaultEscalationService } from '../../src/fault/escalation/fault-escalation.service';
import { FaultFlappingService } from '../../src/fault/flapping/fault-flapping.service';
import { FakeClock } from '../support/fake-clock';
import { TestApp, startTestApp } from '../support/test-app';
import { newTenant, userToken } from '../support/tokens';
import { waitFor } from '../support/wait-for';
import { MINUTE, deliveriesOf, eventsOf, faultReport, report } from './support';

/** Tokens outlive the hours the fake clock moves forward. */
const DAY = 86_400;

/**
 * Flapping and escalation on two instances of the service on one database and one (fake) clock: the
 * sweeps run on both at once and still announce each change exactly once.
 */
describe('Fault intelligence: flapping and escalation on two instances', () => {
  let a: TestApp;
  let b: TestApp;
  let db: DataSource;
  const clock = new FakeClock();
  let tenant: string;
  let token: string;

  beforeAll(async () => {
    const env = {
      JOBS_SCHEMA: 'jobs_flap_escalation_e2e',
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      FAULT_FLAP_THRESHOLD: '3',
      FAULT_FLAP_WINDOW_SECONDS: '3600',
      FAULT_REOPEN_WINDOW_SECONDS: '600',
    };
    [a, b] = await Promise.all([0, 1].map(() => startTestApp({ env, override: (builder) => builder.overrideProvider(Clock).useValue(clock) })));
    db = a.app.get(DataSource);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });
  beforeEach(() => {
    clock.current = new Date();
    tenant = newTenant();
    token = userToken(tenant, { subject: 'usr_alice', expiresInSeconds: DAY });
  });

  const both = <T>(work: (t: TestApp) => Promise<T>): Promise<T[]> => Promise.all([work(a), work(b)]);
  const get = async (id: string, tk = token): Promise<Record<string, any>> => (await a.request('GET', `/fault/${id}`, { token: tk })).body;
  const resolveKey = (key: string, tk = token) => b.request('POST', '/fault/resolve', { token: tk, body: { dedup_key: key } });

  /** Down, then up and down again `reopens` times, a minute apart. */
  const flap = async (key: string, reopens: number, tk = token): Promise<Record<string, any>> => {
    const body = faultReport('dev_wan', null, { dedup_key: key });
    const fault = await report(a, tk, body);
    for (let i = 0; i < reopens; i++) {
      clock.advance(MINUTE);
      await resolveKey(key, tk);
      clock.advance(MINUTE);
      await report(i % 2 === 0 ? b : a, tk, body);
    }
    return fault;
  };

  describe('flapping', () => {
    it('flaps at the third reopen within the window: one fault.flapping, filter, webhooks damped meanwhile', async () => {
      const hook = (await a.request('POST', '/webhooks', { token, body: { url: 'http://127.0.0.1:9/hook', events: ['*'] } })).body;
      const fault = await flap('wan1', 2);
      expect(await get(fault.id)).toMatchObject({ flapping: false, flapping_since: null });
      clock.advance(MINUTE);
      await resolveKey('wan1');
      clock.advance(MINUTE);
      const third = await report(a, token, faultReport('dev_wan', null, { dedup_key: 'wan1' }));
      expect(third).toMatchObject({ id: fault.id, flapping: true, flapping_since: clock.now().toISOString().replace('Z', '000Z') });
      expect(await eventsOf(db, tenant, 'fault.flapping')).toHaveLength(1);
      expect((await a.request('GET', '/fault?flapping=true', { token })).body.data.map((f: { id: string }) => f.id)).toEqual([fault.id]);
      expect((await a.request('GET', '/fault?flapping=false', { token })).body.data).toEqual([]);

      // More flaps: recorded (events, timeline) but not delivered; no second fault.flapping.
      await flap('wan1', 2);
      expect(await eventsOf(db, tenant, 'fault.flapping')).toHaveLength(1);
      expect((await eventsOf(db, tenant, 'fault.reopened')).length).toBe(5);
      const delivered = (await deliveriesOf(db, tenant)).get(hook.id)!;
      expect(delivered).toEqual(['fault.created', 'fault.resolved', 'fault.reopened', 'fault.resolved', 'fault.reopened', 'fault.resolved', 'fault.flapping']);
      const kinds = (await a.request('GET', `/fault/${fault.id}/timeline?limit=100`, { token })).body.data.map((e: { kind: string }) => e.kind);
      expect(kinds.filter((k: string) => k === 'flapping')).toHaveLength(1);
    });

    it('becomes stable after a whole quiet window, announced once although both instances sweep at once', async () => {
      const other = userToken(newTenant(), { expiresInSeconds: DAY });
      const otherFault = await flap('wan2', 3, other);
      const fault = await flap('wan2', 3);
      expect((await get(fault.id)).flapping).toBe(true);
      clock.advance(59 * MINUTE);
      await both((t) => t.app.get(FaultFlappingService).markStable());
      expect((await get(fault.id)).flapping).toBe(true);
      clock.advance(MINUTE);
      await both((t) => t.app.get(FaultFlappingService).markStable());
      expect(await get(fault.id)).toMatchObject({ flapping: false, flapping_since: null });
      expect(await get(otherFault.id, other)).toMatchObject({ flapping: false });
      expect(await eventsOf(db, tenant, 'fault.stable')).toHaveLength(1);
      const kinds = (await a.request('GET', `/fault/${fault.id}/timeline?limit=100`, { token })).body.data.map((e: { kind: string }) => e.kind);
      expect(kinds.slice(-1)).toEqual(['stable']);
      await both((t) => t.app.get(FaultFlappingService).markStable());
      expect(await eventsOf(db, tenant, 'fault.stable')).toHaveLength(1);
    });
  });

  describe('escalation', () => {
    const put = (body: unknown, tk = token) => a.request('PUT', '/fault/escalation', { token: tk, body });
    const sweep = () => both((t) => t.app.get(FaultEscalationService).escalateDue());
    const steps = async (id: string): Promise<number[]> => (await eventsOf(db, tenant, 'fault.escalated')).filter((e) => e.data.fault.id === id).map((e) => e.data.step);

    it('is off by default and refuses a bad policy naming the field', async () => {
      expect((await a.request('GET', '/fault/escalation', { token })).body).toMatchObject({ min_severity: 'HIGH', after_minutes: [] });
      for (const [body, field] of [
        [{ min_severity: 'HIGH', after_minutes: [15, 15] }, 'after_minutes'],
        [{ min_severity: 'HIGH', after_minutes: [0] }, 'after_minutes'],
        [{ min_severity: 'HIGH', after_minutes: [10_081] }, 'after_minutes'],
        [{ min_severity: 'HIGH', after_minutes: [1, 2, 3, 4, 5, 6] }, 'after_minutes'],
        [{ min_severity: 'SEVERE', after_minutes: [] }, 'min_severity'],
      ] as const) {
        const res = await put(body);
        expect(res.status).toBe(400);
        expect(res.body.errors[0].field).toBe(field);
      }
      expect((await put({ min_severity: 'HIGH', after_minutes: [15] }, userToken(tenant, { scopes: ['faults:read'], expiresInSeconds: DAY }))).status).toBe(403);
    });

    it('announces each step once across instances, stops on acknowledge, restarts from step 1 on reopen', async () => {
      expect((await put({ min_severity: 'HIGH', after_minutes: [15, 60, 240] })).body).toMatchObject({ after_minutes: [15, 60, 240], updated_by: 'usr_alice' });
      const fault = await report(a, token, faultReport('site_x', null, { dedup_key: 'site_x', severity: 'CRITICAL' }));
      const low = await report(a, token, faultReport('dev_low', null, { severity: 'MEDIUM' }));
      const symptom = await report(a, token, faultReport('dev_s', 'site_x|dev_s', { severity: 'CRITICAL' }));
      const otherTenant = userToken(newTenant(), { expiresInSeconds: DAY });
      const foreign = await report(a, otherTenant, faultReport('site_x', null, { severity: 'CRITICAL' }));
      clock.advance(14 * MINUTE);
      await sweep();
      expect(await steps(fault.id)).toEqual([]);
      clock.advance(MINUTE);
      await sweep();
      await sweep();
      expect(await steps(fault.id)).toEqual([1]);
      clock.advance(45 * MINUTE);
      await sweep();
      expect(await steps(fault.id)).toEqual([1, 2]);
      const [escalated] = (await eventsOf(db, tenant, 'fault.escalated')).slice(-1);
      expect(escalated.data).toMatchObject({ step: 2, after_minutes: 60 });
      expect(await steps(low.id)).toEqual([]);
      expect(await steps(symptom.id)).toEqual([]);
      expect((await eventsOf(db, foreign.customer_id, 'fault.escalated')).length).toBe(0);

      await a.request('PATCH', `/fault/${fault.id}`, { token, body: { acknowledged: true } });
      clock.advance(200 * MINUTE);
      await sweep();
      expect(await steps(fault.id)).toEqual([1, 2]);

      await a.request('POST', '/fault/resolve', { token, body: { dedup_key: 'site_x' } });
      clock.advance(MINUTE);
      await report(b, token, faultReport('site_x', null, { dedup_key: 'site_x', severity: 'CRITICAL' }));
      clock.advance(15 * MINUTE);
      await sweep();
      expect(await steps(fault.id)).toEqual([1, 2, 1]);
      const timeline = (await a.request('GET', `/fault/${fault.id}/timeline?limit=100`, { token })).body.data;
      expect(timeline.filter((e: { kind: string }) => e.kind === 'escalated').map((e: { details: { step: number } }) => e.details.step)).toEqual([1, 2, 1]);
    });

    it('runs as a scheduled job of the queue both instances share', async () => {
      const rows = await waitFor('the schedules', async () => {
        const found: Array<{ name: string; cron: string }> = await db.query(`SELECT name, cron FROM jobs_flap_escalation_e2e.schedule WHERE name IN ('fault-escalation', 'fault-flapping-stable') ORDER BY name`);
        return found.length === 2 ? found : undefined;
      });
      expect(rows).toEqual([
        { name: 'fault-escalation', cron: '* * * * *' },
        { name: 'fault-flapping-stable', cron: '* * * * *' },
      ]);
    });
  });
});
