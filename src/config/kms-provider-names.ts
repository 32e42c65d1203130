/** Which implementation holds the key-encryption keys: the values KMS_PROVIDER accepts (kms/ implements one provider per name). */
export const KMS_PROVIDER_NAMES = ['local', 'pkcs11', 'aws-kms'] as const;
export type KmsProviderName = (typeof KMS_PROVIDER_NAMES)[number];
