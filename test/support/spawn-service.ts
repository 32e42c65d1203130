import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from './free-port';
import { appendLogs } from './secret-ledger';

const ROOT = path.resolve(__dirname, '..', '..');

export interface SpawnedService {
  url: string;
  process: ChildProcess;
  /** Every line the process wrote to stdout/stderr. */
  logs: string[];
  /** Sends the signal and resolves with the exit code once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * The service as it runs in production — `src/main.ts` in its own process,
 * with its own signal handling — for shutdown, outage and multi-instance tests.
 */
export async function spawnService(env: Record<string, string | undefined> = {}, options: { detached?: boolean } = {}): Promise<SpawnedService> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(ROOT, 'src', 'main.ts')], {
    cwd: ROOT,
    // detached: a process group of its own, as a terminal gives `npm start` (a test can signal the whole group).
    detached: options.detached ?? false,
    env: { ...process.env, LOG_LEVEL: 'info', DB_MIGRATIONS_RUN: 'true', ...env, PORT: String(port), HOST: env.HOST ?? '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  // A pipe hands over chunks, not lines: keep each stream's unfinished last line until its end arrives.
  const collector = (): { push: (chunk: Buffer) => void; flush: () => void } => {
    let partial = '';
    return {
      push: (chunk) => {
        const lines = (partial + chunk.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) if (line) logs.push(line);
      },
      flush: () => {
        if (partial) logs.push(partial);
        partial = '';
      },
    };
  };
  const out = collector();
  const err = collector();
  child.stdout?.on('data', out.push);
  child.stderr?.on('data', err.push);
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      out.flush();
      err.flush();
      appendLogs(`service:${port}`, logs);
      resolve(code);
    }),
  );
  const url = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`service exited during start:\n${logs.join('\n')}`);
    try {
      const res = await fetch(`${url}/health/ready`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`service did not become ready:\n${logs.join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    process: child,
    logs,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
