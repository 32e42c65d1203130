import fs from 'node:fs';
import { Client } from 'pg';
import { DatabaseLocation } from '../../src/database/open-database';
import { removeTemporaryDataDirs } from './data-dir';
import { PgBouncer } from './pgbouncer';
import { scanForSecrets } from './secret-ledger';

export default async function globalTeardown(): Promise<void> {
  const logDir = process.env.E2E_LOG_DIR;
  let leaked = '';
  if (logDir) {
    const scan = scanForSecrets(logDir);
    console.log(`\nno-secret-in-logs: searched ${scan.lines} log lines for ${scan.secrets} secrets, tokens and keys: ${scan.hits.length} hits`);
    if (scan.hits.length > 0) leaked = `secrets found in logs of: ${[...new Set(scan.hits.map((h) => h.source))].join(', ')}`;
    fs.rmSync(logDir, { recursive: true, force: true });
  }
  const server = (globalThis as { __e2eDatabase?: DatabaseLocation }).__e2eDatabase;
  const database = process.env.E2E_DATABASE;
  if (server && database && process.env.E2E_KEEP_DATABASE !== 'true') {
    const admin = new Client({ connectionString: server.url });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(database)} WITH (FORCE)`);
    await admin.end();
  }
  await (globalThis as { __e2ePgBouncer?: PgBouncer }).__e2ePgBouncer?.close();
  await server?.close();
  if (process.env.E2E_EMBEDDED_DIR) fs.rmSync(process.env.E2E_EMBEDDED_DIR, { recursive: true, force: true });
  removeTemporaryDataDirs();
  if (leaked) throw new Error(`No secret may appear in a log line: ${leaked}`);
}
