import { ChildProcess, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

/**
 * What every engine helper needs (Redis, HAProxy, PgBouncer, Prometheus, NATS — and bench/, which
 * starts HAProxy too): the engine's program from its Debian package, a TCP probe to see it listen,
 * the wait for a spawned engine to listen, and its stop.
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

/**
 * Waits until the engine just spawned as `child` accepts TCP on `port`: throws when it exits first
 * or is not listening within `timeoutMs` (`name` says which; `detail`, e.g. its log's last lines,
 * is added to the message).
 */
export async function untilListening(child: ChildProcess, name: string, port: number, timeoutMs: number, detail?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const said = (message: string): string => (detail === undefined ? message : `${message}: ${detail()}`);
  while (!(await acceptsTcp(port))) {
    if (child.exitCode !== null) throw new Error(said(`${name} exited with code ${child.exitCode}`));
    if (Date.now() > deadline) throw new Error(said(`${name} did not start within ${timeoutMs / 1000} s`));
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Stops an engine (SIGTERM) and waits for it to exit; nothing when there is none or it has ended. */
export async function stopEngine(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
