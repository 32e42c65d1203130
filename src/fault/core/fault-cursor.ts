import { BadRequestException } from '@nestjs/common';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Where the previous page ended, plus what the first page pinned (the `recent` cut-off). */
export interface CursorPosition {
  /** created_at of the last item, in microseconds since the epoch (PostgreSQL's precision). */
  createdAtMicros: bigint;
  /** id of the last item: the tie-break inside one created_at. */
  id: string;
  /** For status=recent: the "created in the last 24 h" cut-off fixed by the first page, in microseconds. */
  sinceMicros?: bigint;
}

interface CursorPayload {
  v: 1;
  t: string;
  i: string;
  f: string;
  s?: string;
}

const MICROS = /^\d{1,17}$/;
const ID = /^[A-Za-z0-9_]{1,64}$/;

/**
 * Opaque list cursors: base64url(JSON) + "." + base64url(HMAC-SHA256). The MAC
 * covers the tenant, so a cursor is useless to another tenant, and the payload
 * carries a hash of the filters, so it cannot be replayed with other filters.
 */
export class FaultCursorCodec {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHash('sha256').update(`fault-cursor-key:${secret}`).digest();
  }

  /** A stable digest of the normalized filters (keys sorted, undefined dropped). */
  static filterHash(filters: Record<string, string | undefined>): string {
    const canonical = Object.keys(filters)
      .sort()
      .filter((k) => filters[k] !== undefined)
      .map((k) => [k, filters[k]]);
    return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url').slice(0, 22);
  }

  encode(tenant: string, filterHash: string, position: CursorPosition): string {
    const payload: CursorPayload = { v: 1, t: position.createdAtMicros.toString(), i: position.id, f: filterHash };
    if (position.sinceMicros !== undefined) payload.s = position.sinceMicros.toString();
    const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
    return `${body}.${this.mac(tenant, body).toString('base64url')}`;
  }

  /** @throws BadRequestException for anything not minted by encode() for this tenant and these filters */
  decode(tenant: string, filterHash: string, cursor: string): CursorPosition {
    const invalid = (): BadRequestException => new BadRequestException('cursor is invalid; start again from the first page');
    const parts = cursor.split('.');
    if (parts.length !== 2 || !/^[A-Za-z0-9_-]{1,512}$/.test(parts[0]) || !/^[A-Za-z0-9_-]{43}$/.test(parts[1])) throw invalid();
    const [body, sig] = parts as [string, string];
    const given = Buffer.from(sig, 'base64url');
    const expected = this.mac(tenant, body);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
    let payload: Partial<CursorPayload>;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<CursorPayload>;
    } catch {
      throw invalid();
    }
    if (payload.v !== 1 || typeof payload.t !== 'string' || !MICROS.test(payload.t) || typeof payload.i !== 'string' || !ID.test(payload.i)) throw invalid();
    if (payload.s !== undefined && (typeof payload.s !== 'string' || !MICROS.test(payload.s))) throw invalid();
    if (payload.f !== filterHash) throw new BadRequestException('cursor was issued for other filters; repeat the filters of the first page');
    return {
      createdAtMicros: BigInt(payload.t),
      id: payload.i,
      ...(payload.s !== undefined ? { sinceMicros: BigInt(payload.s) } : {}),
    };
  }

  private mac(tenant: string, body: string): Buffer {
    return createHmac('sha256', this.key).update(`${tenant}\n${body}`).digest();
  }
}
