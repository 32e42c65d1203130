import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createDataSource } from '../../ormconfig';
import { DatabaseConfig } from '../../src/config/database.config';
import { openDatabase } from '../../src/database/open-database';
import { runMigrationsLocked } from '../../src/database/run-migrations';
import { freePort } from './free-port';
import { useTemporaryDataDir } from './data-dir';
import { PgBouncer, ensurePgBouncer, startPgBouncer } from './pgbouncer';

/**
 * One fresh database per test run, on the server the service would use:
 * DATABASE_URL when set, otherwise an embedded PostgreSQL of this run's own
 * (own folder, own free port, removed afterwards), so parallel runs never meet.
 * Migrations are applied once; every test app then connects to it.
 */
export default async function globalSetup(): Promise<void> {
  useTemporaryDataDir();
  const embeddedDir = fs.mkdtempSync(path.join(os.tmpdir(), 'netops-e2e-'));
  fs.chmodSync(embeddedDir, 0o755);
  const config = DatabaseConfig.fromEnv({ ...process.env, EMBEDDED_PG_PORT: String(await freePort()) });
  const server = await openDatabase(config, embeddedDir);
  process.env.E2E_EMBEDDED_DIR = config.url === undefined ? embeddedDir : '';
  if (config.url !== undefined) fs.rmSync(embeddedDir, { recursive: true, force: true });
  const database = `e2e_${Date.now()}_${process.pid}`;
  const admin = new Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(database)}`);
  await admin.end();

  const url = new URL(server.url);
  url.pathname = `/${database}`;
  const dataSource = createDataSource(url.toString(), config);
  await dataSource.initialize();
  await runMigrationsLocked(dataSource);
  await dataSource.destroy();

  process.env.E2E_LOG_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'netops-e2e-logs-'));
  process.env.E2E_SERVER_URL = server.url;
  process.env.DATABASE_URL = url.toString();
  process.env.E2E_DATABASE = database;
  if (process.env.E2E_PGBOUNCER === '1') {
    // Every app of the run goes through a transaction-mode PgBouncer, as behind a pooler in production:
    // no named statements, LISTEN and the migration lock over the direct connection.
    const pooler = await startPgBouncer(ensurePgBouncer(), server.url);
    process.env.DATABASE_URL = pooler.url(url.toString());
    process.env.DATABASE_LISTEN_URL = url.toString();
    process.env.DB_PREPARED_STATEMENTS = 'false';
    (globalThis as { __e2ePgBouncer?: PgBouncer }).__e2ePgBouncer = pooler;
  }
  (globalThis as { __e2eDatabase?: typeof server }).__e2eDatabase = server;
}
