import { createHmac } from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');

/** `npm run token` as a newcomer calls it: the CLI in its own process. */
describe('npm run token', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'netops-token-cli-'));
  const env = { ...process.env, DATA_DIR: dataDir, JWT_SECRET: '', JWT_JWKS_URL: '', NODE_ENV: 'development' };
  const token = (...args: string[]) => run(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/token.ts', ...args], { cwd: ROOT, env });
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected the command to fail');
      },
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('prints its usage with --help, naming every valid scope', async () => {
    const { stdout } = await token('--help');
    expect(stdout).toMatch(/^Usage: npm run -s token -- \[options\]/);
    for (const scope of ['faults:read', 'faults:write', 'faults:delete', 'vault:read', 'vault:write', 'faults:ingest', 'vault:use']) expect(stdout).toContain(scope);
    expect(fs.existsSync(path.join(dataDir, 'secrets'))).toBe(false); // --help touches nothing
  });

  it('refuses an unknown scope with the list of valid ones, and a service scope on a user token', async () => {
    const [typo, wrongKind, unknownOption] = await Promise.all([
      failure(token('--customer', 'cus_demo', '--scopes', 'faults:read,fault:write')),
      failure(token('--customer', 'cus_demo', '--scopes', 'vault:use')),
      failure(token('--customr', 'cus_demo')),
    ]);
    expect(typo.code).toBe(2);
    expect(typo.stdout).toBe('');
    expect(typo.stderr).toContain('unknown user scope fault:write; valid user scopes: faults:read, faults:write, faults:delete, vault:read, vault:write');
    expect(wrongKind.stderr).toContain('unknown user scope vault:use');
    expect(unknownOption.stderr).toContain("Unknown option '--customr'");
    expect(unknownOption.stderr).toContain('npm run token -- --help');
  });

  it('prints a user token and a service token', async () => {
    const [user, service] = (await Promise.all([token('--customer', 'cus_demo', '--scopes', 'faults:read'), token('--service', '--scopes', 'vault:use')])).map((r) => r.stdout.trim());
    const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(claims(user)).toMatchObject({ customer_id: 'cus_demo', scopes: ['faults:read'] });
    expect(claims(service)).toMatchObject({ token_use: 'service', scopes: ['vault:use'] });
  });
});

describe('npm run token: which secret', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'netops-token-secret-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const token = (env: Record<string, string>) =>
    run(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/token.ts', '--customer', 'cus_demo'], {
      cwd: ROOT,
      env: { ...process.env, JWT_SECRET: '', JWT_JWKS_URL: '', NODE_ENV: 'development', ...env },
    });

  it('signs with the development secret of the service DATA_DIR and says so on stderr, stdout holding only the token', async () => {
    const { stdout, stderr } = await token({ DATA_DIR: dataDir });
    const secretFile = path.join(dataDir, 'secrets', 'jwt-secret');
    expect(stderr).toBe(`token: signed with the development secret in ${secretFile} (DATA_DIR=${dataDir}); the service must run with this DATA_DIR\n`);
    expect(stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const secret = fs.readFileSync(secretFile, 'utf8').trim();
    const [header, payload, signature] = stdout.trim().split('.');
    expect(createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url')).toBe(signature);
  });

  it('says when JWT_SECRET from the environment signed it', async () => {
    const { stderr } = await token({ DATA_DIR: dataDir, JWT_SECRET: 'x'.repeat(40) });
    expect(stderr).toBe('token: signed with JWT_SECRET from the environment\n');
  });
});
