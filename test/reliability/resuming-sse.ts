import http from 'node:http';
import { DataSource } from 'typeorm';

/**
 * An SSE client as a browser's EventSource behaves: it parses complete frames only, and when the
 * server ends the stream it reconnects with `Last-Event-ID` set to the last id it received. It
 * can stop reading (pause) to play a slow client.
 */
export class ResumingSse {
  readonly ids: string[] = [];
  readonly types: string[] = [];
  /** Connections made; more than one means the server ended a stream and it was resumed. */
  connections = 0;
  private response: http.IncomingMessage | undefined;
  private request: http.ClientRequest | undefined;
  private stopped = false;
  private paused = false;

  constructor(
    private readonly url: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  /** Opens the first connection; resolves with its status. */
  open(): Promise<number> {
    return this.connect();
  }

  pause(): void {
    this.paused = true;
    this.response?.pause();
  }

  resume(): void {
    this.paused = false;
    this.response?.resume();
  }

  close(): void {
    this.stopped = true;
    this.request?.destroy();
  }

  private connect(): Promise<number> {
    this.connections++;
    const last = this.ids.at(-1);
    return new Promise((resolve, reject) => {
      const request = http.get(this.url, { headers: { accept: 'text/event-stream', ...this.headers, ...(last ? { 'last-event-id': last } : {}) } }, (response) => {
        this.response = response;
        resolve(response.statusCode ?? 0);
        if (response.statusCode !== 200) {
          response.resume();
          return;
        }
        if (this.paused) response.pause();
        let buffer = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          buffer += chunk;
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            let id: string | undefined;
            let event: string | undefined;
            for (const line of block.split('\n')) {
              if (line.startsWith('id: ')) id = line.slice(4);
              else if (line.startsWith('event: ')) event = line.slice(7);
            }
            if (id !== undefined && event !== undefined) {
              this.ids.push(id);
              this.types.push(event);
            }
          }
        });
        // An incomplete frame at a cut is dropped, as EventSource drops it; then resume.
        const again = (): void => {
          if (this.stopped || this.response !== response) return;
          this.response = undefined;
          setTimeout(() => void this.connect().catch(() => undefined), 50);
        };
        response.on('close', again);
        response.on('error', () => undefined);
      });
      request.on('error', (error) => {
        if (this.connections === 1) reject(error);
      });
      this.request = request;
    });
  }
}

/** The tenant's stored fault events in stream order: what a complete stream must have sent. */
export async function storedFaultEventIds(dataSource: DataSource, customerId: string): Promise<string[]> {
  const rows = await dataSource.query<Array<{ id: string }>>(`SELECT id FROM events WHERE customer_id = $1 AND type LIKE 'fault.%' ORDER BY xid, seq`, [customerId]);
  return rows.map((r) => r.id);
}

export interface StreamComparison {
  received: number;
  stored: number;
  missing: number;
  duplicated: number;
  /** The received ids, duplicates removed, equal the stored ids in their order. */
  inOrder: boolean;
}

/** Compares what a stream delivered with what is stored, from the first stored id the stream was to carry. */
export function compareWithStored(received: string[], stored: string[]): StreamComparison {
  const seen = new Set<string>();
  let duplicated = 0;
  const unique: string[] = [];
  for (const id of received) {
    if (seen.has(id)) duplicated++;
    else {
      unique.push(id);
      seen.add(id);
    }
  }
  const missing = stored.filter((id) => !seen.has(id)).length;
  const inOrder = unique.length === stored.length && unique.every((id, i) => id === stored[i]);
  return { received: received.length, stored: stored.length, missing, duplicated, inOrder };
}
