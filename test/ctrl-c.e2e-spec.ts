import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './support/free-port';
import { spawnService } from './support/spawn-service';
import { newTenant, userToken } from './support/tokens';
import { waitFor } from './support/wait-for';

const DRAIN_MS = 1000;
const TIMEOUT_SECONDS = 10;
/** A request counts as "sent during the drain" only if it left this long before the earliest possible close. */
const CLOCK_SLACK_MS = 300;

/**
 * Ctrl-C at a terminal sends SIGINT to the whole foreground process group. The embedded PostgreSQL runs in a
 * group of its own, so only the service gets it: it drains, stops the job queue, closes the listener, the
 * listeners and the pool, and stops the database last. An operator sees info lines only and exit code 0.
 */
describe('Ctrl-C on a service with its embedded PostgreSQL', () => {
  it('SIGINT to the whole process group under light load: info lines only, no failed request, exit 0 within the budget', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'netops-ctrl-c-'));
    fs.chmodSync(dataDir, 0o755);
    try {
      const service = await spawnService(
        { DATABASE_URL: '', DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()), SHUTDOWN_DRAIN_MS: String(DRAIN_MS), SHUTDOWN_TIMEOUT_SECONDS: String(TIMEOUT_SECONDS) },
        { detached: true },
      );
      const exited = new Promise<number | null>((resolve) => service.process.once('exit', (code) => resolve(code)));
      const token = userToken(newTenant());
      const results: Array<{ sentAt: number; status: number | string }> = [];
      let gone = false;
      void exited.then(() => (gone = true));
      const worker = async (): Promise<void> => {
        while (!gone) {
          const sentAt = Date.now();
          const status = await fetch(`${service.url}/fault?limit=5`, { headers: { authorization: `Bearer ${token}` } }).then(
            async (r) => (await r.arrayBuffer(), r.status),
            (error: { cause?: { code?: string } }) => error.cause?.code ?? 'error',
          );
          results.push({ sentAt, status });
        }
      };
      const workers = Array.from({ length: 4 }, () => worker());
      await waitFor('load on the database', () => results.length >= 20, 20_000);

      const sigintAt = Date.now();
      process.kill(-service.process.pid!, 'SIGINT');
      const code = await exited;
      const exitMs = Date.now() - sigintAt;
      await Promise.all(workers);

      expect(code).toBe(0);
      expect(exitMs).toBeLessThan(DRAIN_MS + TIMEOUT_SECONDS * 1000);
      // From the signal on, every line JSON at info or below: no warning, no "stopped unexpectedly; restarting it", no stack.
      const parsed = service.logs.map((line) => {
        try {
          return JSON.parse(line) as { level: number; msg: string };
        } catch {
          return { level: 100, msg: line };
        }
      });
      const fromSignal = parsed.slice(parsed.findIndex((l) => l.msg === 'shutting down: draining in-flight requests'));
      expect(fromSignal.length).toBeGreaterThan(1);
      expect(fromSignal.filter((l) => l.level >= 40)).toEqual([]);
      expect(fromSignal.at(-1)?.msg).toBe('stopped');
      const drained = results.filter((r) => r.sentAt >= sigintAt && r.sentAt < sigintAt + DRAIN_MS - CLOCK_SLACK_MS);
      expect(drained.length).toBeGreaterThan(0); // the load went on into the drain
      expect(results.filter((r) => r.sentAt < sigintAt + DRAIN_MS - CLOCK_SLACK_MS && r.status !== 200)).toEqual([]);
      expect(fs.existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false); // the database was stopped, by the service

      // Nest's start-up lines are written when they happen, route mapping only at debug.
      const messages = parsed.map((l) => l.msg);
      expect(messages.some((m) => m.startsWith('Mapped {'))).toBe(false);
      const nestStart = messages.findIndex((m) => m === 'Starting Nest application...');
      const listening = messages.findIndex((m) => m.startsWith('Server listening at'));
      expect(nestStart).toBeGreaterThanOrEqual(0);
      expect(nestStart).toBeLessThan(listening);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
