import path from 'node:path';
import { Client } from 'pg';
import { createDataSource } from '../../ormconfig';
import { DatabaseConfig } from '../../src/config/database.config';
import { openDatabase } from '../../src/database/open-database';
import { runMigrationsLocked } from '../../src/database/run-migrations';

/**
 * One fresh database per test run, on the server the service would use:
 * DATABASE_URL when set, otherwise an embedded PostgreSQL under .data/test.
 * Migrations are applied once; every test app then connects to it.
 */
export default async function globalSetup(): Promise<void> {
  const config = DatabaseConfig.fromEnv({ ...process.env, EMBEDDED_PG_PORT: process.env.TEST_EMBEDDED_PG_PORT ?? '54339' });
  const server = await openDatabase(config, path.resolve(__dirname, '..', '..', '.data', 'test'));
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

  process.env.E2E_SERVER_URL = server.url;
  process.env.DATABASE_URL = url.toString();
  process.env.E2E_DATABASE = database;
  (globalThis as { __e2eDatabase?: typeof server }).__e2eDatabase = server;
}
