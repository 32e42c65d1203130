import http from 'node:http';
import { AddressInfo } from 'node:net';
import { signDevToken } from '../src/auth/dev-token';
import { SseStream, openSse } from '../test/support/sse-client';
import { LoadCase, LoadResult, runLoad } from './load';

export interface EventsBenchOptions {
  serviceUrl: string;
  /** The same service with EVENTS_ENABLED=false: POST /fault without the outbox. */
  noEventsUrl: string;
  jwtSecret: string;
  connections: number;
  duration: number;
  /** Faults for the delivery-rate run. */
  deliveries: number;
  /** Open streams and events for the fan-out run. */
  streams: number;
  streamEvents: number;
  /** Alternating rounds of POST /fault with and without the outbox. */
  rounds: number;
}

export interface EventsBenchResult {
  deliveriesPerSecond: number;
  deliveries: number;
  firstDeliveryMs: number;
  fanout: { streams: number; events: number; p50Ms: number; p99Ms: number; maxMs: number; missing: number };
  outbox: { withReqPerSec: number; withoutReqPerSec: number; costPercent: number; rounds: Array<{ with: number; without: number }> };
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
const median = (values: number[]): number => percentile([...values].sort((a, b) => a - b), 50);

function fault(message: string): object {
  return { resource_id: 'dev_events_bench', microservice_id: 'bench', type: 'wantunnel', severity: 'HIGH', message };
}

async function post(url: string, token: string, body: object): Promise<{ status: number; body: { id?: string; secret?: string } }> {
  const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { id?: string } };
}

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`events bench: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Webhook deliveries per second to a local receiver answering 204 at once, N faults reported 16 at a time. */
async function deliveryRate(o: EventsBenchOptions, run: string): Promise<Pick<EventsBenchResult, 'deliveriesPerSecond' | 'deliveries' | 'firstDeliveryMs'>> {
  const token = signDevToken({ secret: o.jwtSecret, customerId: `cus_bench_events_${run}`, subject: 'usr_bench', expiresInSeconds: 3600 });
  const received: number[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push(Date.now());
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const hook = await post(`${o.serviceUrl}/webhooks`, token, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, events: ['fault.created'] });
    if (hook.status !== 201) throw new Error(`events bench: POST /webhooks → ${hook.status}`);
    const started = Date.now();
    let next = 0;
    const reporter = async (): Promise<void> => {
      while (next < o.deliveries) {
        const i = next++;
        const res = await post(`${o.serviceUrl}/fault`, token, fault(`delivery bench ${i}`));
        if (res.status !== 201) throw new Error(`events bench: POST /fault → ${res.status}`);
      }
    };
    await Promise.all(Array.from({ length: 16 }, () => reporter()));
    await until(`${o.deliveries} deliveries`, () => received.length >= o.deliveries, 300_000);
    const elapsed = (received[o.deliveries - 1] - started) / 1000;
    return { deliveriesPerSecond: o.deliveries / elapsed, deliveries: o.deliveries, firstDeliveryMs: received[0] - started };
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** One open SSE stream (test/support's client): when each fault's `fault.created` arrived. */
async function openStream(url: string, token: string, arrivals: Map<string, number[]>): Promise<SseStream> {
  const stream = await openSse(url, { authorization: `Bearer ${token}` }, (frame, at) => {
    if (frame.data === undefined) return;
    const event = JSON.parse(frame.data) as { type: string; data: { fault: { id: string } } };
    if (event.type !== 'fault.created') return;
    // It may arrive before the report's own response does.
    const seen = arrivals.get(event.data.fault.id) ?? [];
    seen.push(at);
    arrivals.set(event.data.fault.id, seen);
  });
  if (stream.status !== 200) throw new Error(`events bench: GET /fault/stream → ${stream.status}`);
  return stream;
}

/** p50/p99 from a report being sent to its event arriving on each of N open streams (one token each): the report's own latency included. */
async function fanout(o: EventsBenchOptions, run: string): Promise<EventsBenchResult['fanout']> {
  const tenant = `cus_bench_stream_${run}`;
  const arrivals = new Map<string, number[]>();
  const streams = await Promise.all(
    Array.from({ length: o.streams }, (_, i) =>
      openStream(`${o.serviceUrl}/fault/stream`, signDevToken({ secret: o.jwtSecret, customerId: tenant, subject: `usr_viewer_${i}`, expiresInSeconds: 3600 }), arrivals),
    ),
  );
  try {
    const reporter = signDevToken({ secret: o.jwtSecret, customerId: tenant, subject: 'usr_reporter', expiresInSeconds: 3600 });
    const sentAt = new Map<string, number>();
    for (let i = 0; i < o.streamEvents; i++) {
      const sent = Date.now();
      const res = await post(`${o.serviceUrl}/fault`, reporter, fault(`fan-out bench ${i}`));
      sentAt.set(res.body.id!, sent);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const expected = o.streams * o.streamEvents;
    const got = (): number => [...sentAt.keys()].reduce((n, id) => n + (arrivals.get(id)?.length ?? 0), 0);
    await until('every stream to see every event', () => got() >= expected, 30_000).catch(() => undefined);
    const latencies: number[] = [];
    for (const [id, at] of sentAt) for (const t of arrivals.get(id) ?? []) latencies.push(t - at);
    latencies.sort((a, b) => a - b);
    return { streams: o.streams, events: o.streamEvents, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), maxMs: latencies[latencies.length - 1] ?? 0, missing: expected - latencies.length };
  } finally {
    for (const s of streams) s.close();
  }
}

/** POST /fault with the outbox and without it (EVENTS_ENABLED=false), alternating, medians. */
async function outboxCost(o: EventsBenchOptions, run: string): Promise<EventsBenchResult['outbox']> {
  const token = signDevToken({ secret: o.jwtSecret, customerId: `cus_bench_outbox_${run}`, subject: 'usr_bench', expiresInSeconds: 3600 });
  let n = 0;
  const c: LoadCase = {
    name: 'POST /fault',
    method: 'POST',
    path: '/fault',
    headers: { authorization: `Bearer ${token}` },
    body: () => fault(`outbox bench ${run} ${n++}`),
    expect: 201,
  };
  const check = (r: LoadResult, which: string): number => {
    if (r.errors > 0) throw new Error(`events bench: ${r.errors} unexpected answers to POST /fault (${which})`);
    return r.requestsPerSecond;
  };
  const rounds: Array<{ with: number; without: number }> = [];
  for (let i = 0; i < o.rounds; i++) {
    const without = check(await runLoad(o.noEventsUrl, c, o.connections, o.duration), 'without events');
    rounds.push({ with: check(await runLoad(o.serviceUrl, c, o.connections, o.duration), 'with events'), without });
  }
  const withReqPerSec = median(rounds.map((r) => r.with));
  const withoutReqPerSec = median(rounds.map((r) => r.without));
  return { withReqPerSec, withoutReqPerSec, costPercent: 100 * (1 - withReqPerSec / withoutReqPerSec), rounds };
}

export async function measureEvents(o: EventsBenchOptions): Promise<EventsBenchResult> {
  const run = `${process.pid}_${Date.now().toString(36)}`;
  const delivery = await deliveryRate(o, run);
  return { ...delivery, fanout: await fanout(o, run), outbox: await outboxCost(o, run) };
}
