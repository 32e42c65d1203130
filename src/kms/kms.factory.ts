import { KmsConfig } from '../config/kms.config';
import { AwsKmsProvider } from './aws-kms.provider';
import { KmsProvider } from './kms-provider.interface';
import { LocalKeyRingProvider } from './local-key-ring.provider';
import { Pkcs11Provider } from './pkcs11.provider';

/** The KMS provider KMS_PROVIDER names; used by the service and by `vault:rewrap`. */
export function createKmsProvider(config: KmsConfig, warn: (message: string) => void): KmsProvider {
  switch (config.provider) {
    case 'local': {
      const local = config.local!;
      if (local.devKeyFile !== undefined) {
        warn(`KMS_LOCAL_KEYS is not set: using the development key file ${local.devKeyFile}. Set KMS_LOCAL_KEYS in any shared or production deployment.`);
      }
      return new LocalKeyRingProvider(local.keys);
    }
    case 'pkcs11':
      return Pkcs11Provider.open(config.pkcs11!);
    case 'aws-kms':
      return new AwsKmsProvider(config.aws!);
  }
}
