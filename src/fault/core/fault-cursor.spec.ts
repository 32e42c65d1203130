import { BadRequestException } from '@nestjs/common';
import { FaultCursorCodec } from './fault-cursor';

describe('FaultCursorCodec', () => {
  const codec = new FaultCursorCodec('unit-test-secret');
  const filters = FaultCursorCodec.filterHash({ severity: 'HIGH', type: undefined });
  const position = { createdAtMicros: 1_760_000_000_123_456n, id: 'flt_2abcDEF', sinceMicros: 1_759_900_000_000_000n };

  it('round-trips a position for the same tenant and filters', () => {
    const cursor = codec.encode('cus_a', filters, position);
    expect(codec.decode('cus_a', filters, cursor)).toEqual(position);
    const plain = codec.encode('cus_a', filters, { createdAtMicros: 5n, id: 'flt_x' });
    expect(codec.decode('cus_a', filters, plain)).toEqual({ createdAtMicros: 5n, id: 'flt_x' });
  });

  it('hashes filters independently of key order and ignores undefined', () => {
    expect(FaultCursorCodec.filterHash({ a: '1', b: '2' })).toBe(FaultCursorCodec.filterHash({ b: '2', a: '1', c: undefined }));
    expect(FaultCursorCodec.filterHash({ a: '1' })).not.toBe(FaultCursorCodec.filterHash({ a: '2' }));
  });

  it('rejects another tenant, other filters, another key, and any tampering', () => {
    const cursor = codec.encode('cus_a', filters, position);
    expect(() => codec.decode('cus_b', filters, cursor)).toThrow(BadRequestException);
    expect(() => codec.decode('cus_a', FaultCursorCodec.filterHash({ severity: 'LOW' }), cursor)).toThrow(/other filters/);
    expect(() => new FaultCursorCodec('another-secret').decode('cus_a', filters, cursor)).toThrow(/invalid/);
    const [body, sig] = cursor.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ v: 1, t: '1', i: 'flt_x', f: filters }), 'utf8').toString('base64url');
    expect(() => codec.decode('cus_a', filters, `${forged}.${sig}`)).toThrow(/invalid/);
    const flipped = `${body}.${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
    expect(() => codec.decode('cus_a', filters, flipped)).toThrow(/invalid/);
    for (const junk of ['', 'abc', 'a.b.c', `${body}.`, `${body}.${sig}x`, '!!!.???']) {
      expect(() => codec.decode('cus_a', filters, junk)).toThrow(BadRequestException);
    }
  });
});
