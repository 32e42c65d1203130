/**
 * Background work on a timer, one run at a time: a tick while a run is in progress is skipped, a
 * direct call shares the run in progress, the timer never keeps the process alive, and stop() clears
 * it and waits for the run (which reads `stopping` to end early between batches).
 */
export class PeriodicRun<T> {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<T> | undefined;
  private stopped = false;

  constructor(
    private readonly work: () => Promise<T>,
    private readonly onError: (error: Error) => void,
  ) {}

  get stopping(): boolean {
    return this.stopped;
  }

  /** Runs every `intervalMs`; 0 starts no timer (run() still works). */
  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.stopped) return;
    this.timer = setInterval(() => {
      if (this.running === undefined) this.run().catch((error: unknown) => this.onError(error instanceof Error ? error : new Error(String(error))));
    }, intervalMs);
    this.timer.unref();
  }

  /** One run now; concurrent calls share the run in progress. */
  run(): Promise<T> {
    this.running ??= this.work().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }
}
