import { newCommentId } from './comment-id';

describe('newCommentId', () => {
  it('is a version 7, variant 1 UUID carrying the millisecond', () => {
    const now = new Date('2025-10-21T12:00:00.123Z');
    const id = newCommentId(now);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(now.getTime());
  });

  it('sorts in creation order, also within one millisecond and across milliseconds', () => {
    const t = new Date('2025-10-21T12:00:00.000Z');
    const ids = [
      ...Array.from({ length: 50 }, () => newCommentId(t)),
      ...Array.from({ length: 5 }, () => newCommentId(new Date(t.getTime() + 1))),
    ];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
