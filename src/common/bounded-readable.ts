import { Readable } from 'node:stream';

export interface BoundedReadableOptions {
  /** Bytes buffered ahead of the consumer, at most (plus one chunk of the source). */
  highWaterMark?: number;
  /** The stream fails (and a response piped from it is cut) when its full buffer has not been taken for this long. */
  stallTimeoutMs?: number;
}

/**
 * A byte stream for a streamed response (an NDJSON or CSV export) over an async source of text
 * chunks: the next chunk is pulled only when the consumer asks (a response piped from it asks only
 * while its socket takes data: write() back-pressure), at most `highWaterMark` bytes wait in it,
 * and a consumer that takes nothing for `stallTimeoutMs` is cut. `Readable.from()` buffers 16
 * chunks whatever their size — 16 export pages for a client that never reads.
 */
export function boundedReadable(source: AsyncIterable<string>, options: BoundedReadableOptions = {}): Readable {
  const iterator = source[Symbol.asyncIterator]();
  const stallTimeoutMs = options.stallTimeoutMs ?? 30_000;
  let stalled: NodeJS.Timeout | undefined;
  return new Readable({
    highWaterMark: options.highWaterMark ?? 65_536,
    read() {
      clearTimeout(stalled);
      iterator.next().then(
        ({ done, value }) => {
          if (done) {
            this.push(null);
          } else if (!this.push(value, 'utf8')) {
            // Full: the consumer has to take some before the next read(); if it never does, cut.
            stalled = setTimeout(() => this.destroy(new Error(`the client took nothing for ${stallTimeoutMs} ms`)), stallTimeoutMs);
            stalled.unref();
          }
        },
        (error: unknown) => this.destroy(error as Error),
      );
    },
    destroy(error, callback) {
      clearTimeout(stalled);
      void Promise.resolve(iterator.return?.()).catch(() => undefined);
      callback(error);
    },
  });
}
