import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Development convenience: a random secret generated once into DATA_DIR and
 * reused by the service and the project's CLIs (which share DATA_DIR), so a
 * fresh checkout runs without a .env file and without a well-known secret.
 * Production configs never call this; they require the variable instead.
 */
export function readOrCreateDevSecret(dataDir: string, fileName: string, bytes = 32): string {
  const file = path.join(dataDir, 'secrets', fileName);
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  createDataDir(dataDir);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const secret = randomBytes(bytes).toString('base64url');
  try {
    fs.writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return fs.readFileSync(file, 'utf8').trim();
    throw error;
  }
}

/**
 * Creates DATA_DIR (and missing parents) traversable by others (mode 0711 at least, whatever the
 * umask): the embedded PostgreSQL runs as its own user and must enter it. Folders that already
 * exist are left as they are. The secrets folder inside is private (0700).
 */
export function createDataDir(dataDir: string): void {
  const first = fs.mkdirSync(dataDir, { recursive: true });
  if (first === undefined) return;
  for (let dir = path.resolve(dataDir); ; dir = path.dirname(dir)) {
    fs.chmodSync(dir, fs.statSync(dir).mode | 0o711);
    if (dir === path.resolve(first) || path.dirname(dir) === dir) break;
  }
}

const PLACEHOLDER = /^(change-?me|changeme|secret|password|test|dev|example|placeholder|your[-_]?secret)/i;

/** A secret good enough for production: long, not a placeholder, not one repeated character. */
export function weakSecretReason(secret: string, minLength = 32): string | undefined {
  if (secret.length < minLength) return `must be at least ${minLength} characters`;
  if (PLACEHOLDER.test(secret)) return 'looks like a placeholder';
  if (new Set(secret).size < 8) return 'has too little variety to be random';
  return undefined;
}
