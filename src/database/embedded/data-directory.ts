import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { binDir, RunAs, USER } from './binaries';
import { EmbeddedPostgresError } from './errors';
import { EmbeddedPostgresOptions } from './options';

/** The cluster's folder: made with initdb, who holds it (postmaster.pid), and whether PostgreSQL's user can reach it. */
export function initialise(clusterDir: string, options: EmbeddedPostgresOptions, ids: RunAs): void {
  fs.mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
  if (ids.uid !== undefined) fs.chownSync(clusterDir, ids.uid, ids.gid ?? ids.uid);
  const pwfile = path.join(os.tmpdir(), `pg-pw-${process.pid}-${Date.now()}`);
  fs.writeFileSync(pwfile, `${options.password}\n`, { mode: 0o600 });
  if (ids.uid !== undefined) fs.chownSync(pwfile, ids.uid, ids.gid ?? ids.uid);
  try {
    execFileSync(
      path.join(binDir(), 'initdb'),
      [`--pgdata=${clusterDir}`, '--auth=scram-sha-256', `--username=${USER}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C'],
      { ...ids, stdio: 'pipe' },
    );
  } catch (error) {
    // Leave no half-made cluster behind: the next start would refuse it.
    if (!fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) fs.rmSync(clusterDir, { recursive: true, force: true });
    const stderr = (error as { stderr?: Buffer }).stderr?.toString('utf8').trim();
    throw new Error(`initdb failed${stderr ? `: ${stderr}` : ''}`, { cause: error });
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
}

/** The live server that holds this cluster (its postmaster.pid), if any: pid and port. */
export function clusterOwner(clusterDir: string): { pid: number; port: number } | undefined {
  let lines: string[];
  try {
    lines = fs.readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port)) return undefined;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return undefined; // stale: PostgreSQL removes it itself
  }
  return { pid, port };
}

/**
 * When we run PostgreSQL as the `postgres` user, that user must be able to enter DATA_DIR and every
 * folder above it. Folders the service creates are made traversable when created (createDataDir);
 * a folder made by someone else (say `mktemp -d`, mode 0700) is reported, naming it, never changed.
 */
export function ensureTraversable(dataDir: string, ids: RunAs): void {
  if (ids.uid === undefined) return;
  const canEnter = (dir: string): boolean => {
    const st = fs.statSync(dir);
    if (st.uid === ids.uid) return (st.mode & 0o100) !== 0;
    if (st.gid === ids.gid) return (st.mode & 0o010) !== 0;
    return (st.mode & 0o001) !== 0;
  };
  const chain: string[] = [];
  for (let dir = path.resolve(dataDir); ; dir = path.dirname(dir)) {
    chain.unshift(dir);
    if (path.dirname(dir) === dir) break;
  }
  for (const dir of chain) {
    if (canEnter(dir)) continue;
    const mode = (fs.statSync(dir).mode & 0o777).toString(8).padStart(4, '0');
    throw new EmbeddedPostgresError(
      `DATA_DIR ${dataDir} cannot be entered by the "${USER}" user the embedded PostgreSQL runs as: ${dir} has mode ${mode}; run \`chmod o+x ${dir}\` or choose another DATA_DIR`,
    );
  }
}
