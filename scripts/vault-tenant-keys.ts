/**
 * npm run vault:tenant-keys [-- --batch-size 100 --pause-ms 0]
 *
 * Moves every value still sealed in formats 1/2 (data key wrapped per value by the KMS provider)
 * onto its tenant's key (format 3), in batches, with a progress line per batch and a summary.
 * Safe beside the running service, safe to kill (even SIGKILL) and run again. Never prints a value.
 */
import { runCli, withDataSource } from '../src/database/cli/with-data-source';
import { ENTITIES } from '../src/entities';
import { migrateToTenantKeys } from '../src/vault/keys/tenant-key-migration';
import { vaultBatchCli } from './vault-batch-cli';

runCli('vault:tenant-keys', async () => {
  const { batchSize, pauseMs, kms } = vaultBatchCli('vault:tenant-keys');
  const started = Date.now();
  try {
    const result = await withDataSource(ENTITIES, (dataSource) =>
      migrateToTenantKeys(dataSource, kms, {
        batchSize,
        pauseMs,
        onProgress: (p) => {
          const done = p.migrated + p.skipped + p.failed + p.offboarded;
          console.log(
            `vault:tenant-keys: batch ${p.batches}: ${done}/${p.total} done (${p.migrated} moved to tenant keys, ${p.skipped} changed meanwhile, ${p.offboarded} of offboarded tenants, ${p.failed} failed), ${Math.max(0, p.total - done)} left`,
          );
        },
      }),
    );
    console.log(
      `vault:tenant-keys: finished in ${((Date.now() - started) / 1000).toFixed(1)} s: ${result.migrated} moved to tenant keys, ${result.skipped} changed meanwhile, ${result.offboarded} of offboarded tenants, ${result.failed} failed; ${result.left} still in formats 1/2${result.left > result.failed + result.offboarded ? ' (written meanwhile by an older instance: run again)' : ''}`,
    );
    if (result.failed > 0) {
      throw new Error(`${result.failed} values could not be opened (their key is missing or wrong): ${result.failedIds.slice(0, 20).join(', ')}${result.failed > 20 ? ', …' : ''}`);
    }
  } finally {
    await kms.close();
  }
});
