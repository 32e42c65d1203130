import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { Clock } from '../src/common/clock';
import { VaultExpiryReminders } from '../src/vault/lifecycle/vault-expiry-reminders';
import { FakeClock } from './support/fake-clock';
import { TestApp, startTestApp } from './support/test-app';
import { newTenant, userToken } from './support/tokens';
import { recordSecret } from './support/secret-ledger';
import { ReceivedDelivery, WebhookReceiver, startReceiver } from './support/webhook-receiver';
import { waitFor } from './support/wait-for';

const FAULT = { resource_id: 'dev_1', microservice_id: 'wantunnel-monitor', type: 'wantunnel', severity: 'HIGH', message: 'WAN1 down' };

/** Verifies a delivery with the independent `standardwebhooks` library; returns the envelope. */
function verified(secret: string, d: ReceivedDelivery): any {
  return new Webhook(secret).verify(d.body, d.headers);
}

describe('webhooks (Standard Webhooks deliveries on the job queue)', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let tenant: string;
  let token: string;
  const secretsSeen: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({
      env: { JOBS_SCHEMA: 'jobs_webhooks_e2e', JOBS_POLLING_INTERVAL_MS: '500', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_RETRY_BASE_MS: '100', WEBHOOK_RETRY_MAX_MS: '400' },
    });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });
  beforeEach(() => {
    tenant = newTenant();
    token = userToken(tenant, { subject: 'usr_ops' });
    receiver.received.length = 0;
    receiver.respond = () => 204;
  });

  const register = async (events: string[] = ['*'], tk = token, url = receiver.url): Promise<{ id: string; secret: string }> => {
    const res = await t.request('POST', '/webhooks', { token: tk, body: { url, events, description: 'test receiver' } });
    expect(res.status).toBe(201);
    secretsSeen.push(recordSecret(res.body.secret));
    return res.body;
  };
  const ofTenant = (customerId: string) => receiver.received.filter((d) => JSON.parse(d.body).customer_id === customerId);
  /**
   * A webhook's deliveries once none is pending. Deliveries are written in the transaction of the
   * change, so when every one is settled nothing more will be sent to that webhook.
   */
  const settled = (hookId: string, expected: number) =>
    waitFor(`${expected} settled deliveries of ${hookId}`, async () => {
      const res = await t.request('GET', `/webhooks/${hookId}/deliveries?limit=100`, { token });
      return res.body.data.length >= expected && res.body.data.every((x: any) => x.status !== 'pending') ? res.body.data : undefined;
    });

  it('registers a webhook, shows the secret once, and lists it without', async () => {
    const res = await t.request('POST', '/webhooks', { token, body: { url: receiver.url, events: ['fault.*'] } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^whk_[0-9A-Za-z]{27}$/),
      url: receiver.url,
      events: ['fault.*'],
      description: null,
      disabled: false,
      include_symptoms: false,
      disabled_reason: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
    });
    // The one response carrying the secret is kept by no cache, like every other credential-carrying response.
    expect(res.headers.get('cache-control')).toBe('no-store');
    secretsSeen.push(recordSecret(res.body.secret));
    const list = await t.request('GET', '/webhooks', { token });
    expect(list.body).toHaveLength(1);
    expect(list.text).not.toContain(res.body.secret);
    expect((await t.request('GET', `/webhooks/${res.body.id}`, { token })).body.secret).toBeUndefined();
    const ds = t.app.get(DataSource);
    const [row] = await ds.query('SELECT secret_ciphertext FROM webhooks WHERE id = $1', [res.body.id]);
    expect(Buffer.from(row.secret_ciphertext).toString('latin1')).not.toContain(res.body.secret.slice(6));
  });

  it('validates bodies and scopes', async () => {
    for (const body of [{ url: 'ftp://x.example', events: ['*'] }, { url: receiver.url, events: [] }, { url: receiver.url, events: ['fault.nope'] }, { url: 'not a url', events: ['*'] }, { url: receiver.url, events: ['*'], extra: 1 }]) {
      const res = await t.request('POST', '/webhooks', { token, body });
      expect(res.status).toBe(400);
    }
    const reader = userToken(tenant, { scopes: ['webhooks:read'] });
    expect((await t.request('POST', '/webhooks', { token: reader, body: { url: receiver.url, events: ['*'] } })).status).toBe(403);
    expect((await t.request('GET', '/webhooks', { token: userToken(tenant, { scopes: ['faults:read'] }) })).status).toBe(403);
  });

  it('delivers each event type of a change, signed, in order per fault, verified by standardwebhooks', async () => {
    const hook = await register(['*']);
    const created = await t.request('POST', '/fault', { token, body: FAULT });
    const id = created.body.id;
    expect((await t.request('PATCH', `/fault/${id}`, { token, body: { severity: 'CRITICAL' } })).status).toBe(200);
    expect((await t.request('POST', `/fault/${id}/comment`, { token, body: { comment: 'looking' } })).status).toBe(201);
    expect((await t.request('PATCH', `/fault/${id}`, { token, body: { status: 'resolved' } })).status).toBe(200);
    expect((await t.request('PATCH', `/fault/${id}`, { token, body: { status: 'unresolved' } })).status).toBe(200);
    expect((await t.request('DELETE', `/fault/${id}`, { token })).status).toBe(204);
    const vaultSecret = recordSecret(`hunter2-${tenant}`);
    const item = await t.request('POST', '/workflows/vault', { token, body: { name: 'router-pass', secret: vaultSecret } });
    expect(item.status).toBe(201);
    const key = await t.request('POST', '/workflows/vault', { token, body: { name: 'api-key:ci' } });
    secretsSeen.push(recordSecret(key.body.api_key), vaultSecret);
    expect((await t.request('PUT', `/workflows/vault/${item.body.id}`, { token, body: { name: 'router-pass', secret: `${vaultSecret}-2` } })).status).toBe(200);
    secretsSeen.push(recordSecret(`${vaultSecret}-2`));
    expect((await t.request('DELETE', `/workflows/vault/${item.body.id}`, { token })).status).toBe(204);

    const deliveries = await waitFor('10 deliveries', () => (ofTenant(tenant).length >= 10 ? ofTenant(tenant) : undefined));
    const envelopes = deliveries.map((d) => verified(hook.secret, d));
    const faultEvents = envelopes.filter((e) => e.type.startsWith('fault.'));
    expect(faultEvents.map((e) => e.type)).toEqual(['fault.created', 'fault.updated', 'fault.commented', 'fault.resolved', 'fault.reopened', 'fault.deleted']);
    expect(faultEvents[0]).toEqual({ id: expect.stringMatching(/^evt_/), type: 'fault.created', created_at: expect.any(String), customer_id: tenant, data: { fault: created.body } });
    expect(faultEvents[2].data.fault.comments).toHaveLength(1);
    expect(faultEvents[5].data).toEqual({ fault: { id } });
    const vaultTypes = envelopes.filter((e) => e.type.startsWith('vault.')).map((e) => e.type).sort();
    expect(vaultTypes).toEqual(['vault.item.created', 'vault.item.created', 'vault.item.deleted', 'vault.item.updated']);
    for (const d of deliveries) {
      expect(d.headers['webhook-id']).toBe(JSON.parse(d.body).id);
      expect(d.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    }
    // A tampered body, another secret or an old timestamp fail verification.
    const d0 = deliveries[0];
    expect(() => new Webhook(hook.secret).verify(d0.body.replace('WAN1', 'WAN2'), d0.headers)).toThrow();
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(d0.body, d0.headers)).toThrow();
    const old = String(Number(d0.headers['webhook-timestamp']) - 600);
    const resigned = new Webhook(hook.secret).sign(d0.headers['webhook-id'], new Date(Number(old) * 1000), d0.body);
    expect(() => new Webhook(hook.secret).verify(d0.body, { ...d0.headers, 'webhook-timestamp': old, 'webhook-signature': resigned })).toThrow(/timestamp/i);
    // The receiver sees a delivery before the service records its answer: wait until all ten are recorded.
    const all = await waitFor('10 deliveries recorded as succeeded', async () => {
      const listed = await t.request('GET', `/webhooks/${hook.id}/deliveries?limit=50`, { token });
      return listed.body.data.length === 10 && listed.body.data.every((x: any) => x.status === 'succeeded') ? listed.body.data : undefined;
    });
    expect(all[0]).toMatchObject({ status: 'succeeded', attempts: 1, last_response_code: 204, next_attempt_at: null });
    const page = await t.request('GET', `/webhooks/${hook.id}/deliveries?limit=5`, { token });
    expect(page.body.meta).toEqual({ count: 5, cursor: expect.any(String), has_more: true });
    const next = await t.request('GET', `/webhooks/${hook.id}/deliveries?limit=50&cursor=${page.body.meta.cursor}`, { token });
    expect(next.body.data).toHaveLength(5);
    expect(new Set([...page.body.data, ...next.body.data].map((x: any) => x.id)).size).toBe(10);
  });

  it('announces the fault lifecycle: repeats, acknowledgement, resolve on recovery, reopening, bulk actions', async () => {
    await register(['fault.*']);
    const report = (body: object = {}) => t.request('POST', '/fault', { token, body: { ...FAULT, dedup_key: 'wan1', ...body } });
    const first = await report();
    expect(first.status).toBe(201);
    expect((await report({ severity: 'CRITICAL' })).status).toBe(200); // fault.occurred
    expect((await t.request('PATCH', `/fault/${first.body.id}`, { token, body: { acknowledged: true } })).status).toBe(200);
    expect((await t.request('POST', '/fault/resolve', { token, body: { dedup_key: 'wan1' } })).body.resolved).toBe(1);
    expect((await report()).headers.get('fault-reopened')).toBe('true');
    const other = await t.request('POST', '/fault', { token, body: { ...FAULT, message: 'second' } });
    const bulk = (action: string) => t.request('POST', '/fault/bulk', { token, body: { action, ids: [first.body.id, other.body.id] } });
    expect((await bulk('resolve')).body.updated).toBe(2);
    expect((await bulk('unresolve')).body.updated).toBe(2);
    expect((await bulk('acknowledge')).body.updated).toBe(2); // reopening cleared `first`'s acknowledgement

    const events = await waitFor('the lifecycle’s events', () => (ofTenant(tenant).length >= 12 ? ofTenant(tenant).map((d) => JSON.parse(d.body)) : undefined));
    const of = (id: string) => events.filter((e) => e.data.fault.id === id).map((e) => e.type);
    expect(of(first.body.id)).toEqual([
      'fault.created',
      'fault.occurred',
      'fault.acknowledged',
      'fault.resolved',
      'fault.reopened',
      'fault.resolved',
      'fault.reopened',
      'fault.acknowledged',
    ]);
    expect(of(other.body.id)).toEqual(['fault.created', 'fault.resolved', 'fault.reopened', 'fault.acknowledged']);
    const occurred = events.find((e) => e.type === 'fault.occurred');
    expect(occurred.data.fault).toMatchObject({ id: first.body.id, occurrences: 2, severity: 'CRITICAL' });
  });

  it('records the events of a silenced fault (for streams) but sends none to webhooks', async () => {
    await register(['fault.*']);
    const silence = await t.request('POST', '/fault/silences', {
      token,
      body: { resource_id: 'dev_silenced', ends_at: new Date(Date.now() + 3_600_000).toISOString(), comment: 'maintenance' },
    });
    expect(silence.status).toBe(201);
    const silenced = await t.request('POST', '/fault', { token, body: { ...FAULT, resource_id: 'dev_silenced' } });
    expect(silenced.body.silenced).toBe(true);
    expect((await t.request('PATCH', `/fault/${silenced.body.id}`, { token, body: { status: 'resolved' } })).status).toBe(200);
    const loud = await t.request('POST', '/fault', { token, body: FAULT });
    await waitFor('the loud fault’s delivery', () => ofTenant(tenant).some((d) => JSON.parse(d.body).data.fault.id === loud.body.id));
    expect(ofTenant(tenant).filter((d) => JSON.parse(d.body).data.fault.id === silenced.body.id)).toEqual([]);
    const { DataSource } = await import('typeorm');
    const stored = await t.app.get(DataSource).query<Array<{ type: string }>>(
      `SELECT type FROM events WHERE customer_id = $1 AND data->'fault'->>'id' = $2 ORDER BY seq`,
      [tenant, silenced.body.id],
    );
    expect(stored.map((r) => r.type)).toEqual(['fault.created', 'fault.resolved']);
  });

  it('sends only the filtered types and nothing to disabled webhooks', async () => {
    const vaultOnly = await register(['vault.*']);
    const paused = await register(['*']);
    expect((await t.request('PATCH', `/webhooks/${paused.id}`, { token, body: { disabled: true } })).body.disabled).toBe(true);
    await t.request('POST', '/fault', { token, body: FAULT });
    await t.request('POST', '/workflows/vault', { token, body: { name: 'only-vault', secret: recordSecret(`v-${tenant}`) } });
    expect(await settled(vaultOnly.id, 1)).toHaveLength(1);
    expect((await t.request('GET', `/webhooks/${paused.id}/deliveries`, { token })).body.data).toEqual([]);
    expect(ofTenant(tenant).map((d) => JSON.parse(d.body).type)).toEqual(['vault.item.created']);
  });

  it('retries a failing receiver with backoff until it recovers, visible in /deliveries', async () => {
    const hook = await register(['fault.*']);
    let failures = 3;
    receiver.respond = (d) => (JSON.parse(d.body).customer_id === tenant && failures-- > 0 ? 503 : 200);
    const a = await t.request('POST', '/fault', { token, body: FAULT });
    const b = await t.request('POST', `/fault/${a.body.id}/comment`, { token, body: { comment: 'queued behind the retries' } });
    expect(b.status).toBe(201);
    const got = await waitFor('success after retries', () => (ofTenant(tenant).length >= 5 ? ofTenant(tenant) : undefined));
    // The comment waited for the created event: order holds through the retries.
    expect(got.map((d) => JSON.parse(d.body).type)).toEqual(['fault.created', 'fault.created', 'fault.created', 'fault.created', 'fault.commented']);
    expect(new Set(got.slice(0, 4).map((d) => d.headers['webhook-id'])).size).toBe(1);
    const page = await waitFor('deliveries settled', async () => {
      const res = await t.request('GET', `/webhooks/${hook.id}/deliveries`, { token });
      return res.body.data.every((x: any) => x.status === 'succeeded') ? res.body : undefined;
    });
    expect(page.data.map((x: any) => [x.event_type, x.attempts, x.last_response_code])).toEqual([
      ['fault.commented', 1, 200],
      ['fault.created', 4, 200],
    ]);
  });

  it('sends webhook.test to that webhook only', async () => {
    const a = await register(['fault.*']);
    const b = await register(['*']);
    const res = await t.request('POST', `/webhooks/${a.id}/test`, { token });
    expect(res.status).toBe(202);
    expect(await settled(a.id, 1)).toHaveLength(1);
    expect((await t.request('GET', `/webhooks/${b.id}/deliveries`, { token })).body.data).toEqual([]);
    expect(ofTenant(tenant)).toHaveLength(1);
    const [d] = ofTenant(tenant);
    expect(verified(a.secret, d)).toMatchObject({ id: res.body.event_id, type: 'webhook.test' });
    expect(() => verified(b.secret, d)).toThrow();
  });

  it('keeps tenants apart: webhooks, deliveries and events', async () => {
    const mine = await register(['*']);
    const other = newTenant();
    const otherToken = userToken(other);
    for (const [method, path] of [
      ['GET', `/webhooks/${mine.id}`],
      ['PATCH', `/webhooks/${mine.id}`],
      ['DELETE', `/webhooks/${mine.id}`],
      ['GET', `/webhooks/${mine.id}/deliveries`],
      ['POST', `/webhooks/${mine.id}/test`],
    ] as const) {
      const res = await t.request(method, path, { token: otherToken, body: method === 'PATCH' ? { disabled: true } : undefined });
      expect(res.status).toBe(404);
    }
    expect((await t.request('GET', '/webhooks', { token: otherToken })).body).toEqual([]);
    await t.request('POST', '/fault', { token: otherToken, body: FAULT });
    await t.request('POST', '/fault', { token, body: FAULT });
    expect(await settled(mine.id, 1)).toHaveLength(1);
    expect(ofTenant(tenant)).toHaveLength(1);
    expect(ofTenant(other)).toHaveLength(0);
  });

  it('deletes a webhook with its history', async () => {
    const hook = await register(['*']);
    expect((await t.request('DELETE', `/webhooks/${hook.id}`, { token })).status).toBe(204);
    expect((await t.request('GET', `/webhooks/${hook.id}`, { token })).status).toBe(404);
    expect((await t.request('DELETE', `/webhooks/${hook.id}`, { token })).status).toBe(404);
  });

  it('never stores or sends a secret, key or signing secret in an event or a delivery', async () => {
    const ds = t.app.get(DataSource);
    const events = JSON.stringify(await ds.query('SELECT data FROM events'));
    const bodies = receiver.received.map((d) => d.body).join('\n');
    expect(secretsSeen.length).toBeGreaterThan(5);
    for (const secret of secretsSeen) {
      expect(events).not.toContain(secret);
      expect(bodies).not.toContain(secret);
    }
  });
});

