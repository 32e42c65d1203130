import { Clock } from '../../src/common/clock';

/**
 * A Clock the test moves instead of sleeping. Frozen (the default) it stands
 * still until moved; running (`FakeClock.running()`) it follows real time plus
 * the moves, for tests that also need time to pass on its own.
 */
export class FakeClock extends Clock {
  private frozenAtMs: number | undefined;
  private offsetMs = 0;

  constructor(frozenAt: Date | null = new Date()) {
    super();
    this.frozenAtMs = frozenAt?.getTime();
  }

  static running(): FakeClock {
    return new FakeClock(null);
  }

  /** Freezes the clock at this instant. */
  set current(date: Date) {
    this.frozenAtMs = date.getTime();
    this.offsetMs = 0;
  }

  get current(): Date {
    return this.now();
  }

  override now(): Date {
    return new Date((this.frozenAtMs ?? Date.now()) + this.offsetMs);
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }

  /** Undoes every move (a running clock is back on real time). */
  reset(): void {
    this.offsetMs = 0;
  }
}
