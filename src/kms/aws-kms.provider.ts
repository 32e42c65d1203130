import { DecryptCommand, DescribeKeyCommand, EncryptCommand, GenerateDataKeyCommand, KMSClient, KMSClientConfig } from '@aws-sdk/client-kms';
import { AwsKmsSettings } from '../config/kms.config';
import { DataKey, KeyContext, KeyRef, KmsKeyError, KmsProvider, WrappedKey } from './kms-provider.interface';

/** AWS keeps a key's backing versions inside its ciphertext; the service only tracks the key id. */
const AWS_KEY_VERSION = 'aws';

/** The encryption context AWS KMS binds (and logs in CloudTrail) with every data key. */
export function awsEncryptionContext(context: KeyContext): Record<string, string> {
  return { 'netops:tenant': context.tenant, 'netops:item': context.item };
}

/**
 * Data keys from AWS KMS: GenerateDataKey (AES_256) for new values, Encrypt for
 * re-wrap, Decrypt to open — always with the tenant and item as encryption
 * context and the key id pinned, so KMS refuses a key copied elsewhere.
 * Credentials come from the SDK's default chain (environment, profile, role).
 * `clientOverrides` lets tests stop at the SDK's request boundary.
 */
export class AwsKmsProvider implements KmsProvider {
  readonly name = 'aws-kms' as const;
  private readonly client: KMSClient;

  constructor(
    private readonly settings: AwsKmsSettings,
    clientOverrides: Partial<KMSClientConfig> = {},
  ) {
    this.client = new KMSClient({
      region: settings.region,
      endpoint: settings.endpoint,
      maxAttempts: 3,
      requestHandler: { connectionTimeout: 2000, requestTimeout: 5000 },
      ...clientOverrides,
    });
  }

  activeKey(): KeyRef {
    return { provider: 'aws-kms', keyId: this.settings.keyId, keyVersion: AWS_KEY_VERSION };
  }

  canUnwrap(ref: KeyRef): boolean {
    return ref.provider === 'aws-kms';
  }

  hasKeyId(keyId: string): boolean {
    return keyId === this.settings.keyId;
  }

  async generateDataKey(context: KeyContext): Promise<DataKey> {
    const ref = this.activeKey();
    const out = await this.call(ref.keyId, () =>
      this.client.send(new GenerateDataKeyCommand({ KeyId: ref.keyId, KeySpec: 'AES_256', EncryptionContext: awsEncryptionContext(context) })),
    );
    if (!out.Plaintext || out.Plaintext.length !== 32 || !out.CiphertextBlob) throw new KmsKeyError(`AWS KMS returned no usable data key for ${ref.keyId}`, ref.keyId);
    return { plaintext: Buffer.from(out.Plaintext), wrapped: { ...ref, ciphertext: Buffer.from(out.CiphertextBlob) } };
  }

  async wrapKey(plaintext: Buffer, context: KeyContext): Promise<WrappedKey> {
    const ref = this.activeKey();
    const out = await this.call(ref.keyId, () =>
      this.client.send(new EncryptCommand({ KeyId: ref.keyId, Plaintext: plaintext, EncryptionContext: awsEncryptionContext(context) })),
    );
    if (!out.CiphertextBlob) throw new KmsKeyError(`AWS KMS returned no ciphertext for ${ref.keyId}`, ref.keyId);
    return { ...ref, ciphertext: Buffer.from(out.CiphertextBlob) };
  }

  async unwrapKey(wrapped: WrappedKey, context: KeyContext): Promise<Buffer> {
    if (wrapped.provider !== 'aws-kms') throw new KmsKeyError(`data key was wrapped by the ${wrapped.provider} provider, not aws-kms`, wrapped.keyId);
    const out = await this.call(wrapped.keyId, () =>
      this.client.send(new DecryptCommand({ KeyId: wrapped.keyId, CiphertextBlob: wrapped.ciphertext, EncryptionContext: awsEncryptionContext(context) })),
    );
    if (!out.Plaintext || out.Plaintext.length !== 32) throw new KmsKeyError(`AWS KMS returned no data key for ${wrapped.keyId}`, wrapped.keyId);
    return Buffer.from(out.Plaintext);
  }

  async health(): Promise<void> {
    const keyId = this.settings.keyId;
    const out = await this.call(keyId, () => this.client.send(new DescribeKeyCommand({ KeyId: keyId })));
    const state = out.KeyMetadata?.KeyState;
    if (state !== 'Enabled') throw new KmsKeyError(`AWS KMS key ${keyId} is ${state ?? 'in an unknown state'}`, keyId);
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  /** AWS errors reduced to their name (InvalidCiphertextException, AccessDeniedException, …), naming the key. */
  private async call<T>(keyId: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (error instanceof KmsKeyError) throw error;
      const name = (error as Error).name || 'Error';
      throw new KmsKeyError(`AWS KMS refused key ${keyId}: ${name}`, keyId);
    }
  }
}
