import { Column } from 'typeorm';

/**
 * The columns that store a `WrappedKey` beside what it seals, so a row describes itself: the provider,
 * key id and key version that wrapped it (its `KeyRef`) and the wrapped bytes. An entity holding one
 * extends this column set (`class VaultItem extends WrappedKeyColumns({ nullable: true })`), so their
 * names, types and widths are written once for every table that has them (vault values and versions,
 * tenant keys, webhook secrets); `nullable` where a row may have none (an API key, a destroyed tenant
 * key). The migrations built these columns with exactly these types: a change here needs one there.
 */
export function WrappedKeyColumns<Nullable extends boolean = false>(options?: { nullable: Nullable }) {
  type Stored<T> = Nullable extends true ? T | null : T;
  const nullable = options?.nullable ? { nullable: true } : {};

  abstract class WrappedKeyColumnSet {
    /** `kms_provider`: a `KmsProviderName`, or `tenant` for a data key wrapped by the tenant's key. */
    @Column({ type: 'varchar', length: 16, ...nullable })
    kmsProvider!: Stored<string>;

    /** `kms_key_id`: the key-encryption key (an ARN, a PKCS#11 label, a tenant key id). */
    @Column({ type: 'varchar', length: 256, ...nullable })
    kmsKeyId!: Stored<string>;

    /** `kms_key_version`: the version of that key. */
    @Column({ type: 'varchar', length: 128, ...nullable })
    kmsKeyVersion!: Stored<string>;

    /** `wrapped_key`: the wrapped data key (or tenant key), the provider's opaque bytes. */
    @Column({ type: 'bytea', ...nullable })
    wrappedKey!: Stored<Buffer>;
  }
  return WrappedKeyColumnSet;
}
