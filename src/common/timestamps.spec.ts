import { toApiTimestamp, toApiTimestampOrNull } from './timestamps';

describe('API timestamps', () => {
  it('are ISO 8601 UTC with microseconds', () => {
    expect(toApiTimestamp(new Date('2025-10-21T12:00:00Z'))).toBe('2025-10-21T12:00:00.000000Z');
    expect(toApiTimestamp(new Date('2025-10-21T12:00:00.123Z'))).toBe('2025-10-21T12:00:00.123000Z');
  });

  it('keep null as null', () => {
    expect(toApiTimestampOrNull(null)).toBeNull();
    expect(toApiTimestampOrNull(undefined)).toBeNull();
  });
});
