import { SingleRun } from './single-run';

describe('SingleRun', () => {
  it('shares a run in progress with concurrent callers, and starts a new one after it', async () => {
    let calls = 0;
    let finish: (value: number) => void = () => undefined;
    const single = new SingleRun(() => {
      calls++;
      return new Promise<number>((resolve) => (finish = resolve));
    });
    const a = single.run();
    const b = single.run();
    finish(7);
    expect(await Promise.all([a, b])).toEqual([7, 7]);
    expect(calls).toBe(1);
    const c = single.run();
    finish(8);
    expect(await c).toBe(8);
    expect(calls).toBe(2);
  });

  it('starts a new run after a failed one', async () => {
    let calls = 0;
    const single = new SingleRun(async () => {
      calls++;
      if (calls === 1) throw new Error('database unavailable');
      return calls;
    });
    await expect(single.run()).rejects.toThrow('database unavailable');
    expect(await single.run()).toBe(2);
  });

  it('stop() marks the run stopping and waits for it, even when it fails', async () => {
    let finish: () => void = () => undefined;
    const single = new SingleRun(async () => {
      await new Promise<void>((resolve) => (finish = resolve));
      throw new Error('ended badly');
    });
    const run = single.run().catch(() => 'failed');
    let stopped = false;
    const stopping = single.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect([single.stopping, stopped]).toEqual([true, false]);
    finish();
    await stopping;
    expect(await run).toBe('failed');
  });
});
