import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import net from 'node:net';
import { Client, Pool } from 'pg';
import { freePort } from './support/free-port';
import { DatabaseConfig } from '../src/config/database.config';
import { createDataDir } from '../src/config/dev-secret';
import { EmbeddedPostgresError } from '../src/database/embedded/embedded-postgres';
import { SMART_SHUTDOWN_GRACE_MS } from '../src/database/embedded/server-process';
import { openDatabase } from '../src/database/open-database';
import { spawnService } from './support/spawn-service';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');

/**
 * No DATABASE_URL: the service initialises and starts its embedded PostgreSQL
 * under DATA_DIR; a CLI pointed at the same DATA_DIR joins that server instead
 * of starting a second one; SIGTERM stops the server with the service.
 */
describe('embedded PostgreSQL', () => {
  it('is started by the service, joined by the CLIs, and stopped on SIGTERM', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'netops-embedded-'));
    fs.chmodSync(dataDir, 0o755);
    const env = { DATABASE_URL: '', DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()) };
    try {
      const service = await spawnService(env);
      expect(service.logs.some((l) => l.includes('initialising embedded PostgreSQL'))).toBe(true);
      expect(service.logs.some((l) => l.includes('"embeddedDatabase":true'))).toBe(true);

      const cli = await run(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/migration.ts', 'run'], {
        cwd: ROOT,
        env: { ...process.env, ...env },
      });
      expect(cli.stderr).toContain('joined the embedded PostgreSQL already running');
      expect(cli.stdout).toContain('No pending migrations');
      expect((await fetch(`${service.url}/health/ready`)).status).toBe(200); // the CLI did not stop it

      // A CLI started without the service's EMBEDDED_PG_PORT finds the server through postmaster.pid and joins it.
      const otherPort = String(await freePort());
      const lost = await run(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/migration.ts', 'run'], {
        cwd: ROOT,
        env: { ...process.env, ...env, EMBEDDED_PG_PORT: otherPort },
      });
      expect(lost.stderr).toContain(`joined the embedded PostgreSQL already running on port ${env.EMBEDDED_PG_PORT} (from ${path.join(dataDir, 'postgres')}/postmaster.pid; EMBEDDED_PG_PORT is ${otherPort}`);
      expect(lost.stdout).toContain('No pending migrations');
      expect((await fetch(`${service.url}/health/ready`)).status).toBe(200);

      expect(await service.stop('SIGTERM')).toBe(0);
      expect(fs.existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
      expect(fs.existsSync(path.join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true); // data kept for the next start
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000); // a service and three CLIs, each compiled by ts-node

  it('stops smart first: pools ended just before get no error; a session left open is cut after the grace', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'netops-embedded-stop-'));
    fs.chmodSync(dataDir, 0o755);
    try {
      const open = () => openDatabase(DatabaseConfig.fromEnv({ EMBEDDED_PG_PORT: String(port) }), dataDir);
      const port = await freePort();
      // As the service stops: every pool ended (each client's Terminate sent, not yet read), then the server at once.
      for (let round = 0; round < 3; round++) {
        const database = await open();
        const pools = Array.from({ length: 4 }, () => new Pool({ connectionString: database.url, max: 8 }));
        const errors: string[] = [];
        pools.forEach((pool) => pool.on('error', (error) => errors.push(error.message)));
        await Promise.all(pools.flatMap((pool) => Array.from({ length: 16 }, () => pool.query('SELECT pg_sleep(0.01)'))));
        await Promise.all(pools.map((pool) => pool.end()));
        await database.close();
        expect(errors).toEqual([]);
      }
      // A session nobody closes: the smart shutdown waits out its grace, then the fast one ends the session.
      const database = await open();
      const leaked = new Client({ connectionString: database.url });
      const leakedError = new Promise<Error & { code?: string }>((resolve) => leaked.on('error', resolve));
      await leaked.connect();
      const started = Date.now();
      await database.close();
      expect(Date.now() - started).toBeGreaterThanOrEqual(SMART_SHUTDOWN_GRACE_MS - 100);
      expect((await leakedError).code).toBe('57P01'); // admin_shutdown
      expect(fs.existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

/** Setup mistakes with the embedded PostgreSQL: one line saying what to change, within 2 s. */
describe('embedded PostgreSQL setup problems', () => {
  const dirs: string[] = [];
  const tempDir = (mode = 0o755): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netops-embedded-setup-'));
    fs.chmodSync(dir, mode);
    dirs.push(dir);
    return dir;
  };
  const open = (dataDir: string, port: number) => openDatabase(DatabaseConfig.fromEnv({ EMBEDDED_PG_PORT: String(port) }), dataDir);
  /** The error and how long it took to come. */
  const failure = async (opening: Promise<unknown>): Promise<{ error: Error; ms: number }> => {
    const start = Date.now();
    const error = await opening.then(
      () => new Error('expected a failure'),
      (e: Error) => e,
    );
    return { error, ms: Date.now() - start };
  };
  afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  it('EMBEDDED_PG_PORT taken by another program: says so and what to set, within 2 s', async () => {
    const squatter = net.createServer((socket) => socket.on('error', () => undefined)); // accepts, never answers
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const port = (squatter.address() as net.AddressInfo).port;
    try {
      const { error, ms } = await failure(open(tempDir(), port));
      expect(error).toBeInstanceOf(EmbeddedPostgresError);
      expect(error.message).toBe(`EMBEDDED_PG_PORT ${port} is already in use by another program; set EMBEDDED_PG_PORT to a free port (or DATABASE_URL to use your own PostgreSQL)`);
      expect(ms).toBeLessThan(2000);

      // The service prints it as one log line and exits 1: no stack trace, no retries.
      const dataDir = tempDir();
      const started = await run(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: '', DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(port), PORT: String(await freePort()), LOG_LEVEL: 'info' },
      }).then(
        () => ({ code: 0, stdout: '', stderr: '' }),
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
      expect(started.code).toBe(1);
      const lines = `${started.stdout}${started.stderr}`.trim().split('\n');
      const fatal = lines.filter((l) => l.includes('"level":60'));
      expect(fatal).toHaveLength(1);
      expect(JSON.parse(fatal[0]).msg).toBe(error.message);
      expect(lines.some((l) => /^\s+at /.test(l) || l.includes('"stack"'))).toBe(false);
    } finally {
      squatter.close();
    }
  });

  const asRoot = process.getuid?.() === 0;
  (asRoot ? it : it.skip)('DATA_DIR the postgres user cannot enter (mktemp -d as root): names the folder and the fix, within 2 s', async () => {
    const privateDir = tempDir(0o700);
    const { error, ms } = await failure(open(privateDir, await freePort()));
    expect(error).toBeInstanceOf(EmbeddedPostgresError);
    expect(error.message).toBe(
      `DATA_DIR ${privateDir} cannot be entered by the "postgres" user the embedded PostgreSQL runs as: ${privateDir} has mode 0700; run \`chmod o+x ${privateDir}\` or choose another DATA_DIR`,
    );
    expect(ms).toBeLessThan(2000);
    expect(fs.statSync(privateDir).mode & 0o777).toBe(0o700); // not the service's folder: left as it is
  });

  (asRoot ? it : it.skip)('DATA_DIR the service creates, even under umask 077: made enterable, and the database starts', async () => {
    const dataDir = path.join(tempDir(), 'made', 'by-service');
    const umask = process.umask(0o077);
    try {
      createDataDir(dataDir);
    } finally {
      process.umask(umask);
    }
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o711);
    const database = await open(dataDir, await freePort());
    try {
      expect(database.embedded).toBe(true);
    } finally {
      await database.close();
    }
  }, 120_000);
});
