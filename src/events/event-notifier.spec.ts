import { EventNotice } from './events.repository';
import { payloads } from './event-notifier';

const notice = (i: number): EventNotice => ({ id: `evt_${String(i).padStart(27, '0')}`, customer_id: 'cus_demo', type: 'fault.created', seq: String(i), deliveries: i % 2 === 0 });

describe('payloads', () => {
  it('packs notices into JSON arrays under the NOTIFY limit, losing none and keeping their order', () => {
    const notices = Array.from({ length: 500 }, (_, i) => notice(i));
    const out = payloads(notices);
    expect(out.length).toBeGreaterThan(1);
    for (const p of out) expect(Buffer.byteLength(p)).toBeLessThan(8000);
    expect(out.flatMap((p) => JSON.parse(p) as EventNotice[])).toEqual(notices);
  });

  it('sends one array for a few notices and none for none', () => {
    expect(payloads([notice(1), notice(2)])).toHaveLength(1);
    expect(payloads([])).toEqual([]);
  });
});
