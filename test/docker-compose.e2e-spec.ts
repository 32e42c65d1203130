import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { AppConfig } from '../src/config/app.config';

const ROOT = path.resolve(__dirname, '..');

interface ComposeService {
  image?: string;
  restart?: string;
  stop_grace_period?: string;
  environment?: Record<string, string>;
}

/** docker-compose.yml as Compose reads it (js-yaml: jest's own YAML reader). */
function compose(): Record<string, ComposeService> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const yaml = require('js-yaml') as { load(text: string): unknown };
  return (yaml.load(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, ComposeService> }).services;
}

function seconds(duration: string): number {
  const match = /^(\d+)(ms|s|m)$/.exec(duration);
  if (!match) throw new Error(`unreadable duration ${duration}`);
  return Number(match[1]) / { ms: 1000, s: 1, m: 1 / 60 }[match[2] as 'ms' | 's' | 'm'];
}

/** No Docker engine runs here, so the Compose file is checked as data: what it passes and how it stops. */
describe('docker-compose.yml', () => {
  const { api, postgres } = compose();

  it('passes every KMS provider variable, the proxy, dashboard, bus, CORS and log settings', () => {
    const passed = Object.keys(api.environment ?? {});
    const kmsSource = fs.readFileSync(path.join(ROOT, 'src', 'config', 'kms.config.ts'), 'utf8');
    const kmsVariables = [...new Set(kmsSource.match(/\b(?:PKCS11|AWS_KMS|KMS)_[A-Z_]+\b/g))].filter((v) => v !== 'KMS_PROVIDER_NAMES');
    expect(kmsVariables).toEqual(expect.arrayContaining(['PKCS11_MODULE_PATH', 'AWS_KMS_KEY_ID', 'KMS_LOCAL_KEYS_FILE']));
    expect(passed).toEqual(expect.arrayContaining(kmsVariables));
    expect(passed).toEqual(expect.arrayContaining(['TRUST_PROXY', 'DASHBOARD_URL', 'NATS_URL', 'CORS_ORIGINS', 'LOG_LEVEL']));
  });

  it('gives the service longer than its shutdown budget before Docker kills it, and restarts it', () => {
    const defaults = AppConfig.fromEnv({});
    const budget = defaults.shutdownDrainMs / 1000 + defaults.shutdownTimeoutSeconds;
    expect(seconds(api.stop_grace_period ?? '10s')).toBeGreaterThan(budget);
    expect(api.restart).toMatch(/^(unless-stopped|always|on-failure)/);
    expect(postgres.restart).toMatch(/^(unless-stopped|always|on-failure)/);
  });

  it('passes the database password as its own variable, never pasted into DATABASE_URL', () => {
    const env = api.environment ?? {};
    expect(env.DATABASE_URL).not.toContain('PASSWORD');
    expect(new URL(env.DATABASE_URL).password).toBe('');
    expect(env.PGPASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD\b/);
  });

  it('runs a PostgreSQL major that CI proves (the external-database stage; .ci/run compares them)', async () => {
    const major = /^postgres:(\d+)(?:[.-]|$)/.exec(postgres.image ?? '')?.[1];
    expect(major).toBeDefined();
    if (process.env.E2E_EMBEDDED_DIR) return; // this run is on the embedded server; the external stage checks the major
    const client = new Client({ connectionString: process.env.E2E_SERVER_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
      expect(String(Math.floor(Number(rows[0].v) / 10_000))).toBe(major);
    } finally {
      await client.end();
    }
  });
});
