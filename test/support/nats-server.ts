import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port';

/**
 * `nats-server` for the event-bus tests: found on PATH, or installed with apt-get when running as
 * root (Debian package `nats-server`), as the browser and PKCS#11 tests do with theirs.
 */
export function ensureNatsServer(): { binary: string } | { skip: string } {
  const which = (): string | undefined => spawnSync('which', ['nats-server'], { encoding: 'utf8' }).stdout.trim() || undefined;
  if (which() === undefined && process.getuid?.() === 0 && spawnSync('which', ['apt-get']).status === 0) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    console.warn('event-bus tests: nats-server is missing; installing the Debian package nats-server with apt-get');
    const install = (): number | null => spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'nats-server'], { env, timeout: 300_000, stdio: 'ignore' }).status;
    if (install() !== 0) {
      spawnSync('apt-get', ['update'], { env, timeout: 300_000, stdio: 'ignore' });
      install();
    }
  }
  const binary = which();
  return binary === undefined ? { skip: 'SKIPPED event-bus tests: nats-server is not installed and could not be (needs root and apt-get: `apt-get install -y nats-server`)' } : { binary };
}

export interface NatsServer {
  url: string;
  /** Stops the server (SIGTERM) and waits for it; `start()` brings it back on the same port and store. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its JetStream store. */
  close(): Promise<void>;
}

/** A JetStream-enabled nats-server of its own (port, store folder), so tests never share one. */
export async function startNatsServer(binary: string): Promise<NatsServer> {
  const port = await freePort();
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nats-js-'));
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = spawn(binary, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], { stdio: 'ignore' });
    const deadline = Date.now() + 15_000;
    while (!(await accepts(port))) {
      if (child.exitCode !== null) throw new Error(`nats-server exited with code ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error('nats-server did not start within 15 s');
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
  return {
    url: `nats://127.0.0.1:${port}`,
    start,
    stop,
    close: async () => {
      await stop();
      fs.rmSync(storeDir, { recursive: true, force: true });
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
