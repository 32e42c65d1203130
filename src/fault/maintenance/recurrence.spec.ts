import { currentOrNext, isTimeZone, ruleProblem, windowsBetween } from './recurrence';

const iso = (d: Date): string => d.toISOString();

describe('recurring maintenance windows', () => {
  it('keeps "02:00 every Sunday" at 02:00 Berlin time across both DST changes of 2026', () => {
    const rec = { rrule: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0', durationMinutes: 120, timezone: 'Europe/Berlin', start: new Date('2026-03-01T00:00:00Z'), until: null };
    const windows = windowsBetween(rec, new Date('2026-03-20T00:00:00Z'), new Date('2026-04-06T00:00:00Z'));
    // 22 March: CET (+01:00) → 01:00Z. 29 March is the spring change: 02:00 does not exist, the window opens at 03:00 CEST = 01:00Z.
    // 5 April: CEST (+02:00) → 00:00Z.
    expect(windows.map((w) => iso(w.startsAt))).toEqual(['2026-03-22T01:00:00.000Z', '2026-03-29T01:00:00.000Z', '2026-04-05T00:00:00.000Z']);
    expect(windows.map((w) => (w.endsAt.getTime() - w.startsAt.getTime()) / 60_000)).toEqual([120, 120, 120]);
    const autumn = windowsBetween(rec, new Date('2026-10-18T00:00:00Z'), new Date('2026-11-02T00:00:00Z'));
    // 25 October is the autumn change (02:00–03:00 happens twice): 02:00 CEST = 00:00Z; then CET 02:00 = 01:00Z.
    expect(autumn.map((w) => iso(w.startsAt))).toEqual(['2026-10-18T00:00:00.000Z', '2026-10-25T00:00:00.000Z', '2026-11-01T01:00:00.000Z']);
  });

  it('keeps a daily 01:30 New York window on the change days of 2026 (8 March, 1 November)', () => {
    const rec = { rrule: 'FREQ=DAILY;BYHOUR=1;BYMINUTE=30', durationMinutes: 60, timezone: 'America/New_York', start: new Date('2026-03-01T00:00:00Z'), until: null };
    const spring = windowsBetween(rec, new Date('2026-03-07T00:00:00Z'), new Date('2026-03-10T00:00:00Z'));
    expect(spring.map((w) => iso(w.startsAt))).toEqual(['2026-03-07T06:30:00.000Z', '2026-03-08T06:30:00.000Z', '2026-03-09T05:30:00.000Z']);
    const autumn = windowsBetween(rec, new Date('2026-10-31T00:00:00Z'), new Date('2026-11-03T00:00:00Z'));
    expect(autumn.map((w) => iso(w.startsAt))).toEqual(['2026-10-31T05:30:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
  });

  it('moves a window the spring change skips forward by the gap (02:30 New York on 8 March → 03:30 EDT)', () => {
    const rec = { rrule: 'FREQ=DAILY;BYHOUR=2;BYMINUTE=30', durationMinutes: 30, timezone: 'America/New_York', start: new Date('2026-03-07T00:00:00Z'), until: null };
    const [, skipped] = windowsBetween(rec, new Date('2026-03-07T00:00:00Z'), new Date('2026-03-09T00:00:00Z'));
    expect(iso(skipped.startsAt)).toBe('2026-03-08T07:30:00.000Z');
  });

  it('starts at start, stops before until, and answers the window in force or the next one', () => {
    const rec = { rrule: 'FREQ=HOURLY;INTERVAL=6;BYMINUTE=0', durationMinutes: 30, timezone: 'UTC', start: new Date('2026-05-01T05:00:00Z'), until: new Date('2026-05-02T00:00:00Z') };
    expect(windowsBetween(rec, new Date('2026-04-01T00:00:00Z'), new Date('2026-06-01T00:00:00Z')).map((w) => iso(w.startsAt))).toEqual([
      '2026-05-01T05:00:00.000Z',
      '2026-05-01T11:00:00.000Z',
      '2026-05-01T17:00:00.000Z',
      '2026-05-01T23:00:00.000Z',
    ]);
    expect(iso(currentOrNext(rec, new Date('2026-05-01T11:10:00Z'))!.startsAt)).toBe('2026-05-01T11:00:00.000Z');
    expect(iso(currentOrNext(rec, new Date('2026-05-01T11:30:00Z'))!.startsAt)).toBe('2026-05-01T17:00:00.000Z');
    expect(iso(currentOrNext(rec, new Date('2026-05-01T17:30:00Z'))!.startsAt)).toBe('2026-05-01T23:00:00.000Z');
    expect(currentOrNext(rec, new Date('2026-05-01T23:30:00Z'))).toBeNull();
  });

  it('refuses rules and zones it cannot honour', () => {
    expect(ruleProblem('FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0')).toBeUndefined();
    expect(ruleProblem('FREQ=MINUTELY')).toMatch(/FREQ/);
    expect(ruleProblem('FREQ=SECONDLY')).toMatch(/FREQ/);
    expect(ruleProblem('BYDAY=SU')).toMatch(/FREQ/);
    expect(ruleProblem('DTSTART:20260101T000000Z\nRRULE:FREQ=DAILY')).toMatch(/DTSTART/);
    expect(ruleProblem('FREQ=DAILY;UNTIL=20270101T000000Z')).toMatch(/UNTIL/);
    expect(ruleProblem('FREQ=DAILY;BYDAY=XX')).toBeDefined();
    expect(ruleProblem('nonsense')).toBeDefined();
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});
