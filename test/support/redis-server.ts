import { ChildProcess, spawn } from 'node:child_process';
import { ensureDebianPackage, stopEngine, untilListening } from './engines';
import { freePort } from './free-port';

/** `redis-server` for the shared rate-limit tests (Debian package `redis-server`; see ensureDebianPackage). */
export function ensureRedisServer(): { binary: string } | { skip: string } {
  const binary = ensureDebianPackage('redis-server', 'redis-server');
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
    await untilListening(child, 'redis-server', port, 15_000);
  };
  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    await stopEngine(running);
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, start, stop };
}
