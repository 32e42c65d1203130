/**
 * npm run vault:rewrap [-- --batch-size 100 --pause-ms 0]
 *
 * Moves every stored data key to the active KMS key (the last in KMS_LOCAL_KEYS,
 * or PKCS11_KEY_LABEL / AWS_KMS_KEY_ID), in batches, with progress on stdout.
 * Safe beside the running service, safe to kill and run again. When it reports
 * "0 left", older keys can be removed from the configuration.
 */
import { Logger } from '@nestjs/common';
import { KmsConfig } from '../src/config/kms.config';
import { VaultConfig } from '../src/config/vault.config';
import { runCli, withDataSource } from '../src/database/cli/with-data-source';
import { createKmsProvider } from '../src/kms/kms.factory';
import { rewrapVault } from '../src/vault/rewrap';

function option(name: string, fallback: number): number {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer`);
  return value;
}

runCli('vault:rewrap', async () => {
  Logger.overrideLogger(['error', 'warn']);
  const vault = VaultConfig.fromEnv(process.env);
  const batchSize = Math.max(1, option('batch-size', vault.rewrapBatchSize));
  const pauseMs = option('pause-ms', vault.rewrapPauseMs);
  const kms = createKmsProvider(KmsConfig.fromEnv(process.env), (message) => process.stderr.write(`vault:rewrap: ${message}\n`));
  try {
    const result = await withDataSource((dataSource) =>
      rewrapVault(dataSource, kms, {
        batchSize,
        pauseMs,
        onProgress: (p) => {
          const left = p.total - p.rewrapped - p.skipped - p.failed;
          console.log(`vault:rewrap: batch ${p.batches}: ${p.rewrapped + p.skipped}/${p.total} done (${p.rewrapped} re-wrapped, ${p.skipped} changed meanwhile, ${p.failed} failed), ${Math.max(0, left)} left`);
        },
      }),
    );
    console.log(`vault:rewrap: finished: ${result.rewrapped} re-wrapped to key ${result.activeKeyId}, ${result.skipped} changed meanwhile, ${result.failed} failed`);
    if (result.failed > 0) {
      throw new Error(`${result.failed} values could not be unwrapped (their key is missing or wrong): ${result.failedIds.slice(0, 20).join(', ')}${result.failed > 20 ? ', …' : ''}`);
    }
  } finally {
    await kms.close();
  }
});
