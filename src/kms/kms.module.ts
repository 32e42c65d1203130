import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { KMS_ENTITIES } from './kms-key-check.entity';
import { KmsConfig } from '../config/kms.config';
import { EnvelopeCrypto } from './envelope';
import { KmsKeyGate } from './kms-key-gate';
import { InstrumentedKmsProvider } from './instrumented-kms.provider';
import { createKmsProvider } from './kms.factory';
import { KMS_PROVIDER, KmsProvider } from './kms-provider.interface';

@Injectable()
class KmsProviderCloser implements OnApplicationShutdown {
  constructor(@Inject(KMS_PROVIDER) private readonly kms: KmsProvider) {}

  async onApplicationShutdown(): Promise<void> {
    await this.kms.close();
  }
}

/** The KMS provider chosen by KMS_PROVIDER, envelope encryption on top of it, and the startup key check. */
@Global()
@Module({})
export class KmsModule {
  static forRoot(): DynamicModule {
    return {
      module: KmsModule,
      imports: [TypeOrmModule.forFeature(KMS_ENTITIES)],
      providers: [
        { provide: KmsConfig, useFactory: () => KmsConfig.fromEnv(process.env) },
        {
          provide: KMS_PROVIDER,
          inject: [KmsConfig],
          // Warnings (the development key file) are logged by KmsKeyGate at bootstrap.
          useFactory: (config: KmsConfig) => new InstrumentedKmsProvider(createKmsProvider(config, () => undefined)),
        },
        { provide: EnvelopeCrypto, inject: [KMS_PROVIDER], useFactory: (kms: KmsProvider) => new EnvelopeCrypto(kms) },
        KmsKeyGate,
        KmsProviderCloser,
      ],
      exports: [KmsConfig, KMS_PROVIDER, EnvelopeCrypto, KmsKeyGate],
    };
  }
}
