import { Env, EnvReader } from './env';

/** Re-wrap tuning, for `npm run vault:rewrap`. */
export class VaultConfig {
  /** Data keys re-wrapped per batch (one transaction each). */
  readonly rewrapBatchSize!: number;
  /** Pause between batches, so a re-wrap running beside the service leaves it room. */
  readonly rewrapPauseMs!: number;

  static fromEnv(env: Env): VaultConfig {
    const r = new EnvReader(env);
    const config: VaultConfig = {
      rewrapBatchSize: r.int('VAULT_REWRAP_BATCH_SIZE', 100, 1, 10_000),
      rewrapPauseMs: r.int('VAULT_REWRAP_PAUSE_MS', 0, 0, 60_000),
    };
    r.done();
    return Object.freeze(config);
  }
}
