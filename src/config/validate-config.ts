import { AppConfig } from './app.config';
import { AuthConfig } from './auth.config';
import { DatabaseConfig } from './database.config';
import { ConfigValidationError, Env } from './env';
import { EventsConfig } from './events.config';
import { FaultConfig } from './fault.config';
import { JobsConfig } from './jobs.config';
import { KmsConfig } from './kms.config';
import { MetricsConfig } from './metrics.config';
import { StreamsConfig } from './streams.config';
import { TenantsConfig } from './tenants.config';
import { TracingConfig } from './tracing.config';
import { VaultConfig } from './vault.config';

/**
 * The one registry of config concerns: every `*.config.ts` class in this folder, validated together at
 * boot (each is read again by the module that provides it). A class missing here would fail later, during
 * dependency injection, with a stack instead of the one block — validate-config.spec.ts fails when one is.
 */
export const CONFIG_CLASSES: ReadonlyArray<{ name: string; fromEnv(env: Env): unknown }> = [
  AppConfig,
  DatabaseConfig,
  AuthConfig,
  FaultConfig,
  KmsConfig,
  VaultConfig,
  TenantsConfig,
  EventsConfig,
  StreamsConfig,
  JobsConfig,
  MetricsConfig,
  TracingConfig,
];

/** Every problem of every concern at once (empty when the configuration is valid). */
export function configurationProblems(env: Env): string[] {
  const problems = new Set<string>(); // a variable two concerns read (PORT) is named once
  for (const concern of CONFIG_CLASSES) {
    try {
      concern.fromEnv(env);
    } catch (error) {
      if (error instanceof ConfigValidationError) error.problems.forEach((p) => problems.add(p));
      // A development secret that cannot be written into DATA_DIR, say: a problem like the others.
      else if (typeof (error as NodeJS.ErrnoException).code === 'string') problems.add(`DATA_DIR: ${(error as Error).message}`);
      else throw error;
    }
  }
  return [...problems];
}

/** One human-readable block for stderr: what is wrong, every variable named, no stack trace. */
export function formatConfigurationProblems(problems: string[], env: Env): string {
  const mode = env.NODE_ENV === 'production' ? ' (NODE_ENV=production)' : '';
  const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
  return `Invalid configuration${mode}, ${count}; the service did not start:\n${problems.map((p) => `  - ${p}`).join('\n')}\nSee the Configuration section of README.md.\n`;
}
