/**
 * Small, dependency-free readers for environment variables. Each config
 * concern (app, database, auth, kms, fault, vault) builds its typed object
 * with an EnvReader, and every problem is collected so that boot fails once
 * with a message naming every offending variable.
 */
import path from 'node:path';
import { cronProblem } from './cron-schedule';
import { readOrCreateDevSecret, weakSecretReason } from './dev-secret';

export type Env = Record<string, string | undefined>;

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigValidationError';
  }
}

/**
 * One config class read from the environment: `read` takes every value through the reader (which
 * collects every problem instead of stopping at the first), then boot fails once with all of them
 * (`ConfigValidationError`), or the config comes back frozen.
 */
export function readConfig<T extends object>(env: Env, read: (r: EnvReader) => T): Readonly<T> {
  const r = new EnvReader(env);
  const config = read(r);
  r.done();
  return Object.freeze(config);
}

export class EnvReader {
  private readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  get isProduction(): boolean {
    return this.env.NODE_ENV === 'production';
  }

  fail(name: string, why: string): void {
    this.problems.push(`${name} ${why}`);
  }

  /** Throws one error listing every problem found so far. */
  done(): void {
    if (this.problems.length > 0) throw new ConfigValidationError(this.problems);
  }

  string(name: string): string | undefined;
  string(name: string, fallback: string): string;
  string(name: string, fallback?: string): string | undefined {
    const raw = this.env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    return raw.trim();
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if (!/^-?\d+$/.test(raw)) {
      this.fail(name, `must be an integer (got "${raw}")`);
      return fallback;
    }
    const value = Number(raw);
    if (value < min || value > max) {
      this.fail(name, `must be between ${min} and ${max} (got ${value})`);
      return fallback;
    }
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    this.fail(name, `must be true or false (got "${raw}")`);
    return fallback;
  }

  url(name: string, protocols: string[]): string | undefined;
  url(name: string, protocols: string[], fallback: string): string;
  url(name: string, protocols: string[], fallback?: string): string | undefined {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol.replace(/:$/, ''))) {
        this.fail(name, `must use one of ${protocols.join(', ')} (got ${parsed.protocol})`);
        return fallback;
      }
      return raw;
    } catch {
      this.fail(name, 'must be a valid URL');
      return fallback;
    }
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      this.fail(name, `must be one of ${allowed.join(', ')} (got "${raw}")`);
      return fallback;
    }
    return raw as T;
  }

  /**
   * A secret. Set: checked for strength in production. Unset: in development generated once into
   * DATA_DIR (when `devFile` is given); in production a failure when `required`, else undefined.
   */
  secret(name: string, options: { devFile?: string; required?: string }): string | undefined {
    const value = this.string(name);
    if (value !== undefined) {
      const weakness = this.isProduction ? weakSecretReason(value) : undefined;
      if (weakness) this.fail(name, weakness);
      return value;
    }
    if (!this.isProduction && options.devFile !== undefined) {
      return readOrCreateDevSecret(path.resolve(this.string('DATA_DIR', '.data')), options.devFile);
    }
    if (this.isProduction && options.required !== undefined) this.fail(name, `is required when ${options.required}`);
    return undefined;
  }

  /** A cron expression (UTC, five fields) for scheduled work; `off` (or `0`): none. */
  schedule(name: string, fallback: string): string | undefined {
    const raw = this.string(name, fallback);
    if (raw === 'off' || raw === '0') return undefined;
    const problem = cronProblem(raw);
    if (problem !== undefined) this.fail(name, `${problem}; or "off"`);
    return raw.replace(/\s+/g, ' ');
  }

  /** A variable that no longer exists: setting it fails, saying what took its place, instead of being ignored. */
  replaced(name: string, instead: string): void {
    if (this.env[name] !== undefined) this.fail(name, `is no longer read: ${instead}`);
  }

  list(name: string): string[] {
    const raw = this.string(name);
    if (raw === undefined) return [];
    return raw
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0);
  }
}
