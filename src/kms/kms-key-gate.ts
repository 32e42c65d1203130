import { Inject, Injectable, Logger, OnApplicationBootstrap, ServiceUnavailableException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { KmsConfig } from '../config/kms.config';
import { ReadinessRegistry } from '../health/readiness.registry';
import { KmsKeyChecker } from './kms-key-check';
import { KMS_PROVIDER, KmsKeyError, KmsProvider } from './kms-provider.interface';

/**
 * The startup key check, its verdict kept for readiness and for every
 * operation that encrypts or decrypts: with a wrong key the service answers
 * 503 and /health/ready names the key, rather than writing unreadable data.
 */
@Injectable()
export class KmsKeyGate implements OnApplicationBootstrap {
  private readonly logger = new Logger('Kms');
  private verified = false;
  private inFlight: Promise<void> | undefined;
  private lastError: Error | undefined;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(KMS_PROVIDER) private readonly kms: KmsProvider,
    private readonly config: KmsConfig,
    readiness: ReadinessRegistry,
  ) {
    readiness.register({
      name: 'kms',
      check: async () => {
        await this.ensureVerified();
        await this.kms.health();
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    // Logged here rather than when the provider is built, so it goes through the application's logger.
    const devKeyFile = this.config.local?.devKeyFile;
    if (devKeyFile !== undefined) {
      this.logger.warn(`KMS_LOCAL_KEYS is not set: using the development key file ${devKeyFile}. Set KMS_LOCAL_KEYS in any shared or production deployment.`);
    }
    try {
      await this.ensureVerified();
      const active = this.kms.activeKey();
      this.logger.log(`KMS provider ${this.kms.name} ready; active key ${active.keyId} (version ${active.keyVersion})`);
    } catch (error) {
      this.logger.error(`KMS key check failed; the service stays not ready: ${(error as Error).message}`);
    }
  }

  /** Runs the key check once (concurrent callers share it); a failure is retried on the next call. */
  async ensureVerified(): Promise<void> {
    if (this.verified) return;
    this.inFlight ??= new KmsKeyChecker(this.dataSource, this.kms).verify().then(
      () => {
        this.verified = true;
        this.lastError = undefined;
        this.inFlight = undefined;
      },
      (error: Error) => {
        this.lastError = error;
        this.inFlight = undefined;
        throw error;
      },
    );
    return this.inFlight;
  }

  /** For request paths: 503 (message without internals) unless the keys are verified. */
  async assertUsable(): Promise<void> {
    try {
      await this.ensureVerified();
    } catch {
      const keyId = this.lastError instanceof KmsKeyError ? this.lastError.keyId : undefined;
      throw new ServiceUnavailableException(`The vault's encryption key${keyId ? ` ${keyId}` : ''} failed its check; see /health/ready`);
    }
  }
}
