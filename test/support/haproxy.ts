import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureDebianPackage, stopEngine, untilListening } from './engines';
import { freePort } from './free-port';

/** Debian's HAProxy (see ensureDebianPackage). */
export function ensureHaproxy(): { binary: string } | { skip: string } {
  const binary = ensureDebianPackage('haproxy', 'haproxy');
  return binary === undefined ? { skip: 'SKIPPED load-balancer tests: haproxy is not installed and could not be (needs root and apt-get: `apt-get install -y haproxy`)' } : { binary };
}

export interface Haproxy {
  url: string;
  pid: number;
  close(): Promise<void>;
}

/**
 * HAProxy on 127.0.0.1 balancing round-robin, request by request, over `backends` (base URLs), with
 * keep-alive to them; each response names the instance that served it in `X-Served-By` (s0, s1, …).
 * Streams pass through (tunnel timeout of an hour). The tests' load balancer and the benchmark's
 * (bench/instances.ts), which hears of the process through `onSpawn`.
 */
export async function startHaproxy(binary: string, backends: string[], onSpawn?: (child: ChildProcess) => void): Promise<Haproxy> {
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
      '  option http-keep-alive',
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
  onSpawn?.(child);
  await untilListening(child, 'haproxy', port, 10_000);
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    close: async () => {
      await stopEngine(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
