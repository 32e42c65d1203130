import { DataSource } from 'typeorm';
import { EnvelopeCrypto } from '../../kms/envelope';
import { KmsKeyChecker } from '../../kms/kms-key-check';
import { KmsProvider } from '../../kms/kms-provider.interface';
import { TenantKeyRepository } from './tenant-key.repository';
import { TenantKeyDestroyedError, TenantKeyStore } from './tenant-keys';
import { LegacySealedRow, ResealedValue, VaultKeyMaintenanceRepository, WrappedKeyPosition } from './vault-key-maintenance.repository';
import { sealedValue } from './sealed-value';

export interface TenantKeyMigrationOptions {
  batchSize: number;
  pauseMs: number;
  onProgress?: (progress: TenantKeyMigrationProgress) => void;
  /** Stop after this many batches (the rest is left for the next run). */
  maxBatches?: number;
}

export interface TenantKeyMigrationProgress {
  /** Format-1/2 values (current and kept versions) when the run started. */
  total: number;
  migrated: number;
  /** Replaced by the service while we worked (it wrote them on the tenant key already, or they are picked up by a rerun). */
  skipped: number;
  /** Could not be opened (key missing or wrong, tampered); listed in `failedIds`. */
  failed: number;
  /** Of offboarded tenants: left as they are (unreadable; the offboarding deletes them). */
  offboarded: number;
  batches: number;
}

export interface TenantKeyMigrationResult extends TenantKeyMigrationProgress {
  failedIds: string[];
  /** Still in formats 1/2 at the end (written by an old instance during the run, or failed). */
  left: number;
}

/**
 * Moves every format-1/2 value (current values, then kept versions) onto its tenant's key
 * (format 3): each value is opened and sealed again with a fresh data key wrapped by the tenant
 * key, bound to the same tenant, item and version. One transaction per batch; each row is
 * compare-and-set on the sealed value read, so a value the service replaces meanwhile is left
 * alone (the service writes format 3 itself) and a value is never sealed twice. Killed at any
 * point, a rerun continues with whatever is still in formats 1/2. Values never leave the process.
 */
export async function migrateToTenantKeys(dataSource: DataSource, kms: KmsProvider, options: TenantKeyMigrationOptions): Promise<TenantKeyMigrationResult> {
  await new KmsKeyChecker(dataSource, kms).verify();
  const envelope = new EnvelopeCrypto(kms);
  const vault = new VaultKeyMaintenanceRepository(dataSource);
  const tenantKeys = new TenantKeyStore(new TenantKeyRepository(dataSource), kms, { ttlMs: 60_000, maxEntries: 1000 });
  const progress: TenantKeyMigrationProgress = { total: await vault.countNotOnTenantKeys(), migrated: 0, skipped: 0, failed: 0, offboarded: 0, batches: 0 };
  const failedIds: string[] = [];
  try {
    for (const source of ['current', 'versions'] as const) {
      let after: WrappedKeyPosition = { id: '', version: 0 };
      for (;;) {
        if (options.maxBatches !== undefined && progress.batches >= options.maxBatches) break;
        const rows = await vault.sealedNotOnTenantKeys(source, after, options.batchSize);
        if (rows.length === 0) break;
        const last = rows[rows.length - 1];
        after = { id: last.id, version: source === 'current' ? 0 : last.version };
        const updates: Array<{ row: LegacySealedRow; sealed: ResealedValue }> = [];
        for (const row of rows) {
          try {
            updates.push({ row, sealed: await reseal(envelope, tenantKeys, row) });
          } catch (error) {
            if (error instanceof TenantKeyDestroyedError) {
              progress.offboarded++;
              continue;
            }
            progress.failed++;
            failedIds.push(row.current ? row.id : `${row.id}@${row.version}`);
          }
        }
        const { replaced, changed } = await vault.replaceSealed(updates);
        progress.migrated += replaced;
        progress.skipped += changed;
        progress.batches++;
        options.onProgress?.({ ...progress });
        if (options.pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
      }
    }
    return { ...progress, failedIds, left: await vault.countNotOnTenantKeys() };
  } finally {
    tenantKeys.clear();
  }
}

async function reseal(envelope: EnvelopeCrypto, tenantKeys: TenantKeyStore, row: LegacySealedRow): Promise<ResealedValue> {
  const binding = { tenant: row.customerId, item: row.id, version: row.version };
  // Opened first: a tenant key is created only for a tenant whose values this provider opens.
  const value = await envelope.open(sealedValue(row.encFormat, row.kmsProvider, row.kmsKeyId, row.kmsKeyVersion, row.wrappedKey, row.ciphertext), binding);
  const tenantKey = await tenantKeys.forWrite(row.customerId);
  const sealed = envelope.sealWithTenantKey(value, binding, tenantKey);
  return {
    formatVersion: sealed.formatVersion,
    provider: sealed.wrappedKey.provider,
    keyId: sealed.wrappedKey.keyId,
    keyVersion: sealed.wrappedKey.keyVersion,
    wrappedKey: sealed.wrappedKey.ciphertext,
    ciphertext: sealed.ciphertext,
  };
}
