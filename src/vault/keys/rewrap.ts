import { DataSource } from 'typeorm';
import { EnvelopeCrypto } from '../../kms/envelope';
import { KmsKeyChecker } from '../../kms/kms-key-check';
import { KmsProvider, WrappedKey } from '../../kms/kms-provider.interface';
import { TenantKeyRepository } from './tenant-key.repository';
import { tenantKeyContext } from './tenant-keys';
import { VaultKeyMaintenanceRepository, WrappedKeyPosition, WrappedKeyRow } from './vault-key-maintenance.repository';

export interface RewrapOptions {
  batchSize: number;
  /** Pause between batches, leaving the database and KMS room for the running service. */
  pauseMs: number;
  onProgress?: (progress: RewrapProgress) => void;
  /** Stop after this many batches (the rest is left for the next run). */
  maxBatches?: number;
}

export interface RewrapProgress {
  /** Values that needed re-wrapping when the run started. */
  total: number;
  rewrapped: number;
  /** Of `rewrapped`: tenant keys (each stands for every format-3 value of its tenant). */
  tenantKeys: number;
  /** Changed by the service while we worked (it wrote them under the active key already). */
  skipped: number;
  /** Could not be unwrapped (their key is missing or wrong); listed in `failedIds` (item id, or item id@version). */
  failed: number;
  batches: number;
}

export interface RewrapResult extends RewrapProgress {
  failedIds: string[];
  activeKeyId: string;
}

/**
 * Moves every data key the KMS provider wraps (format-1/2 current values, then kept versions, then the
 * tenant keys that wrap the format-3 values) to the KMS provider's active key. Only the wrapped data
 * key changes (the sealed value and its data key stay), one transaction per
 * batch, each row guarded by its old wrapped key so a concurrent update by the
 * service always wins. Killing it loses nothing: a rerun picks up whatever is
 * still under an older key.
 */
export async function rewrapVault(dataSource: DataSource, kms: KmsProvider, options: RewrapOptions): Promise<RewrapResult> {
  // Never move data onto a key that does not match its stored check value.
  await new KmsKeyChecker(dataSource, kms).verify();
  const active = kms.activeKey();
  const envelope = new EnvelopeCrypto(kms);
  const vault = new VaultKeyMaintenanceRepository(dataSource);
  const tenantKeyRepo = new TenantKeyRepository(dataSource);
  // Values on tenant keys (format 3) are reached through their tenant's key: one re-wrap per tenant, not per value.
  const count = (await vault.countNotOnKey(active)) + (await tenantKeyRepo.countNotOnKey(active));
  const progress: RewrapProgress = { total: count, rewrapped: 0, tenantKeys: 0, skipped: 0, failed: 0, batches: 0 };
  const failedIds: string[] = [];
  for (const source of ['current', 'versions'] as const) {
    let after: WrappedKeyPosition = { id: '', version: 0 };
    for (;;) {
      if (options.maxBatches !== undefined && progress.batches >= options.maxBatches) break;
      const rows = await vault.wrappedKeysNotOnKey(active, source, after, options.batchSize);
      if (rows.length === 0) break;
      const last = rows[rows.length - 1];
      after = { id: last.id, version: last.version ?? 0 };
      const updates: Array<{ row: WrappedKeyRow; wrapped: WrappedKey }> = [];
      for (const row of rows) {
        try {
          updates.push({ row, wrapped: await envelope.rewrap(row.wrapped, { tenant: row.customerId, item: row.id }) });
        } catch {
          progress.failed++;
          failedIds.push(row.version === null ? row.id : `${row.id}@${row.version}`);
        }
      }
      const { replaced, changed } = await vault.replaceWrappedKeys(updates);
      progress.rewrapped += replaced;
      progress.skipped += changed;
      progress.batches++;
      options.onProgress?.({ ...progress });
      if (options.pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
    }
  }
  let afterTenant = '';
  for (;;) {
    if (options.maxBatches !== undefined && progress.batches >= options.maxBatches) break;
    const rows = await tenantKeyRepo.notOnKey(active, afterTenant, options.batchSize);
    if (rows.length === 0) break;
    afterTenant = rows[rows.length - 1].customerId;
    const updates: Array<{ row: (typeof rows)[number]; wrapped: WrappedKey }> = [];
    for (const row of rows) {
      try {
        updates.push({ row, wrapped: await envelope.rewrap(row.wrapped!, tenantKeyContext(row.customerId, row.keyId)) });
      } catch {
        progress.failed++;
        failedIds.push(`tenant-key:${row.customerId}`);
      }
    }
    const { replaced, changed } = await tenantKeyRepo.replaceWrapped(updates);
    progress.rewrapped += replaced;
    progress.skipped += changed;
    progress.tenantKeys += replaced;
    progress.batches++;
    options.onProgress?.({ ...progress });
    if (options.pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
  }
  return { ...progress, failedIds, activeKeyId: active.keyId };
}
