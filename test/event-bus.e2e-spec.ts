import { jetstreamManager } from '@nats-io/jetstream';
import type { ConnectionOptions, NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { BUS_STREAM } from '../src/bus/bus-subject';
import { EventBusRelay } from '../src/bus/event-bus.relay';
import { ensureNatsServer, NatsServer, startNatsServer } from './support/nats-server';
import { recordSecret } from './support/secret-ledger';
import { startTestApp, TestApp } from './support/test-app';
import { newTenant, userToken } from './support/tokens';
import { waitFor } from './support/wait-for';

const connectNats = connect as unknown as (options: ConnectionOptions) => Promise<NatsConnection>;

interface BusMessage {
  subject: string;
  msgId: string | undefined;
  event: { id: string; type: string; customer_id: string; data: Record<string, unknown> };
  raw: string;
}

/** Every message the bus's stream holds, oldest first. */
async function readBus(url: string): Promise<BusMessage[]> {
  const nc = await connectNats({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(BUS_STREAM).catch(() => null);
    if (info === null) return [];
    const messages: BusMessage[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const m = await jsm.streams.getMessage(BUS_STREAM, { seq });
      if (m === null) continue;
      const raw = m.string();
      messages.push({ subject: m.subject, msgId: m.header.get('Nats-Msg-Id'), event: JSON.parse(raw) as BusMessage['event'], raw });
    }
    return messages;
  } finally {
    await nc.close();
  }
}

const nats = ensureNatsServer();
const describeBus = 'skip' in nats ? describe.skip : describe;
if ('skip' in nats) console.warn(nats.skip);

describeBus('events on the NATS JetStream bus', () => {
  let server: NatsServer;
  let t: TestApp;

  beforeAll(async () => {
    server = await startNatsServer((nats as { binary: string }).binary);
    t = await startTestApp({ env: { NATS_URL: server.url, JOBS_SCHEMA: 'jobs_event_bus_e2e', JOBS_POLLING_INTERVAL_MS: '500' } });
  });
  afterAll(async () => {
    await t?.close();
    await server?.close();
  });

  const report = (token: string, message: string) =>
    t.request('POST', '/fault', { token, body: { resource_id: 'dev_bus', microservice_id: 'bus-test', type: 'wantunnel', severity: 'HIGH', message } });
  const busOf = async (tenant: string) => (await readBus(server.url)).filter((m) => m.event.customer_id === tenant);

  it('publishes every event once, on netops.events.<customer_id>.<type>, with its id as Nats-Msg-Id', async () => {
    const tenant = newTenant();
    const token = userToken(tenant);
    const fault = await report(token, 'WAN1 down');
    expect(fault.status).toBe(201);
    expect((await t.request('PATCH', `/fault/${fault.body.id}`, { token, body: { acknowledged: true } })).status).toBe(200);
    expect((await t.request('PATCH', `/fault/${fault.body.id}`, { token, body: { status: 'resolved' } })).status).toBe(200);
    const secret = recordSecret(`bus-secret-${tenant}`);
    expect((await t.request('POST', '/workflows/vault', { token, body: { name: 'bus-cred', secret } })).status).toBe(201);

    const messages = await waitFor('four events on the bus', async () => {
      const m = await busOf(tenant);
      return m.length >= 4 && m;
    });
    expect(messages.map((m) => m.event.type)).toEqual(['fault.created', 'fault.acknowledged', 'fault.resolved', 'vault.item.created']);
    for (const m of messages) {
      expect(m.subject).toBe(`netops.events.${tenant}.${m.event.type}`);
      expect(m.msgId).toBe(m.event.id);
      expect(m.event.id).toMatch(/^evt_/);
      expect(m.raw).not.toContain(secret);
    }
    expect(messages[0].event.data.fault).toMatchObject({ id: fault.body.id, message: 'WAN1 down' });
  });

  it('stores an event published twice once (Nats-Msg-Id), as after a crash between publishing and marking', async () => {
    const tenant = newTenant();
    const token = userToken(tenant);
    for (let i = 0; i < 3; i++) expect((await report(token, `republished ${i}`)).status).toBe(201);
    const first = await waitFor('three events on the bus', async () => {
      const m = await busOf(tenant);
      return m.length >= 3 && m;
    });
    // As if the relay had published them and died before its transaction marked them: they go out again.
    const { DataSource } = await import('typeorm');
    const marked = await t.app.get(DataSource).query<unknown[]>(`UPDATE events SET bus_pending = true WHERE customer_id = $1 RETURNING id`, [tenant]);
    expect(marked[0]).toHaveLength(3);
    await t.app.get(EventBusRelay).relay();
    // A scheduled run holding some of them (SKIP LOCKED) marks those itself: wait for both.
    const pending = async (): Promise<number> =>
      (await t.app.get(DataSource).query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM events WHERE customer_id = $1 AND bus_pending`, [tenant]))[0].n;
    await waitFor('every re-published event marked', async () => (await pending()) === 0);
    expect((await busOf(tenant)).map((m) => m.msgId)).toEqual(first.map((m) => m.msgId));
  });

  it('keeps events while NATS is down and publishes them once it is back, each stored once', async () => {
    const tenant = newTenant();
    const token = userToken(tenant);
    await server.stop();
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await report(token, `outage report ${i}`);
      expect(res.status).toBe(201); // the API does not depend on the bus
      ids.push(res.body.id);
    }
    await server.start();
    const messages = await waitFor(
      'the outage’s events on the bus',
      async () => {
        const m = await busOf(tenant);
        return m.length >= 12 && m;
      },
      60_000,
    );
    expect(messages.map((m) => (m.event.data.fault as { id: string }).id).sort()).toEqual([...ids].sort());
    expect(new Set(messages.map((m) => m.msgId)).size).toBe(messages.length);
  });
});

describe('without NATS_URL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { NATS_URL: '', JOBS_SCHEMA: 'jobs_event_bus_off_e2e' } });
  });
  afterAll(() => t.close());

  it('marks nothing for the bus', async () => {
    const tenant = newTenant();
    expect((await t.request('POST', '/fault', { token: userToken(tenant), body: { resource_id: 'dev_x', microservice_id: 'x', type: 'x', severity: 'LOW', message: 'no bus' } })).status).toBe(201);
    const { DataSource } = await import('typeorm');
    const rows = await t.app.get(DataSource).query<Array<{ pending: boolean }>>('SELECT bus_pending AS pending FROM events WHERE customer_id = $1', [tenant]);
    expect(rows).toEqual([{ pending: false }]);
  });
});
