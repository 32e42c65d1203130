import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

/**
 * What every engine helper needs (Redis, HAProxy, PgBouncer, Prometheus, NATS — and bench/, which
 * starts HAProxy too): the engine's program from its Debian package, and a TCP probe to see it listen.
 */

let aptUpdated = false;

/** `binary` on PATH, or in /usr/sbin or /usr/bin (not on every PATH), else undefined. */
export function findBinary(binary: string): string | undefined {
  const onPath = spawnSync('which', [binary], { encoding: 'utf8' }).stdout?.trim();
  if (onPath) return onPath;
  return ['/usr/sbin', '/usr/bin'].map((dir) => `${dir}/${binary}`).find((file) => fs.existsSync(file));
}

/**
 * The path of `binary`, installed first from `debianPackage` with apt-get when it is missing and we
 * are root (a failed install runs `apt-get update`, once per process, and tries again); undefined
 * when it is missing and could not be installed, for the caller to skip or fail with its own words.
 */
export function ensureDebianPackage(binary: string, debianPackage: string): string | undefined {
  const found = findBinary(binary);
  if (found !== undefined || process.getuid?.() !== 0 || findBinary('apt-get') === undefined) return found;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (...args: string[]): number | null => spawnSync('apt-get', args, { env, timeout: 600_000, stdio: 'ignore' }).status;
  console.warn(`${binary} is missing; installing the Debian package ${debianPackage} with apt-get`);
  if (apt('install', '-y', '--no-install-recommends', debianPackage) !== 0 && !aptUpdated) {
    aptUpdated = true;
    apt('update');
    apt('install', '-y', '--no-install-recommends', debianPackage);
  }
  return findBinary(binary);
}

/** Whether something accepts TCP connections on host:port (a refused or silent port within 1 s: false). */
export function acceptsTcp(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    const done = (accepted: boolean): void => {
      socket.destroy();
      resolve(accepted);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
