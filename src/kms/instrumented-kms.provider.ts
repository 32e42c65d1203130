import { kmsOperationDuration, kmsOperations, secondsSince } from '../metrics/instruments';
import { DataKey, KeyContext, KeyRef, KmsKeyError, KmsProvider, KmsProviderName, WrappedKey } from './kms-provider.interface';

type Operation = 'generate_data_key' | 'wrap_key' | 'unwrap_key' | 'health';

/**
 * A provider that counts and times every call of the one it wraps (provider, operation, outcome:
 * success, key_error — an unknown, wrong or mis-bound key — or error). Nothing about the key,
 * the tenant or the item is recorded.
 */
export class InstrumentedKmsProvider implements KmsProvider {
  constructor(private readonly inner: KmsProvider) {}

  get name(): KmsProviderName {
    return this.inner.name;
  }

  activeKey(): KeyRef {
    return this.inner.activeKey();
  }

  canUnwrap(ref: KeyRef): boolean {
    return this.inner.canUnwrap(ref);
  }

  hasKeyId(keyId: string): boolean {
    return this.inner.hasKeyId(keyId);
  }

  generateDataKey(context: KeyContext): Promise<DataKey> {
    return this.observe('generate_data_key', () => this.inner.generateDataKey(context));
  }

  wrapKey(plaintext: Buffer, context: KeyContext): Promise<WrappedKey> {
    return this.observe('wrap_key', () => this.inner.wrapKey(plaintext, context));
  }

  unwrapKey(wrapped: WrappedKey, context: KeyContext): Promise<Buffer> {
    return this.observe('unwrap_key', () => this.inner.unwrapKey(wrapped, context));
  }

  health(): Promise<void> {
    return this.observe('health', () => this.inner.health());
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private async observe<T>(operation: Operation, call: () => Promise<T>): Promise<T> {
    const started = process.hrtime.bigint();
    const provider = this.inner.name;
    try {
      const result = await call();
      kmsOperations.inc({ provider, operation, outcome: 'success' });
      return result;
    } catch (error) {
      kmsOperations.inc({ provider, operation, outcome: error instanceof KmsKeyError ? 'key_error' : 'error' });
      throw error;
    } finally {
      kmsOperationDuration.observe({ provider, operation }, secondsSince(started));
    }
  }
}
