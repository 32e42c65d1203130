import { Env, readConfig } from './env';

/** Tenant offboarding: the background deletion and how quickly every instance refuses an offboarded tenant. */
export class TenantsConfig {
  /** Rows deleted per statement (one transaction each) by the background deletion. */
  readonly offboardingBatchSize!: number;
  /** Milliseconds between two reads of newly offboarded tenants (what another instance offboarded is refused within this). */
  readonly revocationRefreshMs!: number;

  static fromEnv(env: Env): TenantsConfig {
    return readConfig(env, (r): TenantsConfig => {
      r.replaced('TENANT_OFFBOARDING_INTERVAL_SECONDS', 'the deletion is a job, queued with the offboarding, at start and every minute; remove it');
      return {
        offboardingBatchSize: r.int('TENANT_OFFBOARDING_BATCH_SIZE', 5000, 1, 100_000),
        revocationRefreshMs: r.int('TENANT_REVOCATION_REFRESH_MS', 1000, 100, 60_000),
      };
    });
  }
}
