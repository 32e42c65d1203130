import { parse } from 'csv-parse/sync';
import { FaultDto } from '../dto/fault.dto';
import { CSV_COLUMNS, guardFormula, toCsv } from './fault-csv';

describe('fault CSV', () => {
  it('guards every formula start', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r']) expect(guardFormula(`${start}SUM(A1)`)).toBe(`'${start}SUM(A1)`);
    expect(guardFormula('WAN down')).toBe('WAN down');
    expect(guardFormula('')).toBe('');
  });

  it('writes RFC 4180 that a CSV parser reads back', () => {
    const fault = { id: 'flt_1', message: 'a "quoted", multi\r\nline', cause: '=HYPERLINK("x")', resolved_at: null, ttl: 5, silenced: false } as unknown as FaultDto;
    const text = toCsv([fault], true);
    expect(text.endsWith('\r\n')).toBe(true);
    const [header, row]: string[][] = parse(text);
    expect(header).toEqual([...CSV_COLUMNS]);
    const record = Object.fromEntries(header.map((h, i) => [h, row[i]]));
    expect(record).toMatchObject({ id: 'flt_1', message: 'a "quoted", multi\r\nline', cause: `'=HYPERLINK("x")`, resolved_at: '', ttl: '5', silenced: 'false' });
  });
});
