import { clockedTenantSuite } from '../support/clocked-tenant-suite';
import { newTenant, userToken } from '../support/tokens';
import { MINUTE, deliveriesOf, eventsOf, faultReport, report } from './support';

const SITE = 'site_north';
const path = (...segments: string[]): string => [SITE, ...segments].join('|');

/** Topology correlation through HTTP on PostgreSQL: roots, adoption, filters, webhooks' include_symptoms, exactly once under concurrency. */
describe('Fault intelligence: topology correlation', () => {
  const fx = clockedTenantSuite({ env: { JOBS_SCHEMA: 'jobs_correlation_e2e', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', FAULT_CORRELATION_WINDOW_SECONDS: '300' } });

  const get = async (id: string): Promise<Record<string, any>> => (await fx.t.request('GET', `/fault/${id}`, { token: fx.token })).body;
  const list = async (query: Record<string, string>): Promise<string[]> => {
    const res = await fx.t.request('GET', `/fault?${new URLSearchParams({ limit: '100', ...query }).toString()}`, { token: fx.token });
    expect(res.status).toBe(200);
    return res.body.data.map((f: { id: string }) => f.id).sort();
  };

  it('roots a fault reported under an open site fault at it, and counts the symptoms on the root', async () => {
    const site = await report(fx.t, fx.token, faultReport(SITE, SITE));
    expect(site).toMatchObject({ root_fault_id: null, symptom_count: 0, flapping: false, flapping_since: null });
    const devices: Array<Record<string, any>> = [];
    for (const dev of ['dev_a', 'dev_b', 'dev_c']) devices.push(await report(fx.t, fx.token, faultReport(dev, path(dev))));
    for (const d of devices) expect(d.root_fault_id).toBe(site.id);
    expect((await get(site.id)).symptom_count).toBe(3);

    expect(await list({ root: 'true' })).toEqual([site.id]);
    // A list page counts its faults' symptoms too (in one read for the page), and the search as well.
    for (const query of ['limit=100', 'q=down', 'status=recent']) {
      const page = (await fx.t.request('GET', `/fault?${query}`, { token: fx.token })).body.data as Array<{ id: string; symptom_count: number }>;
      expect(page.map((f) => [f.id, f.symptom_count]).sort()).toEqual([...devices.map((d) => [d.id, 0]), [site.id, 3]].sort());
    }
    expect(await list({ root: 'false' })).toEqual(devices.map((d) => d.id).sort());
    expect(await list({ root_fault_id: site.id })).toEqual(devices.map((d) => d.id).sort());
    // Adopted at creation: no fault.correlated (the fault.created event carries root_fault_id).
    expect(await eventsOf(fx.db, fx.tenant, 'fault.correlated')).toHaveLength(0);
    const created = await eventsOf(fx.db, fx.tenant, 'fault.created');
    expect(created.find((e) => e.data.fault.id === devices[0].id)?.data.fault.root_fault_id).toBe(site.id);
  });

  it('adopts the faults below it reported within the window, each with one fault.correlated, and leaves older ones alone', async () => {
    const old = await report(fx.t, fx.token, faultReport('dev_old', path('dev_old')));
    fx.clock.advance(6 * MINUTE);
    const recent = await report(fx.t, fx.token, faultReport('dev_a', path('dev_a')));
    const other = await report(fx.t, fx.token, faultReport('dev_x', 'site_south|dev_x'));
    fx.clock.advance(4 * MINUTE);
    const site = await report(fx.t, fx.token, faultReport(SITE, SITE));
    expect(site.symptom_count).toBe(1);
    expect((await get(recent.id)).root_fault_id).toBe(site.id);
    expect((await get(old.id)).root_fault_id).toBeNull();
    expect((await get(other.id)).root_fault_id).toBeNull();
    const correlated = await eventsOf(fx.db, fx.tenant, 'fault.correlated');
    expect(correlated.map((e) => [e.data.fault.id, e.data.root_fault_id])).toEqual([[recent.id, site.id]]);
  });

  it('takes the nearest ancestor, and the oldest open fault on it', async () => {
    const site = await report(fx.t, fx.token, faultReport(SITE, SITE));
    const rack1 = await report(fx.t, fx.token, faultReport('rack_7', path('rack_7'), { type: 'power' }));
    fx.clock.advance(1000);
    await report(fx.t, fx.token, faultReport('rack_7', path('rack_7'), { type: 'cooling' }));
    expect(rack1.root_fault_id).toBe(site.id);
    const dev = await report(fx.t, fx.token, faultReport('dev_a', path('rack_7', 'dev_a')));
    expect(dev.root_fault_id).toBe(rack1.id);
  });

  it('a rack fault reported later adopts devices rooted at the site (it is nearer), not the other way round', async () => {
    const site = await report(fx.t, fx.token, faultReport(SITE, SITE));
    const dev = await report(fx.t, fx.token, faultReport('dev_a', path('rack_7', 'dev_a')));
    expect(dev.root_fault_id).toBe(site.id);
    const rack = await report(fx.t, fx.token, faultReport('rack_7', path('rack_7')));
    expect(rack.root_fault_id).toBe(site.id);
    expect((await get(dev.id)).root_fault_id).toBe(rack.id);
    expect((await get(site.id)).symptom_count).toBe(1);
    expect((await get(rack.id)).symptom_count).toBe(1);
    const site2 = await report(fx.t, fx.token, faultReport(SITE, SITE, { type: 'power' }));
    expect(site2.symptom_count).toBe(0);
  });

  it('never resolves a symptom with its root; the root_fault_id stays', async () => {
    const site = await report(fx.t, fx.token, faultReport(SITE, SITE, { dedup_key: 'site-down' }));
    const dev = await report(fx.t, fx.token, faultReport('dev_a', path('dev_a')));
    const resolved = await fx.t.request('POST', '/fault/resolve', { token: fx.token, body: { dedup_key: 'site-down' } });
    expect(resolved.body.resolved).toBe(1);
    expect(await get(dev.id)).toMatchObject({ status: 'unresolved', root_fault_id: site.id });
  });

  it('keeps tenants apart: another tenant’s site fault roots nothing here', async () => {
    const other = userToken(newTenant());
    await report(fx.t, other, faultReport(SITE, SITE));
    const dev = await report(fx.t, fx.token, faultReport('dev_a', path('dev_a')));
    expect(dev.root_fault_id).toBeNull();
    const foreign = await fx.t.request('GET', `/fault?root_fault_id=${dev.id}`, { token: other });
    expect(foreign.body.data).toEqual([]);
  });

  it('a site fault and 50 device faults reported at once, in any order, end with every device rooted at the site', async () => {
    const devices = Array.from({ length: 50 }, (_, i) => `dev_${i}`);
    const order = [SITE, ...devices].sort(() => Math.random() - 0.5);
    const results = await Promise.all(order.map((r) => report(fx.t, fx.token, faultReport(r, r === SITE ? SITE : path(r)))));
    const site = results.find((f) => f.resource_id === SITE)!;
    const faults = (await fx.t.request('GET', '/fault?limit=100', { token: fx.token })).body.data as Array<Record<string, any>>;
    expect(faults).toHaveLength(51);
    for (const f of faults) expect(f.root_fault_id).toBe(f.id === site.id ? null : site.id);
    expect(faults.find((f) => f.id === site.id)!.symptom_count).toBe(50);
    // Each device announced as correlated at most once: those reported before the site were adopted, the rest rooted at creation.
    const correlated = await eventsOf(fx.db, fx.tenant, 'fault.correlated');
    const ids = correlated.map((e) => e.data.fault.id);
    expect(new Set(ids).size).toBe(ids.length);
    const rootedAtCreation = (await eventsOf(fx.db, fx.tenant, 'fault.created')).filter((e) => e.data.fault.root_fault_id === site.id).length;
    expect(ids.length + rootedAtCreation).toBe(50);
  });

  it('delivers a symptom’s events only to webhooks with include_symptoms, and fault.correlated to all', async () => {
    const plain = (await fx.t.request('POST', '/webhooks', { token: fx.token, body: { url: 'http://127.0.0.1:9/plain', events: ['fault.*'] } })).body;
    const all = (await fx.t.request('POST', '/webhooks', { token: fx.token, body: { url: 'http://127.0.0.1:9/all', events: ['fault.*'], include_symptoms: true } })).body;
    expect(plain.include_symptoms).toBe(false);
    expect(all.include_symptoms).toBe(true);
    const early = await report(fx.t, fx.token, faultReport('dev_early', path('dev_early')));
    const site = await report(fx.t, fx.token, faultReport(SITE, SITE));
    const late = await report(fx.t, fx.token, faultReport('dev_late', path('dev_late')));
    await fx.t.request('POST', `/fault/${late.id}/comment`, { token: fx.token, body: { comment: 'same outage' } });
    expect(late.root_fault_id).toBe(site.id);
    expect((await get(early.id)).root_fault_id).toBe(site.id);
    const deliveries = await deliveriesOf(fx.db, fx.tenant);
    expect(deliveries.get(plain.id)).toEqual(['fault.created', 'fault.created', 'fault.correlated']);
    expect(deliveries.get(all.id)).toEqual(['fault.created', 'fault.created', 'fault.correlated', 'fault.created', 'fault.commented']);
    const patched = await fx.t.request('PATCH', `/webhooks/${plain.id}`, { token: fx.token, body: { include_symptoms: true } });
    expect(patched.body.include_symptoms).toBe(true);
  });
});
