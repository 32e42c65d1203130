import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createDataSource } from '../ormconfig';
import { DatabaseConfig } from '../src/config/database.config';
import { KmsConfig } from '../src/config/kms.config';
import { runMigrationsLocked } from '../src/database/run-migrations';
import { createKmsProvider } from '../src/kms/kms.factory';
import { rewrapVault } from '../src/vault/rewrap';
import { appendLogs } from './support/secret-ledger';
import { TestApp, startTestApp } from './support/test-app';
import { newTenant, serviceToken, userToken } from './support/tokens';
import { localKey, secretValue } from './support/vault-helpers';
import { ScratchDatabase, createScratchDatabase } from './support/scratch-database';

const ROOT = path.resolve(__dirname, '..');

/** Runs `npm run vault:rewrap`'s script; `killAfter` SIGKILLs it once a line matches. */
function runRewrap(env: Record<string, string>, args: string[], killAfter?: RegExp): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string[] }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(ROOT, 'scripts', 'vault-rewrap.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    const collect = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        output.push(line);
        if (killAfter?.test(line)) child.kill('SIGKILL');
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('exit', (code, signal) => {
      appendLogs('vault:rewrap', output);
      resolve({ code, signal, output });
    });
  });
}

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
    const t = await startTestApp({ env: { DATABASE_URL: url, KMS_LOCAL_KEYS: keys, LOG_LEVEL: 'info' } });
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
    expect(await keysInUse()).toEqual([`${k1.id}=40`]);
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
    expect(t.logs.some((l) => l.includes(`40 stored values are still wrapped by older key ${k1.id}`))).toBe(true);
  });

  it('re-wraps in batches: interrupted after 2 batches in-process, then killed midway as a CLI, then rerun — while the service serves', async () => {
    const t = apps[apps.length - 1];
    const kms = createKmsProvider(KmsConfig.fromEnv({ KMS_LOCAL_KEYS: `${k1.entry},${k2.entry}` }), () => undefined);
    const ds = await createDataSource(url, DatabaseConfig.fromEnv(process.env)).initialize();
    try {
      const partial = await rewrapVault(ds, kms, { batchSize: 5, pauseMs: 0, maxBatches: 2 });
      expect(partial).toMatchObject({ total: 40, rewrapped: 10, failed: 0, batches: 2 });
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
    expect(killed.output.join('\n')).toMatch(/batch 1: 3\/30 done/);
    const afterKill = await keysInUse();
    expect(afterKill).not.toEqual([`${k2.id}=41`]);

    const rerun = await runRewrap(env, ['--batch-size', '7']);
    serving = false;
    await traffic;
    expect(rerun.code).toBe(0);
    expect(rerun.output.join('\n')).toMatch(/finished: \d+ re-wrapped to key rot2-[0-9a-f]+, 0 changed meanwhile, 0 failed/);
    expect(await keysInUse()).toEqual([`${k2.id}=41`]);
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
    expect(t.logs.some((l) => l.includes(`41 stored values are wrapped by local key ${k2.id}`) && l.includes('not configured'))).toBe(true);
    const res = await resolveAll(t);
    expect(res.status).toBe(500);
    expect(JSON.stringify(res.body)).not.toContain('rot-');
    // The re-wrap cannot move what it cannot open: it fails loudly, lists the items, and changes nothing.
    const run = await runRewrap({ DATABASE_URL: url, KMS_LOCAL_KEYS: k1.entry }, ['--batch-size', '20']);
    expect(run.code).toBe(1);
    expect(run.output.join('\n')).toMatch(/finished: 0 re-wrapped to key rot1-[0-9a-f]+, 0 changed meanwhile, 41 failed/);
    expect(run.output.join('\n')).toMatch(/41 values could not be unwrapped .*: vlt_/);
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
      expect(result).toMatchObject({ total: 41, rewrapped: 40, skipped: 1, failed: 0 });
    } finally {
      await ds.destroy();
      await inner.close();
    }
    values.set('rot-00', newValue);
    expect(await keysInUse()).toEqual([`${k3.id}=41`]);
    const res = await resolveAll(t);
    expect(res.body.secrets).toEqual(Object.fromEntries(values));
  });
  it('in development without KMS_LOCAL_KEYS creates a key file in DATA_DIR, warns, and reuses it', async () => {
    for (const t of apps.splice(0)) await t.close();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vault-dev-key-'));
    try {
      const t = await startTestApp({ env: { DATABASE_URL: url, KMS_LOCAL_KEYS: '', DATA_DIR: dataDir, LOG_LEVEL: 'info' } });
      apps.push(t);
      expect(t.logs.some((l) => l.includes('KMS_LOCAL_KEYS is not set') && l.includes(path.join(dataDir, 'secrets', 'kms-local-key')))).toBe(true);
      expect(fs.statSync(path.join(dataDir, 'secrets', 'kms-local-key')).mode & 0o777).toBe(0o600);
      expect((await t.request('GET', '/health/ready')).status).toBe(200);
      const created = await t.request('POST', '/workflows/vault', { token: user, body: { name: 'dev-key-item', secret: 'dev-key-value' } });
      expect(created.status).toBe(201);
      await t.close();
      apps.splice(0);
      const again = await startTestApp({ env: { DATABASE_URL: url, KMS_LOCAL_KEYS: '', DATA_DIR: dataDir } });
      apps.push(again);
      const res = await again.request('POST', '/internal/vault/resolve', { token: runner, body: { customer_id: tenant, names: ['dev-key-item'] } });
      expect(res.body.secrets).toEqual({ 'dev-key-item': 'dev-key-value' });
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
