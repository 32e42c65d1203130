import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigValidationError } from './env';
import { FaultConfig } from './fault.config';

describe('FaultConfig', () => {
  const strong = 'k3J9x!Qw7Zp2Lm8Vb4Nc6Rt1Yh5Gf0Ds';

  it('has the documented defaults', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fault-config-'));
    const config = FaultConfig.fromEnv({ DATA_DIR: dataDir });
    expect(config).toMatchObject({
      retentionDays: 425,
      purgeSchedule: '17 * * * *',
      purgeBatchSize: 500,
      shortLinkBaseUrl: 'http://localhost:3000/s',
      dashboardUrl: undefined,
      tokenCacheMs: 500,
    });
    // Development: a random key generated once into DATA_DIR and reused.
    expect(config.tokenSecret.length).toBeGreaterThanOrEqual(32);
    expect(FaultConfig.fromEnv({ DATA_DIR: dataDir }).tokenSecret).toBe(config.tokenSecret);
    expect(fs.readFileSync(path.join(dataDir, 'secrets', 'fault-token-secret'), 'utf8').trim()).toBe(config.tokenSecret);
    expect(config.cursorSecret).not.toBe(config.tokenSecret);
  });

  it('reads every variable', () => {
    const config = FaultConfig.fromEnv({
      FAULT_RETENTION_DAYS: '30',
      FAULT_PURGE_SCHEDULE: 'off',
      FAULT_PURGE_BATCH_SIZE: '50',
      FAULT_TOKEN_SECRET: strong,
      FAULT_CURSOR_SECRET: `${strong}-cursor`,
      SHORT_LINK_BASE_URL: 'https://flt.example.com/s/',
      DASHBOARD_URL: 'https://dash.example.com/?t={token}',
      FAULT_TOKEN_CACHE_MS: '250',
      FAULT_REOPEN_WINDOW_SECONDS: '600',
      FAULT_CORRELATION_WINDOW_SECONDS: '120',
      FAULT_FLAP_THRESHOLD: '4',
      FAULT_FLAP_WINDOW_SECONDS: '1800',
      FAULT_INTELLIGENCE_SCHEDULE: 'off',
      FAULT_SILENCE_HORIZON_DAYS: '14',
    });
    expect(config.tokenSecret).toBe(strong);
    expect(config.cursorSecret).toBe(`${strong}-cursor`);
    expect({ ...config }).toEqual({
      retentionDays: 30,
      purgeSchedule: undefined,
      purgeBatchSize: 50,
      shortLinkBaseUrl: 'https://flt.example.com/s',
      dashboardUrl: 'https://dash.example.com/?t={token}',
      tokenCacheMs: 250,
      reopenWindowSeconds: 600,
      maxComments: 100,
      correlationWindowSeconds: 120,
      flapThreshold: 4,
      flapWindowSeconds: 1800,
      intelligenceSchedule: undefined,
      silenceHorizonDays: 14,
    });
    expect(FaultConfig.fromEnv({ FAULT_TOKEN_SECRET: strong }).reopenWindowSeconds).toBe(300);
    for (const [name, value] of [
      ['FAULT_CORRELATION_WINDOW_SECONDS', '-1'],
      ['FAULT_FLAP_THRESHOLD', '1'],
      ['FAULT_FLAP_WINDOW_SECONDS', '10'],
      ['FAULT_INTELLIGENCE_SCHEDULE', 'every minute'],
      ['FAULT_SILENCE_HORIZON_DAYS', '1000'],
    ]) {
      expect(() => FaultConfig.fromEnv({ FAULT_TOKEN_SECRET: strong, [name]: value })).toThrow(new RegExp(name));
    }
    expect(() => FaultConfig.fromEnv({ FAULT_TOKEN_SECRET: strong, FAULT_REOPEN_WINDOW_SECONDS: '-1' })).toThrow(/FAULT_REOPEN_WINDOW_SECONDS/);
  });

  it('never shows its keys when logged or serialized', () => {
    const config = FaultConfig.fromEnv({ FAULT_TOKEN_SECRET: strong });
    expect(JSON.stringify(config)).not.toContain(strong);
    expect(Object.keys(config)).not.toContain('tokenSecret');
    expect(Object.keys(config)).not.toContain('cursorSecret');
  });

  it('requires a strong FAULT_TOKEN_SECRET in production', () => {
    expect(() => FaultConfig.fromEnv({ NODE_ENV: 'production' })).toThrow(/FAULT_TOKEN_SECRET is required/);
    expect(() => FaultConfig.fromEnv({ NODE_ENV: 'production', FAULT_TOKEN_SECRET: 'changeme-changeme-changeme-changeme' })).toThrow(/placeholder/);
    expect(() => FaultConfig.fromEnv({ NODE_ENV: 'production', FAULT_TOKEN_SECRET: 'short' })).toThrow(/at least 32/);
    expect(FaultConfig.fromEnv({ NODE_ENV: 'production', FAULT_TOKEN_SECRET: strong }).tokenSecret).toBe(strong);
  });

  it('reads FAULT_PURGE_SCHEDULE as a cron expression, and names what replaced FAULT_PURGE_INTERVAL_SECONDS', () => {
    expect(FaultConfig.fromEnv({ FAULT_TOKEN_SECRET: strong, FAULT_PURGE_SCHEDULE: ' 0  */6 * * * ' }).purgeSchedule).toBe('0 */6 * * *');
    expect(() => FaultConfig.fromEnv({ FAULT_TOKEN_SECRET: strong, FAULT_PURGE_INTERVAL_SECONDS: '0' })).toThrow(/FAULT_PURGE_INTERVAL_SECONDS is no longer read: use FAULT_PURGE_SCHEDULE/);
    expect(() => FaultConfig.fromEnv({ FAULT_TOKEN_SECRET: strong, FAULT_PURGE_SCHEDULE: '* * *' })).toThrow(/FAULT_PURGE_SCHEDULE must be a cron expression of 5 fields/);
  });

  it.each([
    ['FAULT_RETENTION_DAYS', '0'],
    ['FAULT_RETENTION_DAYS', 'soon'],
    ['FAULT_PURGE_BATCH_SIZE', '0'],
    ['FAULT_PURGE_SCHEDULE', 'hourly'],
    ['FAULT_PURGE_SCHEDULE', '60 * * * *'],
    ['FAULT_PURGE_INTERVAL_SECONDS', '3600'],
    ['FAULT_TOKEN_CACHE_MS', '1001'],
    ['SHORT_LINK_BASE_URL', 'not a url'],
    ['DASHBOARD_URL', 'ftp://dash.example.com'],
  ])('refuses %s=%s', (name, value) => {
    expect(() => FaultConfig.fromEnv({ FAULT_TOKEN_SECRET: strong, [name]: value })).toThrow(ConfigValidationError);
  });
});
