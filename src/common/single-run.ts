/**
 * Background work done one run at a time (a scheduled job, or a direct call): concurrent calls share
 * the run in progress; stop() marks it stopping (the work reads `stopping` to end between batches)
 * and waits for it.
 */
export class SingleRun<T> {
  private running: Promise<T> | undefined;
  private stopped = false;

  constructor(private readonly work: () => Promise<T>) {}

  get stopping(): boolean {
    return this.stopped;
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
    await this.running?.catch(() => undefined);
  }
}
