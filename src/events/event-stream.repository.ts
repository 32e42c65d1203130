import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { toApiTimestamp } from '../common/timestamps';
import { StreamPosition } from './stream-position';

/** One event as streams send it: its place, and its envelope already serialized once. */
export interface StreamEvent {
  id: string;
  customerId: string;
  type: string;
  position: StreamPosition;
  /** The envelope as one line of JSON. */
  json: string;
}

/** Events after a position, up to the horizon; `horizon` is where the next read starts when these were all. */
export interface StreamRead {
  events: StreamEvent[];
  /** The oldest running transaction's id when read: every event below it was committed (or never will be). */
  horizon: bigint;
}

interface Row {
  horizon: string;
  id: string | null;
  customer_id: string;
  type: string;
  xid: string;
  seq: string;
  created_at: Date;
  data: string;
}

/** The envelope text, built from the stored JSON text without parsing it (keys as JSON.stringify of EventEnvelope). */
function toStreamEvent(row: Row): StreamEvent {
  const json = `{"id":${JSON.stringify(row.id)},"type":${JSON.stringify(row.type)},"created_at":"${toApiTimestamp(row.created_at)}","customer_id":${JSON.stringify(row.customer_id)},"data":${row.data}}`;
  return { id: row.id!, customerId: row.customer_id, type: row.type, position: { xid: BigInt(row.xid), seq: BigInt(row.seq) }, json };
}

function toRead(rows: Row[]): StreamRead {
  return { horizon: BigInt(rows[0].horizon), events: rows.filter((r) => r.id !== null).map(toStreamEvent) };
}

const COLUMNS = 'e.id, e.customer_id, e.type, e.xid::text AS xid, e.seq::text AS seq, e.created_at, e.data::text AS data';
/** The snapshot's oldest running transaction, in the statement's own snapshot: consistent with the rows it sees. */
const HORIZON = 'SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS horizon';

/** Reads for live streams: by position, never past the horizon (see stream-position.ts). */
@Injectable()
export class EventStreamRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** A tenant's events of a family after `after`, in stream order, at most `limit`. */
  async tenantEvents(customerId: string, typePrefix: string, after: StreamPosition, limit: number): Promise<StreamRead> {
    const rows = await this.dataSource.query<Row[]>(
      `SELECT h.horizon::text AS horizon, ${COLUMNS} FROM (${HORIZON}) h
       LEFT JOIN LATERAL (
         SELECT * FROM events
         WHERE customer_id = $1 AND (xid, seq) > ($2::bigint, $3::bigint) AND xid < h.horizon AND type LIKE $4
         ORDER BY xid, seq LIMIT $5
       ) e ON true`,
      [customerId, after.xid.toString(), after.seq.toString(), `${typePrefix}%`, limit],
    );
    return toRead(rows);
  }

  /** Every event after `after`, in stream order, at most `limit`: the instance's tail, shared by its streams. */
  async allEvents(after: StreamPosition, limit: number): Promise<StreamRead> {
    const rows = await this.dataSource.query<Row[]>(
      `SELECT h.horizon::text AS horizon, ${COLUMNS} FROM (${HORIZON}) h
       LEFT JOIN LATERAL (
         SELECT * FROM events WHERE (xid, seq) > ($1::bigint, $2::bigint) AND xid < h.horizon ORDER BY xid, seq LIMIT $3
       ) e ON true`,
      [after.xid.toString(), after.seq.toString(), limit],
    );
    return toRead(rows);
  }

  /** Where a tenant's event stands (for Last-Event-ID); null when unknown, purged or another tenant's. */
  async positionOf(customerId: string, id: string): Promise<StreamPosition | null> {
    const rows = await this.dataSource.query<Array<{ xid: string; seq: string }>>('SELECT xid::text AS xid, seq::text AS seq FROM events WHERE customer_id = $1 AND id = $2', [
      customerId,
      id,
    ]);
    return rows.length === 0 ? null : { xid: BigInt(rows[0].xid), seq: BigInt(rows[0].seq) };
  }

  /** The current horizon: a stream that starts now starts here. */
  async horizon(): Promise<bigint> {
    const rows = await this.dataSource.query<Array<{ horizon: string }>>(`SELECT h.horizon::text AS horizon FROM (${HORIZON}) h`);
    return BigInt(rows[0].horizon);
  }
}
