import { AppConfig } from './app.config';
import { AuthConfig } from './auth.config';
import { DatabaseConfig } from './database.config';
import { ConfigValidationError, Env } from './env';
import { FaultConfig } from './fault.config';
import { KmsConfig } from './kms.config';
import { TenantsConfig } from './tenants.config';
import { VaultConfig } from './vault.config';

/** Every config concern the service reads at boot; each is validated again by its own module. */
const CONCERNS: ReadonlyArray<(env: Env) => unknown> = [
  (env) => AppConfig.fromEnv(env),
  (env) => DatabaseConfig.fromEnv(env),
  (env) => AuthConfig.fromEnv(env),
  (env) => FaultConfig.fromEnv(env),
  (env) => KmsConfig.fromEnv(env),
  (env) => VaultConfig.fromEnv(env),
  (env) => TenantsConfig.fromEnv(env),
];

/** Every problem of every concern at once (empty when the configuration is valid). */
export function configurationProblems(env: Env): string[] {
  const problems = new Set<string>(); // a variable two concerns read (PORT) is named once
  for (const load of CONCERNS) {
    try {
      load(env);
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
