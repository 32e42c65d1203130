import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppConfig } from './app.config';
import { AuthConfig } from './auth.config';
import { DatabaseConfig } from './database.config';
import { ConfigValidationError } from './env';
import { VaultConfig } from './vault.config';

const STRONG = 'Zr8k2Qm9Lx4Vb7Nc1Hs6Tw3Yp5Jd0FgE';

function problems(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  return [];
}

describe('configuration', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('has working defaults for development', () => {
    const app = AppConfig.fromEnv({ DATA_DIR: dataDir });
    expect(app).toMatchObject({ port: 3000, listenBacklog: 4096, logLevel: 'info', corsOrigins: [], bodyLimitBytes: 65536, isProduction: false });
    expect(DatabaseConfig.fromEnv({})).toMatchObject({ url: undefined, embeddedPort: 54329, migrationsRun: true });
  });

  it('names every invalid variable at once', () => {
    const found = problems(() => AppConfig.fromEnv({ PORT: 'eighty', LOG_LEVEL: 'loud', RATE_LIMIT_MAX: '0' }));
    expect(found).toEqual([
      'PORT must be an integer (got "eighty")',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
      'RATE_LIMIT_MAX must be between 1 and 1000000 (got 0)',
    ]);
  });

  it('rejects a DATABASE_URL that is not PostgreSQL', () => {
    expect(problems(() => DatabaseConfig.fromEnv({ DATABASE_URL: 'mysql://localhost/x' }))).toEqual(['DATABASE_URL must use one of postgres, postgresql (got mysql:)']);
    expect(problems(() => DatabaseConfig.fromEnv({ DATABASE_URL: 'not a url' }))).toEqual(['DATABASE_URL must be a valid URL']);
  });

  it('refuses production without DATABASE_URL', () => {
    expect(problems(() => DatabaseConfig.fromEnv({ NODE_ENV: 'production' }))[0]).toMatch(/^DATABASE_URL is required when NODE_ENV=production/);
    expect(DatabaseConfig.fromEnv({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/app' }).url).toBe('postgres://db/app');
  });

  it('generates and reuses a development JWT secret in DATA_DIR', () => {
    const first = AuthConfig.fromEnv({ DATA_DIR: dataDir }).jwtSecret;
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(AuthConfig.fromEnv({ DATA_DIR: dataDir }).jwtSecret).toBe(first);
    expect(fs.statSync(path.join(dataDir, 'secrets', 'jwt-secret')).mode & 0o777).toBe(0o600);
  });

  it.each([
    [{}, /JWT_SECRET is required when NODE_ENV=production/],
    [{ JWT_SECRET: 'short' }, /JWT_SECRET must be at least 32 characters/],
    [{ JWT_SECRET: 'changeme-changeme-changeme-changeme' }, /JWT_SECRET looks like a placeholder/],
    [{ JWT_SECRET: 'a'.repeat(40) }, /JWT_SECRET has too little variety/],
    [{ JWT_JWKS_URL: 'http://idp.internal/jwks.json' }, /JWT_JWKS_URL must use https/],
  ])('refuses to start in production with %p', (env, message) => {
    expect(problems(() => AuthConfig.fromEnv({ NODE_ENV: 'production', DATA_DIR: dataDir, ...env })).join('\n')).toMatch(message);
  });

  it('accepts production with a strong secret or a JWKS URL', () => {
    expect(AuthConfig.fromEnv({ NODE_ENV: 'production', JWT_SECRET: STRONG }).jwtSecret).toBe(STRONG);
    const jwks = AuthConfig.fromEnv({ NODE_ENV: 'production', JWT_JWKS_URL: 'https://idp.example/.well-known/jwks.json', JWT_ISSUER: 'https://idp.example/', JWT_AUDIENCE: 'netops-api', JWT_SECRET: STRONG });
    expect(jwks.jwtSecret).toBeUndefined(); // one key source at a time: JWKS wins
    expect(jwks.jwksUrl).toBe('https://idp.example/.well-known/jwks.json');
  });

  it('production with a JWKS requires issuer and audience, both named at once', () => {
    expect(problems(() => AuthConfig.fromEnv({ NODE_ENV: 'production', JWT_JWKS_URL: 'https://idp.example/jwks.json' }))).toEqual([
      "JWT_ISSUER is required with JWT_JWKS_URL when NODE_ENV=production (the identity provider's issuer, the tokens' iss)",
      "JWT_AUDIENCE is required with JWT_JWKS_URL when NODE_ENV=production (this API's identifier at the provider, the tokens' aud)",
    ]);
    // Development keeps today's defaults.
    expect(AuthConfig.fromEnv({ JWT_JWKS_URL: 'http://127.0.0.1:1/jwks.json' }).issuer).toBeUndefined();
  });

  it('service tokens need customer_ids in production unless switched off explicitly', () => {
    expect(AuthConfig.fromEnv({ NODE_ENV: 'production', JWT_SECRET: STRONG }).serviceTokensRequireTenants).toBe(true);
    expect(AuthConfig.fromEnv({ NODE_ENV: 'production', JWT_SECRET: STRONG, SERVICE_TOKENS_REQUIRE_TENANTS: 'false' }).serviceTokensRequireTenants).toBe(false);
    expect(AuthConfig.fromEnv({ JWT_SECRET: STRONG }).serviceTokensRequireTenants).toBe(false);
    expect(AuthConfig.fromEnv({ JWT_SECRET: STRONG, SERVICE_TOKENS_REQUIRE_TENANTS: 'true' }).serviceTokensRequireTenants).toBe(true);
  });

  it('narrows the default user scopes to known scopes only, and never lets the JWKS cooldown be 0', () => {
    expect(AuthConfig.fromEnv({ JWT_SECRET: STRONG }).defaultUserScopes).toHaveLength(7);
    expect(AuthConfig.fromEnv({ JWT_SECRET: STRONG, JWT_DEFAULT_USER_SCOPES: 'faults:read, vault:read' }).defaultUserScopes).toEqual(['faults:read', 'vault:read']);
    expect(problems(() => AuthConfig.fromEnv({ JWT_SECRET: STRONG, JWT_DEFAULT_USER_SCOPES: 'faults:read,vault:use' }))).toEqual([
      'JWT_DEFAULT_USER_SCOPES must list user scopes (faults:read, faults:write, faults:delete, vault:read, vault:write, webhooks:read, webhooks:write); unknown: vault:use',
    ]);
    expect(problems(() => AuthConfig.fromEnv({ JWT_SECRET: STRONG, JWT_JWKS_COOLDOWN_SECONDS: '0' }))).toEqual(['JWT_JWKS_COOLDOWN_SECONDS must be between 1 and 3600 (got 0)']);
  });

  it('validates the tenant claim name', () => {
    expect(AuthConfig.fromEnv({ JWT_SECRET: STRONG, JWT_TENANT_CLAIM: 'id' }).tenantClaim).toBe('id');
    expect(problems(() => AuthConfig.fromEnv({ JWT_SECRET: STRONG, JWT_TENANT_CLAIM: 'bad claim' }))).toEqual(['JWT_TENANT_CLAIM must be a claim name']);
  });

  it('keeps the vault audit trail for good unless VAULT_AUDIT_RETENTION_DAYS is set', () => {
    expect(VaultConfig.fromEnv({}).auditRetentionDays).toBeUndefined();
    expect(VaultConfig.fromEnv({ VAULT_AUDIT_RETENTION_DAYS: '0' }).auditRetentionDays).toBeUndefined();
    expect(VaultConfig.fromEnv({ VAULT_AUDIT_RETENTION_DAYS: '400' }).auditRetentionDays).toBe(400);
    expect(problems(() => VaultConfig.fromEnv({ VAULT_AUDIT_RETENTION_DAYS: '-1' }))).toEqual(['VAULT_AUDIT_RETENTION_DAYS must be between 0 and 36500 (got -1)']);
  });
});
