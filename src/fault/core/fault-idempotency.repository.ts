import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { PartitionedTable } from '../../jobs/partition-maintenance';
import { FaultIdempotencyKeyEntity } from '../entities/fault-idempotency-key.entity';

/** How long a first response is replayed for its Idempotency-Key. */
export const IDEMPOTENCY_TTL_MS = 86_400_000;

/**
 * fault_idempotency_keys is partitioned by day of `created_at`. A key of a day's partition was
 * created before the day's end, so it expired (created_at + IDEMPOTENCY_TTL_MS) before the day's end
 * + IDEMPOTENCY_TTL_MS: the partition is dropped once its end is IDEMPOTENCY_TTL_MS past, never while
 * one of its keys can still be replayed.
 */
export const IDEMPOTENCY_PARTITIONS: PartitionedTable = { table: 'fault_idempotency_keys', column: 'created_at', interval: 'day', ahead: 3, retainMs: () => IDEMPOTENCY_TTL_MS };

export interface IdempotencyClaim {
  customerId: string;
  key: string;
  requestHash: string;
  now: Date;
  expiresAt: Date;
}

/**
 * The stored first responses of `POST /fault` requests carrying an Idempotency-Key.
 *
 * Exactly once without a unique (customer_id, key): on the partitioned table a unique index must
 * carry the partition key, so a key recorded yesterday and a claim today would not collide. Instead a
 * claim takes a transaction-scoped advisory lock on (tenant, key) and then reads the key across the
 * partitions that can still hold it live (created within IDEMPOTENCY_TTL_MS: today's and
 * yesterday's): concurrent requests with one key run their check-and-insert one after another, and
 * the lock is held until the claiming transaction commits its stored answer (or rolls back).
 */
@Injectable()
export class FaultIdempotencyRepository {
  /**
   * Claims the key inside the caller's transaction: null when this request claimed it (an expired
   * claim of the key is taken over), else the key's live record, to replay. A concurrent request
   * with the same key waits on the lock until the first commits, then reads its answer.
   */
  async claim(manager: EntityManager, claim: IdempotencyClaim): Promise<FaultIdempotencyKeyEntity | null> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext('fault-idempotency:' || $1::text), hashtext($2::text))`, [claim.customerId, claim.key]);
    const live = await manager
      .createQueryBuilder(FaultIdempotencyKeyEntity, 'k')
      .where('k.customerId = :customerId AND k.key = :key', claim)
      // Names the partitions that can hold a live key (partition pruning), then the live one.
      .andWhere('k.createdAt > :since AND k.expiresAt > :now', { since: new Date(claim.now.getTime() - IDEMPOTENCY_TTL_MS), now: claim.now })
      .orderBy('k.createdAt', 'DESC')
      .limit(1)
      .getOne();
    if (live !== null) return live;
    // An expired claim of the key goes now rather than with its partition (the table's older,
    // unpartitioned form had (customer_id, key) unique).
    await manager.query(`DELETE FROM fault_idempotency_keys WHERE customer_id = $1 AND key = $2 AND expires_at <= $3`, [claim.customerId, claim.key, claim.now]);
    await manager.query(
      `INSERT INTO fault_idempotency_keys (customer_id, key, request_hash, response_status, response_body, created_at, expires_at)
       VALUES ($1, $2, $3, NULL, NULL, $4, $5)`,
      [claim.customerId, claim.key, claim.requestHash, claim.now, claim.expiresAt],
    );
    return null;
  }

  /** `outcome`: what a report with a dedup_key did (`occurred`, `reopened`), replayed as its header; null for a creation. */
  async storeResponse(manager: EntityManager, claim: IdempotencyClaim, status: number, body: object, outcome: string | null): Promise<void> {
    await manager.update(
      FaultIdempotencyKeyEntity,
      { customerId: claim.customerId, key: claim.key, createdAt: claim.now },
      { responseStatus: status, responseBody: body, responseOutcome: outcome },
    );
  }
}
