import { ChildProcess } from 'node:child_process';
import { backoffDelayMs } from '../../common/backoff';
import { embeddedPostgresRestarts } from '../../metrics/instruments';
import { fatalLine } from './errors';
import { EmbeddedPostgresOptions } from './options';
import { stopServer } from './server-process';

/**
 * Watches the server this process started: when it dies unexpectedly (a crash, the OOM killer, a SIGKILL),
 * says so once and restarts it with backoff — its orphaned backends need a moment to notice and release the
 * shared memory — until it runs again or `restartTimeoutMs` has passed; then the give-up listeners are told.
 */
export class EmbeddedPostgresSupervisor {
  private stopping = false;
  private readonly giveUpListeners: Array<(reason: string) => void> = [];

  constructor(
    private child: ChildProcess,
    private readonly start: () => Promise<ChildProcess>,
    private readonly options: EmbeddedPostgresOptions,
  ) {
    this.watch(child);
  }

  onGiveUp(listener: (reason: string) => void): void {
    this.giveUpListeners.push(listener);
  }

  stop(): Promise<void> {
    this.stopping = true;
    return stopServer(this.child);
  }

  private watch(child: ChildProcess): void {
    child.once('exit', (code, signal) => {
      if (!this.stopping) void this.recover(signal ?? `exit code ${code}`);
    });
  }

  private async recover(how: string): Promise<void> {
    (this.options.warn ?? this.options.log)(`embedded PostgreSQL stopped unexpectedly (${how}); restarting it`);
    const deadline = Date.now() + (this.options.restartTimeoutMs ?? 30_000);
    let lastError = 'unknown';
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        const child = await this.start();
        if (this.stopping) return void (await stopServer(child));
        this.child = child;
        this.watch(child);
        embeddedPostgresRestarts.inc();
        this.options.log(`embedded PostgreSQL restarted (attempt ${attempt})`);
        return;
      } catch (error) {
        lastError = fatalLine(error);
        (this.options.warn ?? this.options.log)(`embedded PostgreSQL restart attempt ${attempt} failed: ${lastError}`);
      }
      const delayMs = backoffDelayMs(attempt, 200, 5000);
      if (Date.now() + delayMs > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
    if (this.stopping) return;
    const reason = `the embedded PostgreSQL could not be restarted: ${lastError}`;
    for (const listener of this.giveUpListeners) listener(reason);
  }
}
