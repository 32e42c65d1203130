import { Client } from 'pg';

/** Runs SQL as the server's admin on the e2e server (CREATE/DROP DATABASE). */
export async function adminQuery(sql: string): Promise<void> {
  const client = new Client({ connectionString: process.env.E2E_SERVER_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * An empty database of its own on the e2e server, for tests that must not
 * share the run's database (migrations from scratch, several instances, a
 * benchmark with its own KMS key).
 */
export async function createScratchDatabase(prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${Date.now()}_${process.pid}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  const url = new URL(process.env.E2E_SERVER_URL!);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}