describe('webhook targets (WEBHOOK_ALLOW_PRIVATE_TARGETS=false)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { JOBS_SCHEMA: 'jobs_webhooks_ssrf_e2e', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'false' } });
  });
  afterAll(() => t.close());

  it.each(['http://127.0.0.1:8080/x', 'http://localhost/x', 'http://10.1.2.3/x', 'http://169.254.169.254/latest/meta-data', 'http://[::1]/x', 'http://[::ffff:127.0.0.1]/x', 'http://192.168.1.10/x', 'http://0.0.0.0/x'])(
    'refuses %s',
    async (url) => {
      const token = userToken(newTenant());
      const res = await t.request('POST', '/webhooks', { token, body: { url, events: ['*'] } });
      expect(res.status).toBe(400);
      expect(res.body.errors[0]).toMatchObject({ field: 'url', message: expect.stringMatching(/globally reachable addresses|does not resolve/) });
    },
  );
});

describe('vault expiry reminders and webhook disabling (injected clock)', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  const clock = new FakeClock();

  beforeAll(async () => {
    t = await startTestApp({
      env: { JOBS_SCHEMA: 'jobs_webhooks_clock_e2e', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_RETRY_BASE_MS: '50', WEBHOOK_RETRY_MAX_MS: '100', VAULT_EXPIRY_REMINDER_DAYS: '30,7,1' },
      override: (b) => b.overrideProvider(Clock).useValue(clock),
    });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });

  it('sends vault.item.expiring once per horizon and vault.item.expired once', async () => {
    clock.current = new Date();
    const tenant = newTenant();
    // The service checks token expiry on the injected clock: this session outlives the simulated 42 days.
    const token = userToken(tenant, { expiresInSeconds: 60 * 86_400 });
    const hook = await t.request('POST', '/webhooks', { token, body: { url: receiver.url, events: ['vault.item.expiring', 'vault.item.expired'] } });
    const expiresAt = new Date(clock.current.getTime() + 40 * 86_400_000);
    const item = await t.request('POST', '/workflows/vault', { token, body: { name: 'soon-gone', secret: recordSecret(`exp-${tenant}`), expires_at: expiresAt.toISOString() } });
    expect(item.status).toBe(201);
    const reminders = t.app.get(VaultExpiryReminders);
    const mine = () => receiver.received.filter((d) => JSON.parse(d.body).customer_id === tenant).map((d) => new Webhook(hook.body.secret).verify(d.body, d.headers) as any);
    const step = async (days: number, runs = 2): Promise<void> => {
      clock.current = new Date(expiresAt.getTime() - days * 86_400_000);
      for (let i = 0; i < runs; i++) await reminders.run();
    };
    await step(35);
    await step(29.5, 3);
    await step(20);
    await step(6.5);
    await step(0.9, 2);
    await step(-0.1, 3);
    await step(-2);
    // Reminders are written with their deliveries: once none is pending, nothing more will arrive.
    await waitFor('the reminders delivered', async () => {
      const res = await t.request('GET', `/webhooks/${hook.body.id}/deliveries?limit=100`, { token });
      return res.body.data.length >= 4 && res.body.data.every((x: any) => x.status === 'succeeded');
    });
    const got = mine();
    expect(got).toHaveLength(4);
    expect(got.map((e) => [e.type, e.data.days_left])).toEqual([
      ['vault.item.expiring', 30],
      ['vault.item.expiring', 7],
      ['vault.item.expiring', 1],
      ['vault.item.expired', undefined],
    ]);
    expect(got[3].data.item).toEqual({ ...item.body, expires_at: item.body.expires_at });
  });

  it('disables a webhook whose deliveries fail for 3 days, and fails its pending deliveries', async () => {
    clock.current = new Date();
    const tenant = newTenant();
    // The service checks token expiry on the injected clock too: this session outlives the simulated days.
    const token = userToken(tenant, { expiresInSeconds: 30 * 86_400 });
    receiver.respond = (d) => (JSON.parse(d.body).customer_id === tenant ? 500 : 204);
    const hook = await t.request('POST', '/webhooks', { token, body: { url: receiver.url, events: ['fault.*'] } });
    await t.request('POST', '/fault', { token, body: FAULT });
    const attempts = () => receiver.received.filter((d) => JSON.parse(d.body).customer_id === tenant).length;
    await waitFor('a first failed attempt', () => attempts() >= 1);
    const isDisabled = async (): Promise<boolean> => (await t.request('GET', `/webhooks/${hook.body.id}`, { token })).body.disabled === true;
    for (let day = 0; day < 4 && !(await isDisabled()); day++) {
      const before = attempts();
      clock.advance(86_400_000);
      await waitFor('another attempt or the webhook disabled', async () => attempts() > before || (await isDisabled()));
    }
    const disabled = await waitFor('disabled', async () => {
      const res = await t.request('GET', `/webhooks/${hook.body.id}`, { token });
      return res.body.disabled ? res.body : undefined;
    });
    expect(disabled.disabled_reason).toMatch(/failed for 72 hours/);
    const deliveries = (await t.request('GET', `/webhooks/${hook.body.id}/deliveries`, { token })).body.data;
    expect(deliveries[0]).toMatchObject({ status: 'failed', last_response_code: 500, next_attempt_at: null });
    expect(deliveries[0].attempts).toBeGreaterThanOrEqual(4);
    // Re-enabled by its owner, it works again.
    receiver.respond = () => 204;
    expect((await t.request('PATCH', `/webhooks/${hook.body.id}`, { token, body: { disabled: false } })).body).toMatchObject({ disabled: false, disabled_reason: null });
  });
});

