import { afterReopen, isStable } from './flapping-rules';

const t0 = Date.UTC(2026, 0, 1);
const at = (minutes: number): Date => new Date(t0 + minutes * 60_000);

describe('flapping rules', () => {
  const reopen = (times: number[], threshold = 3, windowSeconds = 3600) => {
    let state = { reopenedAt: [] as Date[], flapping: false, flappingSince: null as Date | null, started: false };
    const started: number[] = [];
    for (const m of times) {
      state = afterReopen(state.reopenedAt, state.flapping, state.flappingSince, at(m), threshold, windowSeconds);
      if (state.started) started.push(m);
    }
    return { state, started };
  };

  it('flaps at the threshold-th reopen within the window, once', () => {
    const { state, started } = reopen([0, 10, 20, 30, 40]);
    expect(started).toEqual([20]);
    expect(state.flapping).toBe(true);
    expect(state.flappingSince).toEqual(at(20));
  });

  it('does not flap when the reopens are spread wider than the window', () => {
    const { state, started } = reopen([0, 40, 80, 120]);
    expect(started).toEqual([]);
    expect(state.flapping).toBe(false);
  });

  it('keeps only the latest threshold reopens', () => {
    expect(reopen([0, 1, 2, 3, 4, 5], 3).state.reopenedAt).toEqual([at(3), at(4), at(5)]);
  });

  it('counts the window exclusively: a reopen exactly one window ago no longer counts', () => {
    expect(reopen([0, 30, 60]).started).toEqual([]);
    expect(reopen([0, 30, 59]).started).toEqual([59]);
  });

  it('is stable again after a whole window without a reopen', () => {
    expect(isStable([at(0), at(10)], at(69), 3600)).toBe(false);
    expect(isStable([at(0), at(10)], at(70), 3600)).toBe(true);
    expect(isStable(null, at(0), 3600)).toBe(true);
  });
});
