import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port';

/** Debian's HAProxy: found on PATH or in /usr/sbin, or installed with apt-get when running as root. */
export function ensureHaproxy(): { binary: string } | { skip: string } {
  const find = (): string | undefined =>
    spawnSync('which', ['haproxy'], { encoding: 'utf8' }).stdout.trim() || (fs.existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : undefined);
  if (find() === undefined && process.getuid?.() === 0 && spawnSync('which', ['apt-get']).status === 0) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    console.warn('load-balancer tests: haproxy is missing; installing the Debian package haproxy with apt-get');
    const install = (): number | null => spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'haproxy'], { env, timeout: 300_000, stdio: 'ignore' }).status;
    if (install() !== 0) {
      spawnSync('apt-get', ['update'], { env, timeout: 300_000, stdio: 'ignore' });
      install();
    }
  }
  const binary = find();
  return binary === undefined ? { skip: 'SKIPPED load-balancer tests: haproxy is not installed and could not be (needs root and apt-get: `apt-get install -y haproxy`)' } : { binary };
}

export interface Haproxy {
  url: string;
  close(): Promise<void>;
}

/**
 * HAProxy on 127.0.0.1 balancing round-robin, request by request, over `backends` (base URLs);
 * each response names the instance that served it in `X-Served-By` (s0, s1, …). Streams pass
 * through (tunnel timeout of an hour).
 */
export async function startHaproxy(binary: string, backends: string[]): Promise<Haproxy> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'haproxy-'));
  const config = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(
    config,
    [
      'global',
      '  maxconn 4000',
      'defaults',
      '  mode http',
      '  timeout connect 2s',
      '  timeout client 60s',
      '  timeout server 60s',
      '  timeout tunnel 1h',
      'frontend api',
      `  bind 127.0.0.1:${port}`,
      '  default_backend instances',
      'backend instances',
      '  balance roundrobin',
      '  http-response set-header X-Served-By %[srv_name]',
      ...backends.map((b, i) => `  server s${i} ${new URL(b).host}`),
      '',
    ].join('\n'),
  );
  const check = spawnSync(binary, ['-c', '-f', config], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`haproxy rejected its configuration: ${check.stdout}${check.stderr}`);
  const child: ChildProcess = spawn(binary, ['-db', '-f', config], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null) throw new Error(`haproxy exited with code ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error('haproxy did not start within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
