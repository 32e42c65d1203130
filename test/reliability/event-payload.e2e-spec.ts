import { DataSource } from 'typeorm';
import { TestApp, startTestApp } from '../support/test-app';
import { newTenant, userToken } from '../support/tokens';

/**
 * An event's size does not grow with its fault's history: fault events carry the fault with its
 * newest comment only, and a fault carries at most FAULT_MAX_COMMENTS comments (then 409, also
 * under concurrent comments).
 */
const FAULT = { resource_id: 'dev_1', microservice_id: 'payload-monitor', type: 'wantunnel', severity: 'HIGH', message: 'WAN1 down' };

describe('bounded event payloads and the comment cap', () => {
  let app: TestApp;
  let dataSource: DataSource;

  beforeAll(async () => {
    app = await startTestApp({ env: { JOBS_SCHEMA: 'jobs_event_payload', FAULT_MAX_COMMENTS: '30', RATE_LIMIT_MAX: '1000000' } });
    dataSource = app.app.get(DataSource);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('60 concurrent comments of 2,000 characters: exactly 30 stored, the rest 409; every event stays under 8 kB', async () => {
    const tenant = newTenant();
    const token = userToken(tenant, { subject: 'usr_talker' });
    const fault = await app.request('POST', '/fault', { token, body: FAULT });
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => app.request('POST', `/fault/${fault.body.id}/comment`, { token, body: { comment: `${i}`.padEnd(2000, '.') } })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(30);
    expect(statuses.filter((s) => s === 409)).toHaveLength(30);
    expect(results.find((r) => r.status === 409)!.body).toMatchObject({ statusCode: 409, message: 'A fault carries at most 30 comments' });
    expect((await app.request('GET', `/fault/${fault.body.id}`, { token })).body.comments).toHaveLength(30);

    const rows = await dataSource.query<Array<{ type: string; bytes: number; comments: number; comment: string }>>(
      `SELECT type, octet_length(data::text) AS bytes, jsonb_array_length(data->'fault'->'comments') AS comments, data->'fault'->'comments'->0->>'comment' AS comment
       FROM events WHERE customer_id = $1 ORDER BY xid, seq`,
      [tenant],
    );
    const commented = rows.filter((r) => r.type === 'fault.commented');
    expect(commented).toHaveLength(30);
    expect(Math.max(...rows.map((r) => r.bytes))).toBeLessThan(8192);
    // Each commented event carries the comment it announces, and only that one.
    expect(commented.every((r) => r.comments === 1)).toBe(true);
    const stored = results.filter((r) => r.status === 201).map((r) => (r.body.comments as Array<{ comment: string }>).at(-1)!.comment);
    expect(new Set(commented.map((r) => r.comment))).toEqual(new Set(stored));
    // Later events of the fault stay small too.
    await app.request('PATCH', `/fault/${fault.body.id}`, { token, body: { status: 'resolved' } });
    const [resolved] = await dataSource.query<Array<{ bytes: number }>>(
      `SELECT octet_length(data::text) AS bytes FROM events WHERE customer_id = $1 AND type = 'fault.resolved'`,
      [tenant],
    );
    expect(resolved.bytes).toBeLessThan(8192);
  });
});
