import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { binDir, RunAs } from './binaries';
import { EmbeddedPostgresOptions } from './options';

/** The postgres server process: started (ready when it says so) and stopped (smart, then fast). */
export function startServer(clusterDir: string, options: EmbeddedPostgresOptions, ids: RunAs): Promise<ChildProcess> {
  const child = spawn(
    path.join(binDir(), 'postgres'),
    ['-D', clusterDir, '-p', String(options.port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=`, '-c', 'max_connections=200'],
    // Its own session and process group (detached): Ctrl-C at a terminal reaches the service only, which stops this server last.
    { ...ids, stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      // Look in what has accumulated, not in the chunk: the line may arrive split in two.
      output = (output + chunk.toString('utf8')).slice(-4000);
      if (output.includes('database system is ready to accept connections')) {
        child.stderr?.off('data', onData);
        child.stderr?.resume();
        resolve(child);
      }
    };
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`embedded PostgreSQL exited with code ${code}: ${output.trim()}`)));
    child.once('error', reject);
  });
}

/** How long a smart shutdown may wait for the sessions still closing before it becomes a fast one. */
export const SMART_SHUTDOWN_GRACE_MS = 3000;

/**
 * Stops the server, smart first: SIGTERM refuses new connections and lets every session end on its own. The
 * service stops the server after closing its pools, but a pool's `end()` resolves once it has sent each
 * client's Terminate, not once the server has read it: a fast shutdown at that moment terminates those
 * backends and each client gets "terminating connection due to administrator command" as a pool error.
 * Sessions that have not ended within the grace (a leak, a client that never closes) get the fast shutdown
 * (SIGINT: roll back open transactions, checkpoint, exit).
 */
export function stopServer(child: ChildProcess, graceMs = SMART_SHUTDOWN_GRACE_MS): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const fast = setTimeout(() => child.kill('SIGINT'), graceMs);
    child.once('exit', () => {
      clearTimeout(fast);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
