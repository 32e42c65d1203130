/**
 * npm run vault:rewrap [-- --batch-size 100 --pause-ms 0]
 *
 * Moves every stored data key (vault values, their kept versions and webhook signing secrets) to the active KMS key (the last in KMS_LOCAL_KEYS,
 * or PKCS11_KEY_LABEL / AWS_KMS_KEY_ID), in batches, with progress on stdout.
 * Safe beside the running service, safe to kill and run again. When it reports
 * "0 left", older keys can be removed from the configuration.
 */
import { runCli, withDataSource } from '../src/database/cli/with-data-source';
import { ENTITIES } from '../src/entities';
import { rewrapVault } from '../src/vault/keys/rewrap';
import { rewrapWebhookSecrets } from '../src/webhooks/webhook-secret-rewrap';
import { vaultBatchCli } from './vault-batch-cli';

runCli('vault:rewrap', async () => {
  const { batchSize, pauseMs, kms } = vaultBatchCli('vault:rewrap');
  try {
    const [result, webhooks] = await withDataSource(ENTITIES, async (dataSource) => [
      await rewrapVault(dataSource, kms, {
        batchSize,
        pauseMs,
        onProgress: (p) => {
          const left = p.total - p.rewrapped - p.skipped - p.failed;
          console.log(`vault:rewrap: batch ${p.batches}: ${p.rewrapped + p.skipped}/${p.total} done (${p.rewrapped} re-wrapped, ${p.skipped} changed meanwhile, ${p.failed} failed), ${Math.max(0, left)} left`);
        },
      }),
      await rewrapWebhookSecrets(dataSource, kms, batchSize),
    ]);
    console.log(`vault:rewrap: webhook signing secrets: ${webhooks.rewrapped} re-wrapped, ${webhooks.skipped} changed meanwhile, ${webhooks.failedIds.length} failed`);
    console.log(`vault:rewrap: finished: ${result.rewrapped} re-wrapped to key ${result.activeKeyId}, ${result.skipped} changed meanwhile, ${result.failed} failed (${result.tenantKeys} of the re-wrapped are tenant keys, one per tenant)`);
    const problems = [
      result.failed > 0 && `${result.failed} values could not be unwrapped (their key is missing or wrong): ${result.failedIds.slice(0, 20).join(', ')}${result.failed > 20 ? ', …' : ''}`,
      webhooks.failedIds.length > 0 && `${webhooks.failedIds.length} webhook secrets could not be unwrapped: ${webhooks.failedIds.slice(0, 20).join(', ')}`,
    ].filter((p): p is string => typeof p === 'string');
    if (problems.length > 0) throw new Error(problems.join('; '));
  } finally {
    await kms.close();
  }
});
