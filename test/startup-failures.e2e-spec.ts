import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './support/free-port';
import { checkDatabaseUrl } from '../src/database/database-url-check';

const ROOT = path.resolve(__dirname, '..');

interface Start {
  code: number | null;
  lines: string[];
  ms: number;
}

/** src/main.ts in its own process, as an operator starts it; every line it prints and how long until it exited. */
function start(env: Record<string, string>): Promise<Start> {
  const began = Date.now();
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(ROOT, 'src', 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', DB_MIGRATIONS_RUN: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(killer);
      resolve({ code, lines: output.split('\n').filter(Boolean), ms: Date.now() - began });
    }),
  );
}

/**
 * Every start that cannot succeed ends with one block of at most 3 lines naming the variable to change,
 * within 5 s of the service's own start, exit code 1, no stack. ts-node compiles src/main.ts in each child
 * (seconds on a loaded machine), so "within 5 s" is measured beyond what a start that stops at the
 * configuration check takes to load the same entry point.
 */
describe('startup failures: one block naming the variable to change', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'netops-startup-failures-'));
  let loadMs = 0;
  const server = new URL(process.env.E2E_SERVER_URL!);
  const urlWith = (change: (url: URL) => void): string => {
    const url = new URL(server.toString());
    change(url);
    return url.toString();
  };
  beforeAll(async () => {
    const baseline = await start({ DATA_DIR: dataDir, PORT: 'not-a-port' });
    expect(baseline.code).toBe(1);
    loadMs = baseline.ms;
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  const expectOneBlock = (result: Start, names: RegExp): string => {
    expect(result.code).toBe(1);
    expect(result.lines.length).toBeLessThanOrEqual(3);
    expect(result.lines.join('\n')).not.toMatch(/"stack"|\n\s+at |Nest application successfully started/);
    const fatal = result.lines.filter((l) => l.includes('"level":60'));
    expect(fatal).toHaveLength(1);
    const message = (JSON.parse(fatal[0]) as { msg: string }).msg;
    expect(message).toMatch(names);
    expect(result.ms - loadMs).toBeLessThan(5000);
    return message;
  };

  it('HTTP port taken: names PORT and HOST, before the database or Nest start', async () => {
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const port = (squatter.address() as net.AddressInfo).port;
    try {
      const result = await start({ DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' });
      expect(expectOneBlock(result, /^PORT \d+ is already in use on HOST 127\.0\.0\.1 \(EADDRINUSE\); set PORT to a free port/)).toContain(String(port));
      expect(result.lines).toHaveLength(1);
    } finally {
      squatter.close();
    }
  });

  it('DATABASE_URL naming a database that does not exist (3D000): at once, not retried', async () => {
    const result = await start({ DATA_DIR: dataDir, PORT: String(await freePort()), DATABASE_URL: urlWith((u) => (u.pathname = '/no_such_database')) });
    expectOneBlock(result, /^DATABASE_URL names database "no_such_database", which does not exist on /);
    expect(result.lines).toHaveLength(1);
  });

  it('DATABASE_URL with an unknown role (28000, or 28P01 where the server asks for a password): at once, not retried', async () => {
    const result = await start({ DATA_DIR: dataDir, PORT: String(await freePort()), DATABASE_URL: urlWith((u) => (u.username = 'no_such_role')) });
    expectOneBlock(result, /^DATABASE_URL: (password authentication failed for user "no_such_role"|.* refused user "no_such_role")/);
    expect(result.lines).toHaveLength(1);
  });

  (server.password ? it : it.skip)('DATABASE_URL with a wrong password (28P01): at once, not retried', async () => {
    const result = await start({ DATA_DIR: dataDir, PORT: String(await freePort()), DATABASE_URL: urlWith((u) => (u.password = 'wrong-password')) });
    const message = expectOneBlock(result, /^DATABASE_URL: password authentication failed for user "[^"]+" on .*; correct the user or password in DATABASE_URL/);
    expect(message).not.toContain('wrong-password');
    expect(result.lines).toHaveLength(1);
  });

  it('DATABASE_URL with a host that does not resolve (ENOTFOUND): at once, not retried', async () => {
    const result = await start({ DATA_DIR: dataDir, PORT: String(await freePort()), DATABASE_URL: 'postgres://app:pw@db.invalid:5432/netops' });
    expectOneBlock(result, /^DATABASE_URL host "db\.invalid" cannot be resolved \(ENOTFOUND\)/);
    expect(result.lines).toHaveLength(1);
  });

  it('DATABASE_URL refusing connections: retried with backoff for DB_CONNECT_RETRY_SECONDS, said once, then the block', async () => {
    const port = await freePort();
    const result = await start({ DATA_DIR: dataDir, PORT: String(await freePort()), DB_CONNECT_RETRY_SECONDS: '2', DATABASE_URL: `postgres://app:pw@127.0.0.1:${port}/netops` });
    expectOneBlock(result, new RegExp(`^DATABASE_URL: no PostgreSQL answered at 127\\.0\\.0\\.1:${port} within 2 s \\(ECONNREFUSED\\).*DB_CONNECT_RETRY_SECONDS`));
    expect(result.lines).toHaveLength(2);
    expect(JSON.parse(result.lines[0])).toMatchObject({ level: 40, msg: expect.stringContaining('retrying for up to 2 s (DB_CONNECT_RETRY_SECONDS)') });
    expect(result.ms - loadMs).toBeGreaterThanOrEqual(1500); // it did wait
  });

  it('a server that comes up within DB_CONNECT_RETRY_SECONDS is waited for; a password may come from PGPASSWORD (Compose)', async () => {
    const port = await freePort();
    const warnings: string[] = [];
    // A proxy that refuses until it starts listening, then forwards to the e2e server.
    const proxy = net.createServer((client) => {
      const upstream = net.connect(Number(server.port || 5432), server.hostname);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    const withoutPassword = urlWith((u) => {
      u.hostname = '127.0.0.1';
      u.port = String(port);
      u.password = '';
    });
    const previous = process.env.PGPASSWORD;
    process.env.PGPASSWORD = decodeURIComponent(server.password);
    try {
      const waiting = checkDatabaseUrl(withoutPassword, { retrySeconds: 20, timeoutMs: 2000, warn: (m) => warnings.push(m) });
      const listening = (async () => {
        while (warnings.length === 0) await new Promise((resolve) => setImmediate(resolve));
        await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve));
      })();
      await Promise.all([waiting, listening]);
      expect(warnings).toHaveLength(1);
    } finally {
      if (previous === undefined) delete process.env.PGPASSWORD;
      else process.env.PGPASSWORD = previous;
      proxy.close();
    }
  });
});
