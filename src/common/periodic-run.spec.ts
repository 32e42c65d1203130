import { PeriodicRun } from './periodic-run';

describe('PeriodicRun', () => {
  afterEach(() => jest.useRealTimers());

  it('shares a run in progress with concurrent callers, and starts a new one after it', async () => {
    let calls = 0;
    let finish: (value: number) => void = () => undefined;
    const periodic = new PeriodicRun(() => {
      calls++;
      return new Promise<number>((resolve) => (finish = resolve));
    }, () => undefined);
    const a = periodic.run();
    const b = periodic.run();
    finish(7);
    expect(await Promise.all([a, b])).toEqual([7, 7]);
    expect(calls).toBe(1);
    const c = periodic.run();
    finish(8);
    expect(await c).toBe(8);
    expect(calls).toBe(2);
  });

  it('skips ticks while a run is in progress, reports failures, and stop() waits for the run and ends the ticks', async () => {
    jest.useFakeTimers();
    const errors: string[] = [];
    let calls = 0;
    let finish: () => void = () => undefined;
    const periodic = new PeriodicRun(async () => {
      calls++;
      if (calls === 1) throw new Error('database unavailable');
      await new Promise<void>((resolve) => (finish = resolve));
    }, (error) => errors.push(error.message));
    periodic.start(1000);
    await jest.advanceTimersByTimeAsync(1000);
    expect([calls, errors]).toEqual([1, ['database unavailable']]);
    await jest.advanceTimersByTimeAsync(1000); // second run starts and stays in progress
    await jest.advanceTimersByTimeAsync(3000); // ticks while it runs are skipped
    expect(calls).toBe(2);
    let stopped = false;
    const stopping = periodic.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(0);
    expect([periodic.stopping, stopped]).toEqual([true, false]);
    finish();
    await stopping;
    await jest.advanceTimersByTimeAsync(5000);
    expect(calls).toBe(2);
  });
});
