import { DataSource } from 'typeorm';
import { EnvelopeCrypto } from '../kms/envelope';
import { KmsProvider } from '../kms/kms-provider.interface';
import { WebhooksRepository } from './webhooks.repository';

export interface WebhookRewrapResult {
  rewrapped: number;
  /** Changed by the service while we worked. */
  skipped: number;
  /** Could not be unwrapped (their key is missing or wrong). */
  failedIds: string[];
}

/**
 * Moves every webhook signing secret's data key to the KMS provider's active key (what `vault:rewrap`
 * does for vault values), so an older key can be retired without webhooks losing their secrets. Each
 * row is guarded by its old wrapped key, so a rerun after a kill picks up what is left.
 */
export async function rewrapWebhookSecrets(dataSource: DataSource, kms: KmsProvider, batchSize: number): Promise<WebhookRewrapResult> {
  const envelope = new EnvelopeCrypto(kms);
  const webhooks = new WebhooksRepository(dataSource);
  const active = kms.activeKey();
  const result: WebhookRewrapResult = { rewrapped: 0, skipped: 0, failedIds: [] };
  for (let after = ''; ; ) {
    const rows = await webhooks.secretsNotOnKey(active, after, batchSize);
    if (rows.length === 0) return result;
    after = rows[rows.length - 1].id;
    for (const row of rows) {
      try {
        const wrapped = await envelope.rewrap(row.wrapped, { tenant: row.customerId, item: row.id });
        if (await webhooks.replaceWrappedSecret(row.customerId, row.id, row.wrapped, wrapped)) result.rewrapped++;
        else result.skipped++;
      } catch {
        result.failedIds.push(row.id);
      }
    }
  }
}
