import { DataSource } from 'typeorm';
import { newEventId } from '../../src/common/ids';
import { EventStreamHub } from '../../src/events/event-stream-hub';
import { TestApp, startTestApp } from '../support/test-app';
import { newTenant, userToken } from '../support/tokens';
import { waitFor } from '../support/wait-for';
import { ResumingSse, StreamComparison, compareWithStored, storedFaultEventIds } from './resuming-sse';

/**
 * Bursts of concurrent changes against open live streams, each stream compared with the stored
 * events: every event of the tenant exactly once, in stream order — or, where the server cut a
 * client that did not keep up, resumed with Last-Event-ID with nothing missing. PostgreSQL commits
 * concurrent transactions out of sequence order, so these are the cases a stream that follows the
 * sequence alone gets wrong.
 */
const ENV = { JOBS_SCHEMA: 'jobs_stream_bursts', STREAM_POLL_MS: '500', RATE_LIMIT_MAX: '1000000' };
const FAULT = { microservice_id: 'burst-monitor', type: 'wantunnel', severity: 'HIGH', message: 'WAN1 down' };

async function inParallel<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

describe('live streams under bursts (compared with the stored events)', () => {
  let a: TestApp;
  let b: TestApp;
  let dataSource: DataSource;
  const open: ResumingSse[] = [];
  const figures: Record<string, StreamComparison & { connections: number }> = {};

  beforeAll(async () => {
    [a, b] = await Promise.all([startTestApp({ env: ENV }), startTestApp({ env: ENV })]);
    dataSource = a.app.get(DataSource);
  });
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });
  afterAll(async () => {
    console.log(`stream bursts: ${JSON.stringify(figures)}`);
    await Promise.all([a?.close(), b?.close()]);
  });

  /** A stream that is live: a first fault was reported and came through; the comparison starts there. */
  async function liveStream(app: TestApp, token: string): Promise<{ stream: ResumingSse; from: string }> {
    const stream = new ResumingSse(`${app.baseUrl}/fault/stream`, { authorization: `Bearer ${token}` });
    open.push(stream);
    expect(await stream.open()).toBe(200);
    await a.request('POST', '/fault', { token, body: { ...FAULT, resource_id: 'dev_warmup' } });
    await waitFor('the first event on the stream', () => stream.ids.length > 0, 5000);
    return { stream, from: stream.ids[0] };
  }

  /** Waits until the stream has every stored event after `from`, or the deadline; then compares. */
  async function settle(name: string, stream: ResumingSse, tenant: string, from: string, expected: number): Promise<StreamComparison> {
    const storedAfter = async (): Promise<string[]> => {
      const stored = await storedFaultEventIds(dataSource, tenant);
      return stored.slice(stored.indexOf(from));
    };
    await waitFor(`${expected} stored events`, async () => (await storedAfter()).length >= expected, 60_000);
    const stored = await storedAfter();
    await waitFor(`${name}: the stream to carry the ${stored.length} stored events`, () => new Set(stream.ids).size >= stored.length || undefined, 30_000).catch(() => undefined);
    const comparison = compareWithStored(stream.ids.slice(stream.ids.indexOf(from)), stored);
    figures[name] = { ...comparison, connections: stream.connections };
    return comparison;
  }

  const exact = (c: StreamComparison, stored: number): void => expect(c).toEqual({ received: stored, stored, missing: 0, duplicated: 0, inOrder: true });

  it('50 concurrent reports (new faults, then one dedup key) reach the stream complete and in order', async () => {
    const tenant = newTenant();
    const token = userToken(tenant);
    const { stream, from } = await liveStream(a, token);
    await inParallel(50, 50, (i) => b.request('POST', '/fault', { token, body: { ...FAULT, resource_id: `dev_${i}` } }));
    await inParallel(50, 50, () => b.request('POST', '/fault', { token, body: { ...FAULT, resource_id: 'dev_flap', dedup_key: 'flap' } }));
    exact(await settle('50 concurrent reports', stream, tenant, from, 101), 101);
  });

  it('a bulk resolve of 50 beside concurrent updates reaches the stream complete and in order', async () => {
    const tenant = newTenant();
    const token = userToken(tenant);
    const created = await inParallel(50, 10, (i) => a.request('POST', '/fault', { token, body: { ...FAULT, resource_id: `dev_${i}` } }));
    const ids = created.map((r) => r.body.id as string);
    const { stream, from } = await liveStream(a, token);
    await Promise.all([
      b.request('POST', '/fault/bulk', { token, body: { ids, action: 'resolve' } }),
      inParallel(50, 25, (i) => a.request('POST', `/fault/${ids[i]}/comment`, { token, body: { comment: `note ${i}` } })),
    ]);
    exact(await settle('bulk resolve of 50', stream, tenant, from, 101), 101);
  });

  it('a 1,000-event burst on one instance reaches streams on both, complete and in order', async () => {
    const tenant = newTenant();
    const token = userToken(tenant);
    const { stream, from } = await liveStream(a, token);
    const other = new ResumingSse(`${b.baseUrl}/fault/stream`, { authorization: `Bearer ${token}`, 'last-event-id': from });
    open.push(other);
    expect(await other.open()).toBe(200);
    await inParallel(1000, 50, (i) => b.request('POST', '/fault', { token, body: { ...FAULT, resource_id: `dev_${i % 100}`, dedup_key: i % 3 === 0 ? `k${i % 7}` : undefined } }));
    exact(await settle('1,000-event burst, stream on the other instance', stream, tenant, from, 1001), 1001);
    // The second stream resumed after the first event: everything after it, once, in order.
    const stored = await storedFaultEventIds(dataSource, tenant);
    const afterFirst = stored.slice(stored.indexOf(from) + 1);
    await waitFor('the resumed stream to carry the burst', () => other.ids.length >= afterFirst.length, 30_000).catch(() => undefined);
    const onB = compareWithStored(other.ids, afterFirst);
    figures['1,000-event burst, resumed stream on the writing instance'] = { ...onB, connections: other.connections };
    exact(onB, 1000);
  });

  it('a client that stops reading is cut, never skipped: it resumes with Last-Event-ID and has every event once', async () => {
    const slow = await startTestApp({ env: { ...ENV, STREAM_BUFFER_BYTES: '16384', STREAM_STALL_TIMEOUT_MS: '700' } });
    try {
      const tenant = newTenant();
      const token = userToken(tenant);
      const first = await slow.request('POST', '/fault', { token, body: { ...FAULT, resource_id: 'dev_first' } });
      expect(first.status).toBe(201);
      const [from] = await storedFaultEventIds(dataSource, tenant);
      // 3,000 stored events of ~3 kB (9 MB: more than the kernel's socket buffers hold) after the first.
      await dataSource.query(
        `INSERT INTO events (id, customer_id, type, data, created_at)
         SELECT ids.id, $1, 'fault.updated', jsonb_build_object('fault', jsonb_build_object('id', $2::text, 'cause', repeat('x', 2900), 'n', ids.n)), now()
         FROM unnest($3::text[]) WITH ORDINALITY AS ids(id, n)`,
        [tenant, first.body.id, Array.from({ length: 3000 }, () => newEventId())],
      );
      const stream = new ResumingSse(`${slow.baseUrl}/fault/stream`, { authorization: `Bearer ${token}`, 'last-event-id': from });
      open.push(stream);
      stream.pause();
      expect(await stream.open()).toBe(200);
      // A paused client does not read its socket, so only the server sees the cut.
      const hub = slow.app.get(EventStreamHub);
      await waitFor('the stream to be open', () => hub.openStreams === 1, 5000);
      await waitFor('the server to cut the client that does not read', () => hub.openStreams === 0, 20_000);
      stream.resume();
      await waitFor('the client to resume', () => stream.connections > 1, 10_000);
      const writes = await Promise.all([
        inParallel(200, 20, (i) => slow.request('PATCH', `/fault/${first.body.id}`, { token, body: { message: `m${i}` } })),
        inParallel(100, 20, (i) => b.request('POST', '/fault', { token, body: { ...FAULT, resource_id: `dev_${i}` } })),
      ]);
      const statuses = writes.flat().map((r) => r.status);
      expect(statuses.filter((s) => s !== 200 && s !== 201)).toEqual([]);
      const stored = await storedFaultEventIds(dataSource, tenant);
      const expected = stored.slice(stored.indexOf(from) + 1);
      await waitFor('every event after the resume point', () => new Set(stream.ids).size >= expected.length, 30_000).catch(() => undefined);
      const c = compareWithStored(stream.ids, expected);
      figures['client that stopped reading'] = { ...c, connections: stream.connections };
      // Cut and resumed: frames the client had not parsed at the cut are sent again after it, never skipped.
      expect({ missing: c.missing, stored: c.stored }).toEqual({ missing: 0, stored: 3300 });
      expect(c.duplicated).toBe(0);
      expect(c.inOrder).toBe(true);
    } finally {
      await slow.close();
    }
  });
});
