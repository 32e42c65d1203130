import { RepeatLimiter } from './repeat-limiter';

describe('RepeatLimiter', () => {
  it('admits the first of a kind, counts repeats within the window and reports them with the next admitted line', () => {
    let now = 0;
    const limiter = new RepeatLimiter(10_000, 1000, () => now);
    expect(limiter.admit('db down')).toBe(0);
    for (let i = 0; i < 2700; i++) expect(limiter.admit('db down')).toBeUndefined();
    expect(limiter.admit('other')).toBe(0);
    now = 10_000;
    expect(limiter.admit('db down')).toBe(2700);
    expect(limiter.admit('db down')).toBeUndefined();
  });
});
