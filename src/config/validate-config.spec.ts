import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CONFIG_CLASSES, configurationProblems } from './validate-config';

/** One bad value per config class: each must appear in the one block at boot, not later during injection. */
const BAD_VALUE_OF: Record<string, [variable: string, value: string]> = {
  AppConfig: ['SHUTDOWN_DRAIN_MS', 'soon'],
  DatabaseConfig: ['DB_POOL_SIZE', '0'],
  AuthConfig: ['JWT_CLOCK_TOLERANCE_SECONDS', 'lots'],
  FaultConfig: ['FAULT_MAX_COMMENTS', '0'],
  KmsConfig: ['KMS_PROVIDER', 'vaultwarden'],
  VaultConfig: ['VAULT_MAX_VERSIONS', '0'],
  TenantsConfig: ['TENANT_OFFBOARDING_BATCH_SIZE', 'many'],
  EventsConfig: ['WEBHOOK_TIMEOUT_MS', 'ten'],
  StreamsConfig: ['STREAM_MAX_PER_TENANT', '0'],
  JobsConfig: ['JOBS_POOL_SIZE', 'four'],
  MetricsConfig: ['METRICS_ENABLED', 'perhaps'],
  TracingConfig: ['OTEL_EXPORTER_OTLP_ENDPOINT', 'ftp://collector:4318'],
};

describe('validate-config: the one registry of config classes', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-registry-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('holds every *.config.ts class of src/config', () => {
    const declared = fs
      .readdirSync(__dirname)
      .filter((f) => f.endsWith('.config.ts'))
      .flatMap((f) => [...fs.readFileSync(path.join(__dirname, f), 'utf8').matchAll(/export class (\w+Config)\b[^{]*\{[\s\S]*?static fromEnv\(/g)].map((m) => m[1]));
    expect(declared.length).toBeGreaterThanOrEqual(10);
    expect(CONFIG_CLASSES.map((c) => c.name).sort()).toEqual([...declared].sort());
  });

  it.each(Object.entries(BAD_VALUE_OF))('%s: a bad value is named in the boot block', (className, [variable, value]) => {
    expect(CONFIG_CLASSES.map((c) => c.name)).toContain(className);
    const problems = configurationProblems({ DATA_DIR: dataDir, [variable]: value });
    expect(problems.some((p) => p.startsWith(`${variable} `))).toBe(true);
  });

  it('every registered class has a bad value tested here', () => {
    expect(Object.keys(BAD_VALUE_OF).sort()).toEqual(CONFIG_CLASSES.map((c) => c.name).sort());
  });
});
