/**
 * Fills a tenant with realistic data, quickly (bulk inserts, one round trip per batch):
 *
 *   npm run seed -- --customer cus_bench --faults 1000000 [--vault-items 1000]
 *
 * Counts are targets: a rerun inserts only what is missing. Works on the
 * database the service uses (DATABASE_URL, or the embedded one, joined when the
 * service runs on it); applies pending migrations first.
 */
import { parseArgs } from 'node:util';
import { FaultConfig } from '../src/config/fault.config';
import { runCli, withDataSource } from '../src/database/cli/with-data-source';
import { ENTITIES } from '../src/entities';
import { runMigrationsLocked } from '../src/database/run-migrations';
import { seedFaults } from '../src/seed/fault-seeder';
import { seedVaultItems } from '../src/seed/vault-seeder';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../src/app.module';

function count(value: string | undefined, name: string): number {
  const n = Number(value ?? '0');
  if (!Number.isInteger(n) || n < 0 || n > 50_000_000) throw new Error(`--${name} must be a whole number from 0 to 50000000`);
  return n;
}

runCli('seed', async () => {
  const { values } = parseArgs({ options: { customer: { type: 'string' }, faults: { type: 'string' }, 'vault-items': { type: 'string' } } });
  const customer = values.customer;
  if (!customer || !/^[A-Za-z0-9_-]{1,128}$/.test(customer)) throw new Error('--customer <tenant id> is required');
  const faults = count(values.faults, 'faults');
  const vaultItems = count(values['vault-items'], 'vault-items');
  const faultConfig = FaultConfig.fromEnv(process.env);
  await withDataSource(ENTITIES, async (dataSource) => {
    await runMigrationsLocked(dataSource);
    const started = Date.now();
    let last = 0;
    const added = await seedFaults(dataSource, {
      customerId: customer,
      total: faults,
      retentionDays: faultConfig.retentionDays,
      progress: (done, total) => {
        if (Date.now() - last > 1000 || done === total) {
          last = Date.now();
          process.stderr.write(`\rfaults: ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')}`);
        }
      },
    });
    process.stderr.write(`\nfaults: ${added.toLocaleString('en-US')} inserted in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    if (vaultItems > 0) {
      const app = await NestFactory.createApplicationContext(AppModule.register({ databaseUrl: (dataSource.options as { url: string }).url }), { logger: ['error'] });
      try {
        const begun = Date.now();
        const items = await seedVaultItems(app, dataSource, customer, vaultItems, (done, total) => {
          if (done % 100 === 0 || done === total) process.stderr.write(`\rvault items: ${done} / ${total}`);
        });
        process.stderr.write(`\nvault items: ${items} created in ${((Date.now() - begun) / 1000).toFixed(1)} s\n`);
      } finally {
        await app.close();
      }
    }
  });
});
