import { MemoryRateLimitStore } from './rate-limit.store';

describe('MemoryRateLimitStore', () => {
  it('counts per key within a window and starts over after it', async () => {
    const store = new MemoryRateLimitStore();
    expect(await store.hit('a', 1000, 0)).toEqual({ count: 1, resetAtMs: 1000 });
    expect((await store.hit('a', 1000, 500)).count).toBe(2);
    expect((await store.hit('b', 1000, 500)).count).toBe(1);
    expect(await store.hit('a', 1000, 1000)).toEqual({ count: 1, resetAtMs: 2000 });
  });
});
