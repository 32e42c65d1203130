import { Client } from 'pg';

/** One statement on its own connection; the rows it returns. */
async function queryOnce<T>(connectionString: string | undefined, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Runs SQL as the server's admin on the e2e server (CREATE/DROP DATABASE). */
export async function adminQuery(sql: string): Promise<void> {
  await queryOnce(process.env.E2E_SERVER_URL, sql);
}

export interface ScratchDatabase {
  url: string;
  /** One statement in this database, on its own connection (to read what the service stored). */
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
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
  return {
    url: url.toString(),
    query: (sql, params) => queryOnce(url.toString(), sql, params),
    drop: () => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}
