import { KmsConfig } from '../config/kms.config';
import { KmsProvider } from './kms-provider.interface';
import { LocalKeyRingProvider } from './local-key-ring.provider';

/**
 * The KMS provider KMS_PROVIDER names; used by the service and by `vault:rewrap`.
 * The PKCS#11 binding and the AWS SDK are loaded only when chosen (the SDK alone
 * adds ~15 MB of resident memory and ~40 ms of start-up to every instance).
 */
export function createKmsProvider(config: KmsConfig, warn: (message: string) => void): KmsProvider {
  switch (config.provider) {
    case 'local': {
      const local = config.local!;
      if (local.devKeyFile !== undefined) {
        warn(`KMS_LOCAL_KEYS is not set: using the development key file ${local.devKeyFile}. Set KMS_LOCAL_KEYS in any shared or production deployment.`);
      }
      return new LocalKeyRingProvider(local.keys);
    }
    case 'pkcs11': {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { Pkcs11Provider } = require('./pkcs11.provider') as typeof import('./pkcs11.provider');
      return Pkcs11Provider.open(config.pkcs11!);
    }
    case 'aws-kms': {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { AwsKmsProvider } = require('./aws-kms.provider') as typeof import('./aws-kms.provider');
      return new AwsKmsProvider(config.aws!);
    }
  }
}
