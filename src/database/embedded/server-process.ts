import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { binDir, RunAs } from './binaries';
import { EmbeddedPostgresOptions } from './options';

/** The postgres server process: started (ready when it says so) and stopped with a fast shutdown. */
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

export function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    // SIGINT = PostgreSQL's "fast" shutdown: roll back open transactions, checkpoint, exit.
    child.kill('SIGINT');
  });
}
