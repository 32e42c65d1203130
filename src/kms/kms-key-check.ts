import { DataSource } from 'typeorm';
import { KmsKeyCheck } from './kms-key-check.entity';
import { KeyContext, KmsKeyError, KmsProvider } from './kms-provider.interface';

const checkContext = (keyId: string): KeyContext => ({ tenant: '__kms_key_check__', item: keyId });

/**
 * Proves the configured keys are the ones the data was written with. For the
 * active key, and every other key the provider holds that has a check value,
 * the stored check value must unwrap. A key seen for the first time gets a
 * check value recorded — that is not re-keying: nothing is re-encrypted, and a
 * key id that already has a check value is never replaced.
 */
export class KmsKeyChecker {
  constructor(
    private readonly dataSource: DataSource,
    private readonly kms: KmsProvider,
  ) {}

  /** Throws KmsKeyError naming the key id when a key does not match its stored check value. */
  async verify(): Promise<void> {
    const repo = this.dataSource.getRepository(KmsKeyCheck);
    const active = this.kms.activeKey();
    let rows = await repo.find({ where: { provider: this.kms.name } });
    if (!rows.some((row) => row.keyId === active.keyId)) {
      const { plaintext, wrapped } = await this.kms.generateDataKey(checkContext(active.keyId));
      plaintext.fill(0);
      await repo
        .createQueryBuilder()
        .insert()
        .values({ provider: wrapped.provider, keyId: wrapped.keyId, keyVersion: wrapped.keyVersion, wrappedKey: wrapped.ciphertext })
        .orIgnore()
        .execute();
      rows = await repo.find({ where: { provider: this.kms.name } });
    }
    for (const row of rows) {
      if (row.keyId !== active.keyId && !this.kms.hasKeyId(row.keyId)) {
        continue; // a retired key no longer in the ring: nothing to prove
      }
      try {
        const key = await this.kms.unwrapKey({ provider: this.kms.name, keyId: row.keyId, keyVersion: row.keyVersion, ciphertext: row.wrappedKey }, checkContext(row.keyId));
        key.fill(0);
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        throw new KmsKeyError(
          `KMS key ${row.keyId} does not open its stored check value (${why}); it is not the key the stored data was written with — configure the original key ${row.keyId}`,
          row.keyId,
        );
      }
    }
  }
}
