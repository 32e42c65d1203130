import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { affectedRows } from '../../database/affected-rows';
import { FaultIdempotencyKeyEntity } from '../entities/fault-idempotency-key.entity';

export interface IdempotencyClaim {
  customerId: string;
  key: string;
  requestHash: string;
  now: Date;
  expiresAt: Date;
}

/** The stored first responses of `POST /fault` requests carrying an Idempotency-Key. */
@Injectable()
export class FaultIdempotencyRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Claims the key inside the caller's transaction (or takes over an expired
   * claim); false when another request holds it. A concurrent request with the
   * same key blocks on the row until the first commits.
   */
  async claim(manager: EntityManager, claim: IdempotencyClaim): Promise<boolean> {
    const claimed: unknown[] = await manager.query(
      `INSERT INTO fault_idempotency_keys (customer_id, key, request_hash, response_status, response_body, created_at, expires_at)
       VALUES ($1, $2, $3, NULL, NULL, $4, $5)
       ON CONFLICT (customer_id, key) DO UPDATE
         SET request_hash = EXCLUDED.request_hash, response_status = NULL, response_body = NULL, response_outcome = NULL,
             created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
         WHERE fault_idempotency_keys.expires_at <= EXCLUDED.created_at
       RETURNING key`,
      [claim.customerId, claim.key, claim.requestHash, claim.now, claim.expiresAt],
    );
    return claimed.length > 0;
  }

  /** `outcome`: what a report with a dedup_key did (`occurred`, `reopened`), replayed as its header; null for a creation. */
  async storeResponse(manager: EntityManager, customerId: string, key: string, status: number, body: object, outcome: string | null): Promise<void> {
    await manager.update(FaultIdempotencyKeyEntity, { customerId, key }, { responseStatus: status, responseBody: body, responseOutcome: outcome });
  }

  find(manager: EntityManager, customerId: string, key: string): Promise<FaultIdempotencyKeyEntity | null> {
    return manager.findOneBy(FaultIdempotencyKeyEntity, { customerId, key });
  }

  /** Deletes up to `batch` expired keys (SKIP LOCKED, like every purge batch). */
  async deleteExpiredBatch(now: Date, batch: number): Promise<number> {
    const result: unknown = await this.dataSource.query(
      `DELETE FROM fault_idempotency_keys WHERE (customer_id, key) IN
         (SELECT customer_id, key FROM fault_idempotency_keys WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [now, batch],
    );
    return affectedRows(result);
  }
}
