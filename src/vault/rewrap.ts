import { DataSource } from 'typeorm';
import { EnvelopeCrypto } from '../kms/envelope';
import { KmsKeyChecker } from '../kms/kms-key-check';
import { KmsProvider, KmsProviderName, WrappedKey } from '../kms/kms-provider.interface';

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
  /** Changed by the service while we worked (it wrote them under the active key already). */
  skipped: number;
  /** Could not be unwrapped (their key is missing or wrong); listed by id in `failedIds`. */
  failed: number;
  batches: number;
}

export interface RewrapResult extends RewrapProgress {
  failedIds: string[];
  activeKeyId: string;
}

interface Row {
  id: string;
  customer_id: string;
  kms_provider: string;
  kms_key_id: string;
  kms_key_version: string;
  wrapped_key: Buffer;
}

const NOT_ON_ACTIVE = `kind = 'secret' AND (kms_provider, kms_key_id, kms_key_version) IS DISTINCT FROM ($1, $2, $3)`;

/**
 * Moves every data key to the KMS provider's active key. Only the wrapped data
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
  const params = [active.provider, active.keyId, active.keyVersion];
  const [{ count }] = await dataSource.query<Array<{ count: number }>>(`SELECT count(*)::int AS count FROM vault_item WHERE ${NOT_ON_ACTIVE}`, params);
  const progress: RewrapProgress = { total: count, rewrapped: 0, skipped: 0, failed: 0, batches: 0 };
  const failedIds: string[] = [];
  let after = '';
  for (;;) {
    if (options.maxBatches !== undefined && progress.batches >= options.maxBatches) break;
    const rows = await dataSource.query<Row[]>(
      `SELECT id, customer_id, kms_provider, kms_key_id, kms_key_version, wrapped_key FROM vault_item
       WHERE ${NOT_ON_ACTIVE} AND id > $4 ORDER BY id LIMIT $5`,
      [...params, after, options.batchSize],
    );
    if (rows.length === 0) break;
    after = rows[rows.length - 1].id;
    const updates: Array<{ row: Row; wrapped: WrappedKey }> = [];
    for (const row of rows) {
      const old: WrappedKey = { provider: row.kms_provider as KmsProviderName, keyId: row.kms_key_id, keyVersion: row.kms_key_version, ciphertext: row.wrapped_key };
      try {
        updates.push({ row, wrapped: await envelope.rewrap(old, { tenant: row.customer_id, item: row.id }) });
      } catch {
        progress.failed++;
        failedIds.push(row.id);
      }
    }
    await dataSource.transaction(async (m) => {
      for (const { row, wrapped } of updates) {
        const raw = await m.query<unknown[]>(
          `UPDATE vault_item SET kms_provider = $1, kms_key_id = $2, kms_key_version = $3, wrapped_key = $4
           WHERE id = $5 AND kms_provider = $6 AND kms_key_id = $7 AND kms_key_version = $8 AND wrapped_key = $9`,
          [wrapped.provider, wrapped.keyId, wrapped.keyVersion, wrapped.ciphertext, row.id, row.kms_provider, row.kms_key_id, row.kms_key_version, row.wrapped_key],
        );
        const affected = Array.isArray(raw) && typeof raw[1] === 'number' ? raw[1] : 0;
        if (affected === 1) progress.rewrapped++;
        else progress.skipped++;
      }
    });
    progress.batches++;
    options.onProgress?.({ ...progress });
    if (options.pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
  }
  return { ...progress, failedIds, activeKeyId: active.keyId };
}
