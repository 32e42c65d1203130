import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../support/free-port';
import { SpawnedService, spawnService } from '../support/spawn-service';
import { newTenant, userToken } from '../support/tokens';
import { waitFor } from '../support/wait-for';

/**
 * The embedded PostgreSQL the service started is killed with SIGKILL under load: the service says so once,
 * restarts it, recovers, and every write it acknowledged is still there. When it cannot restart it, liveness
 * fails and the process exits non-zero.
 */
describe('embedded PostgreSQL killed under load', () => {
  const dirs: string[] = [];
  const start = async (extra: Record<string, string> = {}): Promise<{ service: SpawnedService; dataDir: string }> => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'netops-crash-'));
    fs.chmodSync(dataDir, 0o755);
    dirs.push(dataDir);
    const service = await spawnService({ DATABASE_URL: '', DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()), DB_CONNECT_TIMEOUT_MS: '1000', ...extra });
    return { service, dataDir };
  };
  const postmasterPid = (dataDir: string): number => Number(fs.readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const status = async (url: string, init?: RequestInit): Promise<{ status: number; body: any }> => {
    try {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    } catch {
      return { status: 0, body: undefined };
    }
  };

  afterAll(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('restarts it, says so once, and loses no acknowledged write', async () => {
    // Restarting waits for crash recovery and for the killed server's backends to go: on a loaded CI
    // machine that can take a while, so both the service and the test allow a minute.
    const { service, dataDir } = await start({ EMBEDDED_PG_RESTART_TIMEOUT_SECONDS: '60' });
    const token = userToken(newTenant());
    const acknowledged: string[] = [];
    const outcomes: Array<{ phase: string; path: string; status: number }> = [];
    let phase = 'before';
    let stop = false;
    const write = async (): Promise<void> => {
      while (!stop) {
        const res = await status(`${service.url}/fault`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ resource_id: 'dev_crash', microservice_id: 'crash-test', type: 'site', severity: 'HIGH', message: `probe ${Date.now()}` }),
        });
        outcomes.push({ phase, path: 'POST /fault', status: res.status });
        if (res.status === 201) acknowledged.push(res.body.id);
        else await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const probe = async (p: string): Promise<void> => {
      while (!stop) {
        outcomes.push({ phase, path: p, status: (await status(`${service.url}${p}`)).status });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    try {
      const load = [write(), write(), write(), probe('/health'), probe('/health/ready')];
      await waitFor('some writes', async () => acknowledged.length >= 5, 10_000, 100);
      phase = 'crash';
      process.kill(postmasterPid(dataDir), 'SIGKILL');
      await waitFor('the restart', async () => service.logs.some((l) => l.includes('embedded PostgreSQL restarted')), 65_000, 100).catch((error: Error) => {
        const database = service.logs.filter((l) => l.includes('"component":"database"') || !l.startsWith('{'));
        throw new Error(`${error.message} (service ${service.process.exitCode === null ? 'running' : `exited with ${service.process.exitCode}`}); database and non-JSON log lines:\n${database.slice(-30).join('\n')}`);
      });
      await waitFor('readiness', async () => (await status(`${service.url}/health/ready`)).status === 200, 15_000, 100);
      phase = 'after';
      const before = acknowledged.length;
      await waitFor('writes after recovery', async () => acknowledged.length >= before + 5, 15_000, 100);
      stop = true;
      await Promise.all(load);

      expect(outcomes.filter((o) => o.path === '/health').every((o) => o.status === 200)).toBe(true);
      expect(outcomes.filter((o) => o.status >= 500 && o.status !== 503)).toEqual([]);
      expect(outcomes.filter((o) => o.phase === 'after' && o.path === 'POST /fault' && o.status !== 201)).toEqual([]);
      expect(service.logs.filter((l) => l.includes('stopped unexpectedly'))).toHaveLength(1);
      // Identical warnings are rate-limited (one per kind per 10 s), not one per failed request.
      const warnings = service.logs
        .map((l) => JSON.parse(l) as { level?: number; msg?: string })
        .filter((l) => l.level === 40 && typeof l.msg === 'string' && l.msg.startsWith('database unavailable'));
      const perKind = new Map<string, number>();
      for (const w of warnings) perKind.set(w.msg!, (perKind.get(w.msg!) ?? 0) + 1);
      expect([...perKind.values()].every((n) => n <= 2)).toBe(true);
      expect(warnings.length).toBeLessThanOrEqual(10);

      for (const id of acknowledged) {
        expect((await status(`${service.url}/fault/${id}`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      }
      expect(await service.stop('SIGTERM')).toBe(0);
    } finally {
      stop = true;
      await service.stop('SIGKILL');
    }
  }, 150_000);

  it('fails liveness and exits non-zero when it cannot restart it', async () => {
    const { service, dataDir } = await start({ EMBEDDED_PG_RESTART_TIMEOUT_SECONDS: '2', SHUTDOWN_DRAIN_MS: '1500' });
    try {
      // A cluster that can no longer start (read only at startup), then the crash.
      fs.renameSync(path.join(dataDir, 'postgres', 'PG_VERSION'), path.join(dataDir, 'postgres', 'PG_VERSION.moved'));
      process.kill(postmasterPid(dataDir), 'SIGKILL');
      let liveness = { status: 200, body: undefined as any };
      await waitFor('liveness to fail', async () => {
        liveness = await status(`${service.url}/health`);
        return liveness.status === 503 || service.process.exitCode !== null;
      }, 30_000, 100);
      expect(liveness.status).toBe(503);
      expect(liveness.body).toMatchObject({ status: 'failed', reason: expect.stringContaining('could not be restarted') });
      await waitFor('the exit', async () => service.process.exitCode !== null, 30_000, 100);
      expect(service.process.exitCode).toBe(1);
      expect(service.logs.some((l) => l.includes('"level":60') && l.includes('could not be restarted'))).toBe(true);
    } finally {
      await service.stop('SIGKILL');
    }
  });
});
