import { comparePositions, horizonPosition, isAfter } from './stream-position';

describe('stream positions', () => {
  it('order by transaction id first, then sequence', () => {
    expect(isAfter({ xid: 11n, seq: 1n }, { xid: 10n, seq: 999n })).toBe(true);
    expect(isAfter({ xid: 10n, seq: 5n }, { xid: 10n, seq: 4n })).toBe(true);
    expect(comparePositions({ xid: 10n, seq: 4n }, { xid: 10n, seq: 4n })).toBe(0);
  });

  it('a horizon lies before every event of its transaction id and after every earlier one', () => {
    expect(isAfter({ xid: 10n, seq: 1n }, horizonPosition(10n))).toBe(true);
    expect(isAfter(horizonPosition(10n), { xid: 9n, seq: 10n ** 12n })).toBe(true);
  });
});
