import { randomBytes } from 'node:crypto';
import { toBase62 } from './base62';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';
/** KSUID epoch (2014-05-13T16:53:20Z), in seconds. */
const KSUID_EPOCH = 1_400_000_000;

/**
 * `flt_` + 27 base62 characters, KSUID-like: a 32-bit seconds timestamp then
 * 128 random bits, so ids sort by creation time (to the second).
 */
export function newFaultId(now: Date = new Date(), random: Buffer = randomBytes(16)): string {
  return `flt_${ksuid(now, random)}`;
}

/** `evt_` + 27 base62 characters (KSUID-like, as fault ids). */
export function newEventId(now: Date = new Date()): string {
  return `evt_${ksuid(now, randomBytes(16))}`;
}

/** `whk_` + 27 base62 characters (KSUID-like, as fault ids). */
export function newWebhookId(now: Date = new Date()): string {
  return `whk_${ksuid(now, randomBytes(16))}`;
}

function ksuid(now: Date, random: Buffer): string {
  const bytes = Buffer.alloc(20);
  bytes.writeUInt32BE(Math.max(0, Math.floor(now.getTime() / 1000) - KSUID_EPOCH), 0);
  random.copy(bytes, 4, 0, 16);
  return toBase62(bytes, 27);
}

/**
 * `vlt_` + 26 lowercase characters, ULID-like: 48-bit milliseconds then 80
 * random bits in Crockford base32, so ids sort by creation time.
 */
export function newVaultId(now: Date = new Date(), random: Buffer = randomBytes(10)): string {
  let time = BigInt(now.getTime());
  let head = '';
  for (let i = 0; i < 10; i++) {
    head = CROCKFORD[Number(time % 32n)] + head;
    time /= 32n;
  }
  let rand = BigInt(`0x${random.subarray(0, 10).toString('hex')}`);
  let tail = '';
  for (let i = 0; i < 16; i++) {
    tail = CROCKFORD[Number(rand % 32n)] + tail;
    rand /= 32n;
  }
  return `vlt_${head}${tail}`;
}

/** `sil_` + 27 base62 characters, built like a fault id (sortable by creation time). */
export function newSilenceId(now: Date = new Date(), random: Buffer = randomBytes(16)): string {
  return `sil_${newFaultId(now, random).slice(4)}`;
}

export const SILENCE_ID_PATTERN = /^sil_[0-9A-Za-z]{27}$/;
export const FAULT_ID_PATTERN = /^flt_[0-9A-Za-z]{27}$/;
export const EVENT_ID_PATTERN = /^evt_[0-9A-Za-z]{27}$/;
export const WEBHOOK_ID_PATTERN = /^whk_[0-9A-Za-z]{27}$/;
export const VAULT_ID_PATTERN = /^vlt_[0-9a-hjkmnp-tv-z]{26}$/;
