import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureDebianPackage, stopEngine, untilListening } from './engines';
import { freePort } from './free-port';

/** `nats-server` for the event-bus tests (Debian package `nats-server`; see ensureDebianPackage). */
export function ensureNatsServer(): { binary: string } | { skip: string } {
  const binary = ensureDebianPackage('nats-server', 'nats-server');
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
    await untilListening(child, 'nats-server', port, 15_000);
  };
  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    await stopEngine(running);
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
