import { nextPeriod, parsePartitionName, partitionName, periodStart, periodsBetween } from './partition-period';

describe('partition periods', () => {
  it('day and month periods start at UTC midnight and name their partition', () => {
    const at = new Date('2026-12-31T23:59:59.999Z');
    expect(periodStart(at, 'day').toISOString()).toBe('2026-12-31T00:00:00.000Z');
    expect(nextPeriod(periodStart(at, 'day'), 'day').toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(nextPeriod(periodStart(at, 'month'), 'month').toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(partitionName('events', periodStart(at, 'day'), 'day')).toBe('events_p20261231');
    expect(partitionName('vault_event', periodStart(at, 'month'), 'month')).toBe('vault_event_p202612');
  });

  it('parses only its own table’s names back to the period start', () => {
    expect(parsePartitionName('events', 'events_p20261231')?.toISOString()).toBe('2026-12-31T00:00:00.000Z');
    expect(parsePartitionName('vault_event', 'vault_event_p202612')?.toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(parsePartitionName('events', 'events_default')).toBeUndefined();
    expect(parsePartitionName('events', 'webhook_events_p20261231')).toBeUndefined();
  });

  it('lists every period between two instants, both ends included', () => {
    const days = periodsBetween(new Date('2026-02-27T10:00:00Z'), new Date('2026-03-02T01:00:00Z'), 'day');
    expect(days.map((d) => d.toISOString().slice(0, 10))).toEqual(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
  });
});
