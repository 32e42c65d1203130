import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureDebianPackage, stopEngine, untilListening } from './engines';
import { freePort } from './free-port';

/** Debian's PgBouncer (1.18 on bookworm; see ensureDebianPackage). */
export function ensurePgBouncer(): string {
  const binary = ensureDebianPackage('pgbouncer', 'pgbouncer');
  if (binary === undefined) throw new Error('E2E_PGBOUNCER=1 needs pgbouncer (apt-get install -y pgbouncer; installed automatically when run as root)');
  return binary;
}

export interface PgBouncer {
  /** `serverUrl` with host and port replaced by the pooler's. */
  url(serverUrl: string): string;
  close(): Promise<void>;
}

/**
 * A transaction-mode PgBouncer of the test's own in front of `serverUrl`'s server: every database
 * name passes through (`*`), clients are trusted on 127.0.0.1, and it logs in to the server with
 * the URL's user and password. As root it drops to the `postgres` user (PgBouncer refuses root).
 */
export async function startPgBouncer(binary: string, serverUrl: string): Promise<PgBouncer> {
  const server = new URL(serverUrl);
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgbouncer-'));
  const user = decodeURIComponent(server.username || 'postgres');
  const password = decodeURIComponent(server.password);
  fs.writeFileSync(path.join(dir, 'userlist.txt'), `"${user}" "${password.replace(/"/g, '""')}"\n`);
  fs.writeFileSync(
    path.join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${server.hostname} port=${server.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${path.join(dir, 'userlist.txt')}`,
      'pool_mode = transaction',
      'max_client_conn = 1000',
      'default_pool_size = 40',
      'ignore_startup_parameters = extra_float_digits',
      `logfile = ${path.join(dir, 'pgbouncer.log')}`,
      `pidfile = ${path.join(dir, 'pgbouncer.pid')}`,
      '',
    ].join('\n'),
  );
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    fs.chmodSync(dir, 0o755);
    spawnSync('chown', ['-R', 'postgres', dir]);
  }
  const child: ChildProcess = spawn(binary, [...(asRoot ? ['-u', 'postgres'] : []), path.join(dir, 'pgbouncer.ini')], { stdio: 'ignore' });
  await untilListening(child, 'pgbouncer', port, 15_000, () => readLog(dir));
  return {
    url: (target: string) => {
      const u = new URL(target);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    close: async () => {
      await stopEngine(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function readLog(dir: string): string {
  try {
    return fs.readFileSync(path.join(dir, 'pgbouncer.log'), 'utf8').split('\n').slice(-5).join(' | ');
  } catch {
    return '(no log)';
  }
}
