import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createDataSource } from '../ormconfig';
import { DatabaseConfig } from '../src/config/database.config';
import { KmsConfig } from '../src/config/kms.config';
import { runMigrationsLocked } from '../src/database/run-migrations';
import { createKmsProvider } from '../src/kms/kms.factory';
import { rewrapVault } from '../src/vault/keys/rewrap';
import { WebhookEntity } from '../src/webhooks/entities/webhook.entity';
import { WebhookSecretBox } from '../src/webhooks/webhook-secret-box';
import { recordSecret } from './support/secret-ledger';
import { TestApp, startTestApp } from './support/test-app';
import { newTenant, serviceToken, userToken } from './support/tokens';
import { localKey, secretValue } from './support/vault-helpers';
import { ScratchDatabase, createScratchDatabase } from './support/scratch-database';
import { ScriptRun, runScript } from './support/run-script';


/** Runs `npm run vault:rewrap`'s script; `killAfter` SIGKILLs it once a line matches. */
const runRewrap = (env: Record<string, string>, args: string[], killAfter?: RegExp): Promise<ScriptRun> => runScript('vault-rewrap.ts', env, args, killAfter);

/**
 * The rotation story on a database of its own (so other suites' keys do not
 * meet this one's): create under key 1, add key 2, re-wrap (killed midway and
 * rerun, while the service serves), remove key 1, everything resolves.
 */
