import fs from 'node:fs';
import { Client } from 'pg';
import { DatabaseLocation } from '../../src/database/open-database';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as { __e2eDatabase?: DatabaseLocation }).__e2eDatabase;
  const database = process.env.E2E_DATABASE;
  if (server && database && process.env.E2E_KEEP_DATABASE !== 'true') {
    const admin = new Client({ connectionString: server.url });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(database)} WITH (FORCE)`);
    await admin.end();
  }
  await server?.close();
  if (process.env.E2E_EMBEDDED_DIR) fs.rmSync(process.env.E2E_EMBEDDED_DIR, { recursive: true, force: true });
}
