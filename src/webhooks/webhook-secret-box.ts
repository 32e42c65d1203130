import { Injectable } from '@nestjs/common';
import { EnvelopeCrypto } from '../kms/envelope';
import { KmsKeyGate } from '../kms/kms-key-gate';
import { KmsProviderName } from '../kms/kms-provider.interface';
import { WebhookEntity } from './entities/webhook.entity';

type SealedSecretColumns = Pick<WebhookEntity, 'secretFormat' | 'kmsProvider' | 'kmsKeyId' | 'kmsKeyVersion' | 'wrappedKey' | 'secretCiphertext'>;

/**
 * Webhook signing secrets, sealed like vault values (envelope encryption
 * through the KMS provider), bound to the tenant and the webhook id, so a
 * sealed secret copied to another row does not open.
 */
@Injectable()
export class WebhookSecretBox {
  constructor(
    private readonly envelope: EnvelopeCrypto,
    private readonly keys: KmsKeyGate,
  ) {}

  async seal(secret: string, customerId: string, webhookId: string): Promise<SealedSecretColumns> {
    await this.keys.assertUsable();
    const sealed = await this.envelope.seal(secret, { tenant: customerId, item: webhookId, version: 1 });
    return {
      secretFormat: sealed.formatVersion,
      kmsProvider: sealed.wrappedKey.provider,
      kmsKeyId: sealed.wrappedKey.keyId,
      kmsKeyVersion: sealed.wrappedKey.keyVersion,
      wrappedKey: sealed.wrappedKey.ciphertext,
      secretCiphertext: sealed.ciphertext,
    };
  }

  open(webhook: WebhookEntity): Promise<string> {
    return this.envelope.open(
      {
        formatVersion: webhook.secretFormat,
        wrappedKey: { provider: webhook.kmsProvider as KmsProviderName, keyId: webhook.kmsKeyId, keyVersion: webhook.kmsKeyVersion, ciphertext: webhook.wrappedKey },
        ciphertext: webhook.secretCiphertext,
      },
      { tenant: webhook.customerId, item: webhook.id, version: 1 },
    );
  }
}