describe('two instances delivering from one queue', () => {
  let a: TestApp;
  let b: TestApp;
  let receiver: WebhookReceiver;
  const env = { JOBS_SCHEMA: 'jobs_webhooks_pair_e2e', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_RETRY_BASE_MS: '100', WEBHOOK_RETRY_MAX_MS: '200' };

  beforeAll(async () => {
    [a, b] = await Promise.all([startTestApp({ env }), startTestApp({ env })]);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await Promise.all([a?.close(), b?.close()]);
  });

  it('delivers every event written on either instance, each fault in order, with failures on the way', async () => {
    const tenant = newTenant();
    const token = userToken(tenant);
    const hook = await a.request('POST', '/webhooks', { token, body: { url: receiver.url, events: ['fault.*'] } });
    let n = 0;
    receiver.respond = () => (++n % 7 === 0 ? 503 : 204);
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const app = i % 2 === 0 ? a : b;
      const created = await app.request('POST', '/fault', { token, body: { ...FAULT, message: `fault ${i}` } });
      ids.push(created.body.id);
      await (i % 2 === 0 ? b : a).request('POST', `/fault/${created.body.id}/comment`, { token, body: { comment: 'seen' } });
    }
    const firstOk = (): Map<string, string> => {
      const seen = new Map<string, string>();
      for (const d of receiver.received) {
        const e = new Webhook(hook.body.secret).verify(d.body, d.headers) as any;
        if (e.customer_id === tenant && !seen.has(e.id)) seen.set(e.id, `${e.data.fault.id} ${e.type}`);
      }
      return seen;
    };
    await waitFor('20 distinct events', () => firstOk().size >= 20, 20_000);
    const page = await waitFor('all succeeded', async () => {
      const res = await a.request('GET', `/webhooks/${hook.body.id}/deliveries?limit=100`, { token });
      return res.body.data.length === 20 && res.body.data.every((x: any) => x.status === 'succeeded') ? res.body.data : undefined;
    }, 20_000);
    expect(page).toHaveLength(20);
    for (const id of ids) {
      expect([...firstOk().values()].filter((v) => v.startsWith(id)).map((v) => v.split(' ')[1])).toEqual(['fault.created', 'fault.commented']);
    }
  });
});
