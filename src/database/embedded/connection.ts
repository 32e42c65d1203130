import net from 'node:net';
import { Client } from 'pg';
import { USER } from './binaries';
import { EmbeddedPostgresOptions } from './options';

/** Talking to a running server: its URL, whether it answers (and with which data directory), our database on it. */
export function connectionUrl(options: EmbeddedPostgresOptions, database: string): string {
  return `postgres://${USER}:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/${database}`;
}

async function tryQuery<T>(url: string, timeoutMs: number, run: (client: Client) => Promise<T>): Promise<T | undefined> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await run(client);
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The data directory of whatever server answers on our port with our password, if any. */
export async function runningDataDirectory(options: EmbeddedPostgresOptions): Promise<string | undefined> {
  // A short timeout: a program that is not PostgreSQL may hold the port and never answer.
  return tryQuery(connectionUrl(options, 'postgres'), 1000, async (client) => {
    const result = await client.query<{ data_directory: string }>('SHOW data_directory');
    return result.rows[0]?.data_directory;
  });
}

export async function ensureDatabase(options: EmbeddedPostgresOptions): Promise<void> {
  await tryQuery(connectionUrl(options, 'postgres'), 2000, async (client) => {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database]);
    if (exists.rowCount === 0) {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(options.database)}`).catch((error: { code?: string }) => {
        if (error.code !== '42P04') throw error; // created concurrently by another process
      });
    }
  });
}

/** Whether anything accepts TCP connections on 127.0.0.1:port (answers within 500 ms). */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (inUse: boolean): void => {
      socket.destroy();
      resolve(inUse);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
