import { randomBytes } from 'node:crypto';

let lastMs = -1;
let sequence = 0;

/**
 * A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then a 12-bit counter that
 * increases within one millisecond of this process, then random bits. Comments
 * order by (created_at, id), so two comments written in the same millisecond
 * still come back in the order they were written.
 */
export function newCommentId(now: Date, random: Buffer = randomBytes(8)): string {
  const ms = now.getTime();
  if (ms === lastMs) {
    sequence = (sequence + 1) & 0xfff;
  } else {
    lastMs = ms;
    sequence = random.readUInt16BE(0) & 0x3ff; // start low in the range so the counter rarely wraps
  }
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(ms, 0, 6);
  bytes.writeUInt16BE(0x7000 | sequence, 6);
  random.copy(bytes, 8, 0, 8);
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
