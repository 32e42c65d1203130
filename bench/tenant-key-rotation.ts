/**
 * What tenant keys change for a provider-key rotation: seeds T tenants × I values (default
 * 1,000 × 100) sealed per value (format 2, as before tenant keys) into a throwaway database
 * `vault_rotation_bench` on the development PostgreSQL, then times
 *   1. `vault:rewrap` from key 1 to key 2 with per-value wrapping (T × I data keys),
 *   2. `vault:tenant-keys` moving every value onto its tenant's key (T × I values re-sealed),
 *   3. `vault:rewrap` from key 2 to key 3 with tenant keys (T keys).
 * Timings are printed, not asserted (a shared machine varies); the database is dropped afterwards.
 *
 *   npx ts-node -T bench/tenant-key-rotation.ts [-- --tenants 1000 --items 100 --batch-size 100]
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../ormconfig';
import { AppConfig } from '../src/config/app.config';
import { DatabaseConfig } from '../src/config/database.config';
import { openDatabase } from '../src/database/open-database';
import { MIGRATIONS } from '../src/database/migrations';
import { ENTITIES } from '../src/entities';
import { EnvelopeCrypto } from '../src/kms/envelope';
import { LocalKeyRingProvider } from '../src/kms/local-key-ring.provider';
import { newVaultId } from '../src/common/ids';
import { rewrapVault } from '../src/vault/keys/rewrap';
import { migrateToTenantKeys } from '../src/vault/keys/tenant-key-migration';

const DB = 'vault_rotation_bench';
const key = (id: string) => ({ id, material: randomBytes(32) });

async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const started = process.hrtime.bigint();
  const result = await work();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(`${label}: ${(ms / 1000).toFixed(2)} s`);
  return result;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { tenants: { type: 'string', default: '1000' }, items: { type: 'string', default: '100' }, 'batch-size': { type: 'string', default: '100' } } });
  const tenants = Number(values.tenants);
  const items = Number(values.items);
  const batchSize = Number(values['batch-size']);
  const config = DatabaseConfig.fromEnv(process.env);
  const server = await openDatabase(config, AppConfig.fromEnv(process.env).dataDir, (m) => process.stderr.write(`${m}\n`));
  const admin = new Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DB}`);
  const url = new URL(server.url);
  url.pathname = `/${DB}`;
  const ds = new DataSource({ ...dataSourceOptions(url.toString(), { ...config, statementTimeoutMs: 0 }), entities: ENTITIES, migrations: MIGRATIONS });
  await ds.initialize();
  const [k1, k2, k3] = [key('bench-1'), key('bench-2'), key('bench-3')];
  try {
    await ds.runMigrations();
    const ring1 = new LocalKeyRingProvider([k1]);
    const envelope = new EnvelopeCrypto(ring1);
    await timed(`seed ${tenants} tenants × ${items} values (format 2, one data key per value)`, async () => {
      const now = new Date();
      for (let t = 0; t < tenants; t++) {
        const customerId = `cus_bench_${String(t).padStart(5, '0')}`;
        const rows: unknown[][] = [];
        for (let i = 0; i < items; i++) {
          const id = newVaultId(now);
          const sealed = await envelope.seal(`bench-value-${t}-${i}`, { tenant: customerId, item: id, version: 1 });
          rows.push([id, customerId, `item-${i}`, sealed.wrappedKey.provider, sealed.wrappedKey.keyId, sealed.wrappedKey.keyVersion, sealed.wrappedKey.ciphertext, sealed.ciphertext]);
        }
        const params = rows.flat();
        const tuples = rows.map((_, r) => `($${r * 8 + 1}, $${r * 8 + 2}, $${r * 8 + 3}, 'secret', 2, $${r * 8 + 4}, $${r * 8 + 5}, $${r * 8 + 6}, $${r * 8 + 7}, $${r * 8 + 8}, now(), now())`);
        await ds.query(
          `INSERT INTO vault_item (id, customer_id, name, kind, enc_format, kms_provider, kms_key_id, kms_key_version, wrapped_key, ciphertext, created_at, updated_at) VALUES ${tuples.join(', ')}`,
          params,
        );
      }
      await ds.query('VACUUM ANALYZE vault_item');
    });
    const before = await timed(`1. vault:rewrap key 1 → 2, per value (batch ${batchSize})`, () => rewrapVault(ds, new LocalKeyRingProvider([k1, k2]), { batchSize, pauseMs: 0 }));
    console.log(`   ${before.rewrapped} data keys re-wrapped in ${before.batches} batches, ${before.failed} failed`);
    const migrated = await timed(`2. vault:tenant-keys (batch ${batchSize})`, () => migrateToTenantKeys(ds, new LocalKeyRingProvider([k2]), { batchSize, pauseMs: 0 }));
    console.log(`   ${migrated.migrated} values moved onto ${tenants} tenant keys in ${migrated.batches} batches, ${migrated.failed} failed, ${migrated.left} left`);
    const after = await timed(`3. vault:rewrap key 2 → 3, per tenant (batch ${batchSize})`, () => rewrapVault(ds, new LocalKeyRingProvider([k2, k3]), { batchSize, pauseMs: 0 }));
    console.log(`   ${after.rewrapped} keys re-wrapped (${after.tenantKeys} tenant keys) in ${after.batches} batches, ${after.failed} failed`);
  } finally {
    await ds.destroy();
    await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await admin.end();
    await server.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench: ${(error as Error).message}`);
    process.exit(1);
  },
);
