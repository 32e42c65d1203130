import { Env, readConfig } from './env';

/** The vault's recovery window and scheduled purge, and re-wrap tuning for `npm run vault:rewrap`. */
export class VaultConfig {
  /** Versions kept per secret, the current one included; older ones are deleted (erased) on the next replace. */
  readonly maxVersions!: number;
  /** Days a deleted item stays restorable; 0 deletes permanently at once (the reference's behaviour). */
  readonly recoveryDays!: number;
  /** When the purge of deleted items past their window runs (cron, UTC, on the job queue); undefined: never. */
  readonly purgeSchedule!: string | undefined;
  /** Items purged per statement. */
  readonly purgeBatchSize!: number;
  /**
   * Days audit records (`vault_event`) are kept; undefined (`VAULT_AUDIT_RETENTION_DAYS=0`, the
   * default): kept for good. The trail is partitioned by month: a month's records go, as one
   * partition drop, once the whole month is older than this.
   */
  readonly auditRetentionDays!: number | undefined;
  /** Data keys re-wrapped per batch (one transaction each). */
  readonly rewrapBatchSize!: number;
  /** Pause between batches, so a re-wrap running beside the service leaves it room. */
  readonly rewrapPauseMs!: number;
  /**
   * New values sealed under the tenant's key (format 3; default). `false` writes format 2 (data key wrapped
   * per value by the KMS provider): for a rolling upgrade, so instances that cannot read format 3 yet never meet it.
   */
  readonly tenantKeys!: boolean;
  /** Seconds an unwrapped tenant key stays in memory (a resolve must not call the KMS per value). */
  readonly tenantKeyCacheSeconds!: number;
  /** Tenants whose unwrapped keys are kept in memory at most. */
  readonly tenantKeyCacheSize!: number;

  static fromEnv(env: Env): VaultConfig {
    return readConfig(env, (r): VaultConfig => {
      r.replaced('VAULT_PURGE_INTERVAL_SECONDS', 'use VAULT_PURGE_SCHEDULE (a cron expression, or "off")');
      return {
        maxVersions: r.int('VAULT_MAX_VERSIONS', 10, 1, 100),
        recoveryDays: r.int('VAULT_RECOVERY_DAYS', 0, 0, 365),
        purgeSchedule: r.schedule('VAULT_PURGE_SCHEDULE', '*/5 * * * *'),
        purgeBatchSize: r.int('VAULT_PURGE_BATCH_SIZE', 500, 1, 10_000),
        auditRetentionDays: r.int('VAULT_AUDIT_RETENTION_DAYS', 0, 0, 36_500) || undefined,
        rewrapBatchSize: r.int('VAULT_REWRAP_BATCH_SIZE', 100, 1, 10_000),
        rewrapPauseMs: r.int('VAULT_REWRAP_PAUSE_MS', 0, 0, 60_000),
        tenantKeys: r.bool('VAULT_TENANT_KEYS', true),
        tenantKeyCacheSeconds: r.int('VAULT_TENANT_KEY_CACHE_SECONDS', 60, 1, 3600),
        tenantKeyCacheSize: r.int('VAULT_TENANT_KEY_CACHE_SIZE', 1000, 1, 1_000_000),
      };
    });
  }
}
