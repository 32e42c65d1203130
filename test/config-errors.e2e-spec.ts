import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

/** Starts src/main.ts as production would and collects what it prints until it exits. */
function start(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(ROOT, 'src', 'main.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('configuration errors at start', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'netops-config-errors-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('production without its required settings: one block naming every problem, exit code 1, no stack trace', async () => {
    const { code, stdout, stderr } = await start({ NODE_ENV: 'production', DATA_DIR: dataDir, PORT: 'eighty', JWT_SECRET: 'short', RATE_LIMIT_STORE: 'memcached' });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual([
      'Invalid configuration (NODE_ENV=production), 6 problems; the service did not start:',
      '  - PORT must be an integer (got "eighty")',
      '  - RATE_LIMIT_STORE must be one of memory, postgres, redis (got "memcached")',
      '  - DATABASE_URL is required when NODE_ENV=production (the embedded database is for development)',
      '  - JWT_SECRET must be at least 32 characters',
      '  - FAULT_TOKEN_SECRET is required when NODE_ENV=production',
      '  - KMS_LOCAL_KEYS is required when NODE_ENV=production and KMS_PROVIDER=local (id:base64-of-32-bytes,…; the last one is active)',
      'See the Configuration section of README.md.',
    ]);
    expect(fs.readdirSync(dataDir)).toEqual([]); // nothing started, nothing written
  });

  it('production with a JWKS but no issuer or audience refuses to start, naming both in the one block', async () => {
    const { code, stderr } = await start({
      NODE_ENV: 'production',
      DATA_DIR: dataDir,
      DATABASE_URL: 'postgres://app@db.invalid/netops',
      JWT_JWKS_URL: 'https://idp.example/.well-known/jwks.json',
      FAULT_TOKEN_SECRET: 'f'.repeat(24) + 'Q7x!k2Lm9Zp4Rt8Vw3Ys6Bn1',
      KMS_LOCAL_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
    });
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^Invalid configuration \(NODE_ENV=production\), \d+ problems?; the service did not start:$/);
    expect(lines).toContain("  - JWT_ISSUER is required with JWT_JWKS_URL when NODE_ENV=production (the identity provider's issuer, the tokens' iss)");
    expect(lines).toContain("  - JWT_AUDIENCE is required with JWT_JWKS_URL when NODE_ENV=production (this API's identifier at the provider, the tokens' aud)");
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
