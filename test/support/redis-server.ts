import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { freePort } from './free-port';

/**
 * `redis-server` for the shared rate-limit tests: found on PATH, or installed with apt-get when
 * running as root (Debian package `redis-server`), as the other engine tests do with theirs.
 */
export function ensureRedisServer(): { binary: string } | { skip: string } {
  const which = (): string | undefined => spawnSync('which', ['redis-server'], { encoding: 'utf8' }).stdout.trim() || undefined;
  if (which() === undefined && process.getuid?.() === 0 && spawnSync('which', ['apt-get']).status === 0) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    console.warn('rate-limit tests: redis-server is missing; installing the Debian package redis-server with apt-get');
    const install = (): number | null => spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'redis-server'], { env, timeout: 300_000, stdio: 'ignore' }).status;
    if (install() !== 0) {
      spawnSync('apt-get', ['update'], { env, timeout: 300_000, stdio: 'ignore' });
      install();
    }
  }
  const binary = which();
  return binary === undefined ? { skip: 'SKIPPED Redis tests: redis-server is not installed and could not be (needs root and apt-get: `apt-get install -y redis-server`)' } : { binary };
}

export interface RedisServer {
  url: string;
  /** Stops the server and waits for it; `start()` brings it back on the same port (empty). */
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** A redis-server of its own (free port, nothing on disk), so tests can stop it without touching anyone else's. */
export async function startRedisServer(binary: string): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = spawn(binary, ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const deadline = Date.now() + 15_000;
    while (!(await accepts(port))) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error('redis-server did not start within 15 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, start, stop };
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
