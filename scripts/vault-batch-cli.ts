import { Logger } from '@nestjs/common';
import { KmsConfig } from '../src/config/kms.config';
import { VaultConfig } from '../src/config/vault.config';
import { createKmsProvider } from '../src/kms/kms.factory';
import { KmsProvider } from '../src/kms/kms-provider.interface';

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer`);
  return value;
}

/**
 * What the vault's batch commands (vault:rewrap, vault:tenant-keys) share: quiet Nest loggers, the
 * configured KMS provider (its messages on stderr, prefixed with the command) and `--batch-size` /
 * `--pause-ms`, defaulting to VAULT_REWRAP_BATCH_SIZE / VAULT_REWRAP_PAUSE_MS.
 */
export function vaultBatchCli(command: string, args = process.argv.slice(2)): { batchSize: number; pauseMs: number; kms: KmsProvider } {
  Logger.overrideLogger(['error', 'warn']);
  const vault = VaultConfig.fromEnv(process.env);
  return {
    batchSize: Math.max(1, option(args, 'batch-size', vault.rewrapBatchSize)),
    pauseMs: option(args, 'pause-ms', vault.rewrapPauseMs),
    kms: createKmsProvider(KmsConfig.fromEnv(process.env), (message) => process.stderr.write(`${command}: ${message}\n`)),
  };
}
