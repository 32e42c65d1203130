import { isTransientConflict, retryOnceOnConflict } from './transient-conflict';

const conflict = (code: string): Error => Object.assign(new Error(code === '40P01' ? 'deadlock detected' : 'could not serialize access'), { code });

describe('retryOnceOnConflict', () => {
  it.each(['40P01', '40001'])('runs the work once more after %s', async (code) => {
    let calls = 0;
    const result = await retryOnceOnConflict(() => (++calls === 1 ? Promise.reject(conflict(code)) : Promise.resolve('done')));
    expect([result, calls]).toEqual(['done', 2]);
  });

  it('throws a second conflict (the filter answers it 503)', async () => {
    let calls = 0;
    await expect(retryOnceOnConflict(() => (++calls, Promise.reject(conflict('40P01'))))).rejects.toMatchObject({ code: '40P01' });
    expect(calls).toBe(2);
  });

  it('never retries anything else', async () => {
    let calls = 0;
    await expect(retryOnceOnConflict(() => (++calls, Promise.reject(Object.assign(new Error('unique'), { code: '23505' }))))).rejects.toMatchObject({ code: '23505' });
    expect(calls).toBe(1);
  });

  it('reads the code of TypeORM query errors too', () => {
    expect(isTransientConflict({ driverError: { code: '40001' } })).toBe(true);
    expect(isTransientConflict(new Error('x'))).toBe(false);
    expect(isTransientConflict(null)).toBe(false);
  });
});