describe('vault key rotation', () => {
  let db: ScratchDatabase;
  let url: string;
  const k1 = localKey('rot1');
  const k2 = localKey('rot2');
  const tenant = newTenant();
  const user = userToken(tenant);
  const runner = serviceToken(['vault:use']);
  const values = new Map<string, string>();
  let apiKey: string;
  const apps: TestApp[] = [];
  const versioned = { id: '', first: '' };
  const webhook = { id: '', secret: '' };

  const query = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  };
  const start = async (keys: string): Promise<TestApp> => {
    // Per-value wrapping (format 2), the story before tenant keys; test/vault-tenant-keys.e2e-spec.ts tells the one with them.
    const t = await startTestApp({ env: { DATABASE_URL: url, KMS_LOCAL_KEYS: keys, LOG_LEVEL: 'info', VAULT_TENANT_KEYS: 'false' } });
    apps.push(t);
    return t;
  };
  const resolveAll = async (t: TestApp) => t.request('POST', '/internal/vault/resolve', { token: runner, body: { customer_id: tenant, names: [...values.keys()] } });
  const keysInUse = async () => (await query<{ kms_key_id: string; n: number }>(`SELECT kms_key_id, count(*)::int AS n FROM vault_item WHERE kind = 'secret' GROUP BY 1 ORDER BY 1`)).map((r) => `${r.kms_key_id}=${r.n}`);

  beforeAll(async () => {
    db = await createScratchDatabase('rot');
    url = db.url;
    const ds = await createDataSource(url, DatabaseConfig.fromEnv(process.env)).initialize();
    await runMigrationsLocked(ds);
    await ds.destroy();
  });
  afterAll(async () => {
    for (const t of apps) await t.close().catch(() => undefined);
    await db.drop();
  });

  it('writes under key 1', async () => {
    const t = await start(k1.entry);
    for (let i = 0; i < 40; i++) {
      const itemName = `rot-${String(i).padStart(2, '0')}`;
      const value = secretValue(itemName);
      values.set(itemName, value);
      expect((await t.request('POST', '/workflows/vault', { token: user, body: { name: itemName, secret: value } })).status).toBe(201);
    }
    const key = await t.request('POST', '/workflows/vault', { token: user, body: { name: 'api-key:rotation' } });
    apiKey = key.body.api_key;
    // One replaced value: its first version is kept, wrapped under key 1 as well.
    const list = await t.request('GET', '/workflows/vault', { token: user });
    versioned.id = list.body.find((i: { name: string }) => i.name === 'rot-00').id;
    versioned.first = values.get('rot-00')!;
    const second = secretValue('rot-00-v2');
    values.set('rot-00', second);
    expect((await t.request('PUT', `/workflows/vault/${versioned.id}`, { token: user, body: { name: 'rot-00', secret: second } })).status).toBe(200);
    expect(await keysInUse()).toEqual([`${k1.id}=40`]);
    // A webhook's signing secret is sealed under the same key and must move with the values.
    const hook = await t.request('POST', '/webhooks', { token: user, body: { url: 'http://127.0.0.1:9/hook', events: ['vault.*'] } });
    expect(hook.status).toBe(201);
    Object.assign(webhook, { id: hook.body.id, secret: recordSecret(hook.body.secret) });
    await t.close();
  });

  it('adding key 2 sends new writes to it while key-1 values still open', async () => {
    const t = await start(`${k1.entry},${k2.entry}`);
    const value = secretValue('after-rotation');
    values.set('after-rotation', value);
    expect((await t.request('POST', '/workflows/vault', { token: user, body: { name: 'after-rotation', secret: value } })).status).toBe(201);
    expect(await keysInUse()).toEqual([`${k1.id}=40`, `${k2.id}=1`].sort());
    const res = await resolveAll(t);
    expect(res.status).toBe(200);
    expect(res.body.secrets).toEqual(Object.fromEntries(values));
    const advice = t.logs.find((l) => l.includes(`41 stored values are still wrapped by older key ${k1.id}`));
    expect(advice).toContain('node dist/scripts/vault-rewrap.js'); // works in the production image (no ts-node, no npm scripts' devDependencies)
  });

  it('re-wraps in batches: interrupted after 2 batches in-process, then killed midway as a CLI, then rerun — while the service serves', async () => {
    const t = apps[apps.length - 1];
    const kms = createKmsProvider(KmsConfig.fromEnv({ KMS_LOCAL_KEYS: `${k1.entry},${k2.entry}` }), () => undefined);
    const ds = await createDataSource(url, DatabaseConfig.fromEnv(process.env)).initialize();
    try {
      const partial = await rewrapVault(ds, kms, { batchSize: 5, pauseMs: 0, maxBatches: 2 });
      expect(partial).toMatchObject({ total: 41, rewrapped: 10, failed: 0, batches: 2 });
    } finally {
      await ds.destroy();
      await kms.close();
    }
    expect(await keysInUse()).toEqual([`${k1.id}=30`, `${k2.id}=11`].sort());

    const env = { DATABASE_URL: url, KMS_LOCAL_KEYS: `${k1.entry},${k2.entry}` };
    let serving = true;
    const served: number[] = [];
    const traffic = (async () => {
      while (serving) served.push((await resolveAll(t)).status);
    })();
    const killed = await runRewrap(env, ['--batch-size', '3', '--pause-ms', '150'], /batch 2:/);
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.output.join('\n')).toMatch(/batch 1: 3\/31 done/);
    const afterKill = await keysInUse();
    expect(afterKill).not.toEqual([`${k2.id}=41`]);

    const rerun = await runRewrap(env, ['--batch-size', '7']);
    serving = false;
    await traffic;
    expect(rerun.code).toBe(0);
    expect(rerun.output.join('\n')).toMatch(/finished: \d+ re-wrapped to key rot2-[0-9a-f]+, 0 changed meanwhile, 0 failed/);
    expect(await keysInUse()).toEqual([`${k2.id}=41`]);
    expect(await query(`SELECT kms_key_id FROM vault_item_version`)).toEqual([{ kms_key_id: k2.id }]);
    expect(await query(`SELECT kms_key_id FROM webhooks`)).toEqual([{ kms_key_id: k2.id }]);
    expect(rerun.output.join('\n') + killed.output.join('\n')).toMatch(/webhook signing secrets: 1 re-wrapped/);
    expect(served.length).toBeGreaterThan(0);
    expect(served.every((s) => s === 200)).toBe(true);

    // Nothing left: a third run has no work.
    const idle = await runRewrap(env, []);
    expect(idle.code).toBe(0);
    expect(idle.output.join('\n')).toMatch(/finished: 0 re-wrapped/);
  }, 120_000);

  it('after removing key 1 every value still resolves and API keys still verify', async () => {
    for (const t of apps.splice(0)) await t.close();
    const t = await start(k2.entry);
    expect((await t.request('GET', '/health/ready')).status).toBe(200);
    const res = await resolveAll(t);
    expect(res.status).toBe(200);
    expect(res.body.secrets).toEqual(Object.fromEntries(values));
    const verified = await t.request('POST', '/internal/vault/api-keys/verify', { token: runner, body: { api_key: apiKey } });
    expect(verified.body.valid).toBe(true);
    // The kept version was re-wrapped too: restoring it opens under key 2 alone.
    expect((await t.request('POST', `/workflows/vault/${versioned.id}/versions/1/restore`, { token: user })).status).toBe(200);
    const restored = await t.request('POST', '/internal/vault/resolve', { token: runner, body: { customer_id: tenant, names: ['rot-00'] } });
    expect(restored.body).toMatchObject({ secrets: { 'rot-00': versioned.first }, versions: { 'rot-00': 3 } });
    values.set('rot-00', versioned.first);
    // The webhook's secret opens under key 2 alone: its deliveries can still be signed.
    const [row] = await t.app.get(DataSource).getRepository(WebhookEntity).findBy({ id: webhook.id });
    expect(await t.app.get(WebhookSecretBox).open(row)).toBe(webhook.secret);
    expect(t.logs.some((l) => l.includes('not configured'))).toBe(false);
  });

  it('refuses readiness, naming the key, rather than run with the wrong key — and never re-keys', async () => {
    for (const t of apps.splice(0)) await t.close();
    const impostor = localKey('x');
    const wrong = `${k2.id}:${impostor.entry.split(':')[1]}`;
    const t = await start(wrong);
    const ready = await t.request('GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.checks.kms.status).toBe('down');
    expect(ready.body.checks.kms.error).toContain(`KMS key ${k2.id}`);
    const create = await t.request('POST', '/workflows/vault', { token: user, body: { name: 'while-wrong', secret: 'nope-nope-nope' } });
    expect(create.status).toBe(503);
    expect(create.body.message).toContain(k2.id);
    expect((await resolveAll(t)).status).toBe(503);
    expect(t.logs.some((l) => l.includes(`KMS key ${k2.id} does not open its stored check value`))).toBe(true);
    // The stored check value was not replaced: the right key still works afterwards.
    const checks = await query<{ key_id: string }>('SELECT key_id FROM kms_key_check ORDER BY key_id');
    expect(checks.map((c) => c.key_id)).toEqual([k1.id, k2.id].sort());
    await t.close();
    apps.splice(0);
    const good = await start(k2.entry);
    expect((await good.request('GET', '/health/ready')).status).toBe(200);
    expect((await resolveAll(good)).status).toBe(200);
  });

  it('reports values whose key is gone instead of silently failing', async () => {
    for (const t of apps.splice(0)) await t.close();
    const t = await start(k1.entry);
    // 41 current values and 2 kept versions (rot-00's first value, and the one replaced by the version restore).
    expect(t.logs.some((l) => l.includes(`43 stored values are wrapped by local key ${k2.id}`) && l.includes('not configured'))).toBe(true);
    const res = await resolveAll(t);
    expect(res.status).toBe(500);
    // No value in the answer (the message may name whichever item failed first).
    for (const value of values.values()) expect(JSON.stringify(res.body)).not.toContain(value);
    // The re-wrap cannot move what it cannot open: it fails loudly, lists the items, and changes nothing.
    const run = await runRewrap({ DATABASE_URL: url, KMS_LOCAL_KEYS: k1.entry }, ['--batch-size', '20']);
    expect(run.code).toBe(1);
    expect(run.output.join('\n')).toMatch(/finished: 0 re-wrapped to key rot1-[0-9a-f]+, 0 changed meanwhile, 43 failed/);
    expect(run.output.join('\n')).toMatch(/43 values could not be unwrapped .*: vlt_/);
    expect(await keysInUse()).toEqual([`${k2.id}=41`]);
  }, 60_000);
  it('a value the service changes during the re-wrap keeps the service\'s write (the re-wrap skips it)', async () => {
    for (const t of apps.splice(0)) await t.close();
    const k3 = localKey('rot3');
    const ring = `${k2.entry},${k3.entry}`;
    const t = await start(ring);
    const [{ id: racedId }] = await query<{ id: string }>(`SELECT id FROM vault_item WHERE name = 'rot-00'`);
    const newValue = secretValue('raced');
    const inner = createKmsProvider(KmsConfig.fromEnv({ KMS_LOCAL_KEYS: ring }), () => undefined);
    let raced = false;
    const kms = Object.assign(Object.create(inner) as typeof inner, {
      wrapKey: async (plaintext: Buffer, context: { tenant: string; item: string }) => {
        if (!raced && context.item === racedId) {
          raced = true;
          const put = await t.request('PUT', `/workflows/vault/${racedId}`, { token: user, body: { name: 'rot-00', secret: newValue } });
          expect(put.status).toBe(200);
        }
        return inner.wrapKey(plaintext, context);
      },
    });
    const ds = await createDataSource(url, DatabaseConfig.fromEnv(process.env)).initialize();
    try {
      const result = await rewrapVault(ds, kms, { batchSize: 10, pauseMs: 0 });
      // 41 values + 2 versions counted at the start; the service's PUT skips rot-00's current value and keeps its
      // old value (still under key 2) as a third version, which the version pass then re-wraps.
      expect(result).toMatchObject({ total: 43, rewrapped: 43, skipped: 1, failed: 0 });
    } finally {
      await ds.destroy();
      await inner.close();
    }
    values.set('rot-00', newValue);
    expect(await keysInUse()).toEqual([`${k3.id}=41`]);
    expect(await query(`SELECT DISTINCT kms_key_id FROM vault_item_version`)).toEqual([{ kms_key_id: k3.id }]);
    const res = await resolveAll(t);
    expect(res.body.secrets).toEqual(Object.fromEntries(values));
  });
  it('in development without KMS_LOCAL_KEYS creates a key file in DATA_DIR, warns, and reuses it', async () => {
    for (const t of apps.splice(0)) await t.close();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vault-dev-key-'));
    try {
      const t = await startTestApp({ env: { DATABASE_URL: url, KMS_LOCAL_KEYS: '', DATA_DIR: dataDir, LOG_LEVEL: 'info', VAULT_TENANT_KEYS: 'false' } });
      apps.push(t);
      expect(t.logs.some((l) => l.includes('KMS_LOCAL_KEYS is not set') && l.includes(path.join(dataDir, 'secrets', 'kms-local-key')))).toBe(true);
      expect(fs.statSync(path.join(dataDir, 'secrets', 'kms-local-key')).mode & 0o777).toBe(0o600);
      expect((await t.request('GET', '/health/ready')).status).toBe(200);
      const created = await t.request('POST', '/workflows/vault', { token: user, body: { name: 'dev-key-item', secret: 'dev-key-value' } });
      expect(created.status).toBe(201);
      await t.close();
      apps.splice(0);
      const again = await startTestApp({ env: { DATABASE_URL: url, KMS_LOCAL_KEYS: '', DATA_DIR: dataDir, VAULT_TENANT_KEYS: 'false' } });
      apps.push(again);
      const res = await again.request('POST', '/internal/vault/resolve', { token: runner, body: { customer_id: tenant, names: ['dev-key-item'] } });
      expect(res.body.secrets).toEqual({ 'dev-key-item': 'dev-key-value' });
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
