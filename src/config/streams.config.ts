import { Env, readConfig } from './env';

/** Live event streams (SSE): how many may be open, and what a client that stops reading may cost. */
export class StreamsConfig {
  /** Open streams one tenant may hold on an instance (user and dashboard streams together). */
  readonly maxPerTenant!: number;
  /** Open streams an instance serves in all. */
  readonly maxPerInstance!: number;
  /** Bytes a stream may have written and not yet sent to its client; beyond that it waits (and reads from the database once the client catches up). */
  readonly bufferBytes!: number;
  /** A stream whose client has not taken its buffer for this long is cut (it resumes with Last-Event-ID). */
  readonly stallTimeoutMs!: number;
  /** Milliseconds between two reads of the events table when no notice arrives (and between expiry checks). */
  readonly pollMs!: number;
  /** Events read per query while a stream replays or catches up. */
  readonly replayBatch!: number;
  /** Streams of an instance reading and writing a replay batch at once: replay never holds the event loop for long. */
  readonly replayConcurrency!: number;

  static fromEnv(env: Env): StreamsConfig {
    return readConfig(env, (r): StreamsConfig => ({
      maxPerTenant: r.int('STREAM_MAX_PER_TENANT', 20, 1, 10_000),
      maxPerInstance: r.int('STREAM_MAX_PER_INSTANCE', 1000, 1, 100_000),
      bufferBytes: r.int('STREAM_BUFFER_BYTES', 32_768, 16_384, 16_777_216),
      stallTimeoutMs: r.int('STREAM_STALL_TIMEOUT_MS', 30_000, 500, 600_000),
      pollMs: r.int('STREAM_POLL_MS', 1000, 50, 10_000),
      replayBatch: r.int('STREAM_REPLAY_BATCH', 100, 10, 1000),
      replayConcurrency: r.int('STREAM_REPLAY_CONCURRENCY', 4, 1, 64),
    }));
  }
}
