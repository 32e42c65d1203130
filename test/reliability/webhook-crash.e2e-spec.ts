import { Client } from 'pg';
import { Webhook } from 'standardwebhooks';
import { createScratchDatabase, ScratchDatabase } from '../support/scratch-database';
import { recordSecret } from '../support/secret-ledger';
import { SpawnedService, spawnService } from '../support/spawn-service';
import { newTenant, userToken } from '../support/tokens';
import { waitFor } from '../support/wait-for';
import { startReceiver, WebhookReceiver } from '../support/webhook-receiver';

const FAULTS = 30;

/**
 * The process delivering webhooks is SIGKILLed while deliveries are in flight (the receiver holds
 * them open). A fresh instance on the same database delivers every event the first one had
 * accepted: at least once, none lost, each signed.
 */
describe('webhook delivery survives SIGKILL mid-delivery', () => {
  let db: ScratchDatabase;
  let receiver: WebhookReceiver;
  const services: SpawnedService[] = [];
  const env = (): Record<string, string> => ({
    DATABASE_URL: db.url,
    JOBS_SCHEMA: 'jobs_webhook_crash',
    JOBS_POLLING_INTERVAL_MS: '500',
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    WEBHOOK_TIMEOUT_MS: '2000',
    WEBHOOK_RETRY_BASE_MS: '100',
    WEBHOOK_RETRY_MAX_MS: '500',
    SHUTDOWN_DRAIN_MS: '0',
  });

  beforeAll(async () => {
    db = await createScratchDatabase('webhook_crash');
    receiver = await startReceiver();
  });
  afterAll(async () => {
    for (const s of services) await s.stop('SIGKILL');
    await receiver.close();
    await db.drop();
  });

  it('delivers every accepted event after the delivering process is killed', async () => {
    const first = await spawnService(env());
    services.push(first);
    const tenant = newTenant();
    const auth = { authorization: `Bearer ${userToken(tenant)}`, 'content-type': 'application/json' };
    const hook = await fetch(`${first.url}/webhooks`, { method: 'POST', headers: auth, body: JSON.stringify({ url: receiver.url, events: ['fault.*'] }) });
    expect(hook.status).toBe(201);
    const { secret } = (await hook.json()) as { secret: string };
    recordSecret(secret);

    // Until the kill, the receiver holds every delivery open: they are in flight when the process dies.
    receiver.respond = () => 'hang';
    const faultIds: string[] = [];
    for (let i = 0; i < FAULTS; i++) {
      const res = await fetch(`${first.url}/fault`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ resource_id: `dev_${i}`, microservice_id: 'crash-test', type: 'wantunnel', severity: 'HIGH', message: `fault ${i}` }),
      });
      expect(res.status).toBe(201);
      faultIds.push(((await res.json()) as { id: string }).id);
    }
    await waitFor('deliveries in flight', () => receiver.received.length >= 3, 20_000);
    expect(await first.stop('SIGKILL')).toBeNull();
    const inFlightAtKill = receiver.received.length;

    receiver.respond = () => 204;
    const second = await spawnService(env());
    services.push(second);
    const acknowledged = (): Set<string> => {
      const ids = new Set<string>();
      for (const d of receiver.received.slice(inFlightAtKill)) {
        const event = new Webhook(secret).verify(d.body, d.headers) as { id: string; customer_id: string };
        if (event.customer_id === tenant) ids.add(event.id);
      }
      return ids;
    };
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const stored = (await client.query<{ id: string }>('SELECT id FROM events WHERE customer_id = $1', [tenant])).rows.map((r) => r.id);
      expect(stored).toHaveLength(FAULTS);
      await waitFor('every event delivered by the second instance', () => acknowledged().size === FAULTS, 90_000);
      expect([...acknowledged()].sort()).toEqual([...stored].sort());
      const unfinished = async (): Promise<number> =>
        (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE customer_id = $1 AND status <> 'succeeded'`, [tenant])).rows[0].n;
      await waitFor('every delivery marked succeeded', async () => (await unfinished()) === 0);
    } finally {
      await client.end();
    }
  });
});
