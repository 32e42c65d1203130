import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { quoteIdent, rowsOf } from './partition.repository';

export interface Compaction {
  partition: string;
  indexBytesBefore: number;
  indexBytesAfter: number;
  ms: number;
}

/** Waits at most this long for a lock (a partition being detached): the next run tries again. */
const LOCK_TIMEOUT = '5s';
/** The names REINDEX CONCURRENTLY gives the indexes it builds and retires (`…_ccnew`, `…_ccold1`). */
const REINDEX_LEFTOVER = '_cc(new|old)[0-9]*$';

/**
 * The SQL of partition compaction: which partitions were compacted (table partition_compactions,
 * migration PartitionCompactions), and the rebuild itself. REINDEX CONCURRENTLY cannot run in a
 * transaction and may take minutes, so it runs on a session of its own, on the direct connection
 * (DATABASE_LISTEN_URL when the pool goes through a transaction-mode pooler), without a statement
 * timeout, under a session advisory lock so that two instances never rebuild one partition at once.
 */
export class PartitionCompactionRepository {
  /** The backend rebuilding now, if any (cancelled at shutdown). */
  private activePid: number | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly directUrl: string,
  ) {}

  /** Those of `names` compacted already. */
  async compactedAmong(names: string[]): Promise<Set<string>> {
    const rows = await rowsOf<{ name: string }>(this.dataSource, `SELECT partition_name AS name FROM partition_compactions WHERE partition_name = ANY($1)`, [names]);
    return new Set(rows.map((r) => r.name));
  }

  /** Forgets the partitions that are gone (dropped by the retention): their names come back only as new partitions. */
  async forgetDropped(): Promise<void> {
    await this.dataSource.query(`DELETE FROM partition_compactions WHERE to_regclass(quote_ident(partition_name)) IS NULL`);
  }

  /**
   * Rebuilds every index of `partition` (REINDEX TABLE CONCURRENTLY: reads and writes go on) and
   * records it; undefined when another session holds it or has just done it. The invalid leftovers of a rebuild killed
   * midway are dropped first.
   */
  async compact(partition: string): Promise<Compaction | undefined> {
    const client = new Client({ connectionString: this.directUrl, application_name: 'netops-partition-compaction', options: `-c statement_timeout=0 -c lock_timeout=${LOCK_TIMEOUT}` });
    await client.connect();
    try {
      this.activePid = (await client.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid`)).rows[0].pid;
      const lock = await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(hashtext($1)) AS ok`, [`partition-compaction:${partition}`]);
      if (!lock.rows[0].ok) return undefined;
      // Another instance may have finished it between this run's look and the lock.
      const done = await client.query(`SELECT 1 FROM partition_compactions WHERE partition_name = $1`, [partition]);
      if (done.rowCount !== 0) return undefined;
      const leftovers = await client.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
         WHERE x.indrelid = to_regclass($1) AND NOT x.indisvalid AND c.relname ~ $2`,
        [quoteIdent(partition), REINDEX_LEFTOVER],
      );
      for (const { name } of leftovers.rows) await client.query(`DROP INDEX CONCURRENTLY IF EXISTS ${quoteIdent(name)}`);
      const started = Date.now();
      const before = await this.indexBytes(client, partition);
      await client.query(`REINDEX TABLE CONCURRENTLY ${quoteIdent(partition)}`);
      const after = await this.indexBytes(client, partition);
      const ms = Date.now() - started;
      await client.query(
        `INSERT INTO partition_compactions (partition_name, compacted_at, index_bytes_before, index_bytes_after, duration_ms) VALUES ($1, now(), $2, $3, $4)
         ON CONFLICT (partition_name) DO UPDATE SET compacted_at = EXCLUDED.compacted_at, index_bytes_before = EXCLUDED.index_bytes_before,
           index_bytes_after = EXCLUDED.index_bytes_after, duration_ms = EXCLUDED.duration_ms`,
        [partition, before, after, ms],
      );
      return { partition, indexBytesBefore: before, indexBytesAfter: after, ms };
    } finally {
      this.activePid = undefined;
      // Closing the session releases its advisory lock.
      await client.end().catch(() => undefined);
    }
  }

  /**
   * Cancels the rebuild in progress (at shutdown: REINDEX CONCURRENTLY waits for every older
   * transaction, and closing its socket would not stop it). It leaves an invalid `…_ccnew` index,
   * which the next run drops before it rebuilds the partition again.
   */
  async cancel(): Promise<void> {
    if (this.activePid !== undefined) await this.dataSource.query(`SELECT pg_cancel_backend($1)`, [this.activePid]);
  }

  private async indexBytes(client: Client, partition: string): Promise<number> {
    const result = await client.query<{ bytes: string }>(`SELECT coalesce(sum(pg_relation_size(indexrelid)), 0) AS bytes FROM pg_index WHERE indrelid = to_regclass($1)`, [quoteIdent(partition)]);
    return Number(result.rows[0].bytes);
  }
}
