import { Semaphore } from './semaphore';

describe('Semaphore', () => {
  it('lets at most `size` in at once, the rest in arrival order, each release once', async () => {
    const semaphore = new Semaphore(2);
    const order: number[] = [];
    const first = await semaphore.acquire();
    const second = await semaphore.acquire();
    const third = semaphore.acquire().then((release) => (order.push(3), release));
    const fourth = semaphore.acquire().then((release) => (order.push(4), release));
    await Promise.resolve();
    expect(order).toEqual([]);
    first();
    first(); // a second release is a no-op
    (await third)();
    expect(order).toEqual([3]);
    second();
    (await fourth)();
    expect(order).toEqual([3, 4]);
    const again = await Promise.race([semaphore.acquire(), new Promise((resolve) => setTimeout(() => resolve('blocked'), 10))]);
    expect(again).not.toBe('blocked');
  });
});
