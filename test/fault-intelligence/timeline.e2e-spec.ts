import { clockedTenantSuite } from '../support/clocked-tenant-suite';
import { newTenant, serviceToken, userToken } from '../support/tokens';
import { faultReport, report } from './support';

/** GET /fault/{id}/timeline: every kind, repeats folded, paged, tenant-scoped, deleted with the fault. */
describe('Fault intelligence: timeline', () => {
  const fx = clockedTenantSuite({ env: { JOBS_SCHEMA: 'jobs_timeline_e2e' }, startAt: () => new Date(Math.floor(Date.now() / 1000) * 1000) });

  const timeline = async (id: string, query = 'limit=100', tk = fx.token): Promise<Array<Record<string, any>>> => {
    const res = await fx.t.request('GET', `/fault/${id}/timeline?${query}`, { token: tk });
    expect(res.status).toBe(200);
    return res.body.data;
  };
  const tick = (): void => fx.clock.advance(1000);

  it('tells the whole story of a fault: who did what, repeats folded, in order', async () => {
    const body = faultReport('dev_a', 'site_n|dev_a', { dedup_key: 'dev_a:wan', severity: 'WARNING' });
    const fault = await report(fx.t, fx.token, body);
    tick();
    await report(fx.t, fx.token, body);
    tick();
    await report(fx.t, fx.token, body);
    tick();
    await report(fx.t, fx.token, { ...body, severity: 'CRITICAL' });
    tick();
    await report(fx.t, fx.token, { ...body, severity: 'CRITICAL' });
    tick();
    await fx.t.request('PATCH', `/fault/${fault.id}`, { token: fx.token, body: { acknowledged: true } });
    tick();
    await fx.t.request('PATCH', `/fault/${fault.id}`, { token: userToken(fx.tenant, { subject: 'usr_bob' }), body: { acknowledged: false, message: 'WAN1 down' } });
    tick();
    await fx.t.request('POST', `/fault/${fault.id}/comment`, { token: fx.token, body: { comment: 'ISP ticket 4711' } });
    tick();
    const svc = serviceToken(['faults:ingest'], 'wan-monitor', [fx.tenant]);
    await fx.t.request('POST', '/fault/resolve', { token: svc, body: { customer_id: fx.tenant, dedup_key: 'dev_a:wan' } });
    tick();
    await report(fx.t, fx.token, body);
    tick();
    const site = await report(fx.t, fx.token, faultReport('site_n', 'site_n'));

    const entries = await timeline(fault.id);
    expect(entries.map((e) => [e.kind, e.actor])).toEqual([
      ['created', 'usr_alice'],
      ['occurred', 'usr_alice'],
      ['severity_raised', 'usr_alice'],
      ['occurred', 'usr_alice'],
      ['acknowledged', 'usr_alice'],
      ['updated', 'usr_bob'],
      ['unacknowledged', 'usr_bob'],
      ['commented', 'usr_alice'],
      ['resolved', 'wan-monitor'],
      ['reopened', 'usr_alice'],
      ['correlated', 'system'],
    ]);
    const stamp = (seconds: number): string => new Date(Date.parse(fault.created_at) + seconds * 1000).toISOString().replace('Z', '000Z');
    expect(entries[1].details).toMatchObject({ count: 2, first_at: stamp(1), last_at: stamp(2) });
    expect(entries[2].details).toMatchObject({ from: 'WARNING', to: 'CRITICAL' });
    // The raising report is an occurrence too; the next repeat folds into it.
    expect(entries[3].details).toMatchObject({ count: 2 });
    expect(entries[5].details).toMatchObject({ fields: ['message'] });
    expect(entries[10].details).toEqual({ root_fault_id: site.id });
    const times = entries.map((e) => e.at);
    expect([...times].sort()).toEqual(times);
  });

  it('pages oldest first with a cursor, and refuses a bad one', async () => {
    const fault = await report(fx.t, fx.token, faultReport('dev_a', null));
    for (let i = 0; i < 4; i++) {
      tick();
      await fx.t.request('POST', `/fault/${fault.id}/comment`, { token: fx.token, body: { comment: `note ${i}` } });
    }
    const all = await timeline(fault.id);
    const seen: Array<Record<string, any>> = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: any } = await fx.t.request('GET', `/fault/${fault.id}/timeline?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: fx.token });
      seen.push(...res.body.data);
      cursor = res.body.meta.cursor;
    } while (cursor !== null);
    expect(seen).toEqual(all);
    expect(all).toHaveLength(5);
    const bad = await fx.t.request('GET', `/fault/${fault.id}/timeline?cursor=nope`, { token: fx.token });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('cursor');
    expect((await fx.t.request('GET', `/fault/${fault.id}/timeline?limit=101`, { token: fx.token })).status).toBe(400);
  });

  it('is another tenant’s 404, and is deleted with its fault', async () => {
    const fault = await report(fx.t, fx.token, faultReport('dev_a', null));
    expect((await fx.t.request('GET', `/fault/${fault.id}/timeline`, { token: userToken(newTenant()) })).status).toBe(404);
    expect((await fx.t.request('GET', '/fault/flt_000000000000000000000000000/timeline', { token: fx.token })).status).toBe(404);
    const count = async (): Promise<number> => (await fx.db.query(`SELECT count(*)::int AS n FROM fault_timeline WHERE fault_id = $1`, [fault.id]))[0].n;
    expect(await count()).toBe(1);
    expect((await fx.t.request('DELETE', `/fault/${fault.id}`, { token: fx.token })).status).toBe(204);
    expect(await count()).toBe(0);
  });
});
