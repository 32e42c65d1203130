import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './support/free-port';
import { spawnService } from './support/spawn-service';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');

/**
 * No DATABASE_URL: the service initialises and starts its embedded PostgreSQL
 * under DATA_DIR; a CLI pointed at the same DATA_DIR joins that server instead
 * of starting a second one; SIGTERM stops the server with the service.
 */
describe('embedded PostgreSQL', () => {
  it('is started by the service, joined by the CLIs, and stopped on SIGTERM', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'netops-embedded-'));
    fs.chmodSync(dataDir, 0o755);
    const env = { DATABASE_URL: '', DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()) };
    try {
      const service = await spawnService(env);
      expect(service.logs.some((l) => l.includes('initialising embedded PostgreSQL'))).toBe(true);
      expect(service.logs.some((l) => l.includes('"embeddedDatabase":true'))).toBe(true);

      const cli = await run(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/migration.ts', 'run'], {
        cwd: ROOT,
        env: { ...process.env, ...env },
      });
      expect(cli.stderr).toContain('joined the embedded PostgreSQL already running');
      expect(cli.stdout).toContain('No pending migrations');
      expect((await fetch(`${service.url}/health/ready`)).status).toBe(200); // the CLI did not stop it

      expect(await service.stop('SIGTERM')).toBe(0);
      expect(fs.existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
      expect(fs.existsSync(path.join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true); // data kept for the next start
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
