import { parse } from 'csv-parse/sync';
import { DataSource } from 'typeorm';
import { keysetOrder, seedFaults } from '../support/fault-seed';
import { TestApp, startTestApp } from '../support/test-app';
import { newTenant, userToken } from '../support/tokens';
import { faultReport, report } from './support';

/** GET /fault as CSV and NDJSON: every matching fault, newest first, RFC 4180 read back by a real CSV parser, formula injection guarded. */
describe('Fault intelligence: export', () => {
  let t: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp({ env: { JOBS_SCHEMA: 'jobs_export_e2e' } });
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  const exported = (token: string, accept: string, query = ''): Promise<Response> =>
    fetch(`${t.baseUrl}/fault${query}`, { headers: { authorization: `Bearer ${token}`, accept } });

  it('streams every fault of the tenant (past any page size), newest first, with the filters applied', async () => {
    const tenant = newTenant();
    const token = userToken(tenant);
    const seeded = (await seedFaults(db, tenant, 1234, new Date(), 1)).sort(keysetOrder);
    await seedFaults(db, newTenant(), 50, new Date(), 1);

    const res = await exported(token, 'text/csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="faults.csv"');
    const records = parse<Record<string, string>>(await res.text(), { columns: true });
    expect(records.map((r) => r.id)).toEqual(seeded.map((f) => f.id));
    expect(Object.keys(records[0])).not.toContain('comments');
    expect(records.every((r) => r.customer_id === tenant)).toBe(true);

    const high = parse<Record<string, string>>(await (await exported(token, 'text/csv', '?severity=HIGH&status=unresolved')).text(), { columns: true });
    expect(high.map((r) => r.id)).toEqual(seeded.filter((f) => f.severity === 'HIGH' && f.status === 'unresolved').map((f) => f.id));

    const ndjson = await exported(token, 'application/x-ndjson', '?type=power');
    expect(ndjson.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = (await ndjson.text()).trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((f) => f.id)).toEqual(seeded.filter((f) => f.type === 'power').map((f) => f.id));
    expect(lines[0]).toHaveProperty('comments');
  });

  it('quotes per RFC 4180 and defuses spreadsheet formulas in every cell', async () => {
    const tenant = newTenant();
    const token = userToken(tenant, { subject: 'usr_alice' });
    const tricky = await report(t, token, faultReport('dev_a', null, { message: 'Link "WAN1", down\nsince 02:00', cause: '=HYPERLINK("http://evil","x")', type: '-minus' }));
    await report(t, token, faultReport('dev_b', null, { message: '@SUM(A1:A9)', cause: '+1' }));
    const res = await exported(token, 'text/csv');
    const text = await res.text();
    expect(text.split('\r\n')[0]).toBe(
      'id,resource_id,customer_id,microservice_id,type,status,severity,message,cause,created_at,resolved_at,resource_ancestry_path,ttl,dedup_key,occurrences,last_occurred_at,acknowledged_at,acknowledged_by,silenced,root_fault_id,symptom_count,flapping,flapping_since',
    );
    const [b, a] = parse<Record<string, string>>(text, { columns: true });
    expect(a).toMatchObject({ id: tricky.id, message: 'Link "WAN1", down\nsince 02:00', cause: `'=HYPERLINK("http://evil","x")`, type: "'-minus", resolved_at: '', silenced: 'false' });
    expect(b).toMatchObject({ message: "'@SUM(A1:A9)", cause: "'+1" });
  });

  it('answers a bad filter with a 400 naming it, before any file starts, and needs a token', async () => {
    const token = userToken(newTenant());
    const bad = await exported(token, 'text/csv', '?severity=SEVERE');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: Array<{ field: string }> }).errors[0].field).toBe('severity');
    expect((await fetch(`${t.baseUrl}/fault`, { headers: { accept: 'text/csv' } })).status).toBe(401);
  });
});
