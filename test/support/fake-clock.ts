import { Clock } from '../../src/auth/clock';

/** A clock that stands still until the test moves it. */
export class FakeClock extends Clock {
  current = new Date();

  override now(): Date {
    return new Date(this.current.getTime());
  }

  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}
