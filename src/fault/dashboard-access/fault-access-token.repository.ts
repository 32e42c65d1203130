import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, Repository } from 'typeorm';
import { affectedRows } from '../../database/affected-rows';
import { preparedQuery } from '../../database/prepared-query';
import { RowMapper, rowMapper } from '../../database/row-mapper';
import { FaultAccessTokenEntity } from '../entities/fault-access-token.entity';

/**
 * The token behind a short code: read on every shared-dashboard request, so hand-written and prepared;
 * exported so the benchmark's floor (bench/floor.ts) runs this SQL.
 */
export const ACCESS_TOKEN_BY_CODE_SQL =
  'SELECT id, customer_id, issued_by, token_hash, code_hash, key_id, issued_at, expires_at, revoked_at FROM fault_access_tokens WHERE code_hash = $1';

/** Storage of minted dashboard tokens (hashes and claims, never the token or its code). */
@Injectable()
export class FaultAccessTokenRepository {
  private readonly toEntity: RowMapper<FaultAccessTokenEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.toEntity = rowMapper(dataSource, FaultAccessTokenEntity);
  }

  private get tokens(): Repository<FaultAccessTokenEntity> {
    return this.dataSource.getRepository(FaultAccessTokenEntity);
  }

  async insert(row: FaultAccessTokenEntity): Promise<void> {
    await this.tokens.insert(row);
  }

  findById(customerId: string, id: string): Promise<FaultAccessTokenEntity | null> {
    return this.tokens.findOneBy({ customerId, id });
  }

  async findByCodeHash(codeHash: string, customerId?: string): Promise<FaultAccessTokenEntity | null> {
    const [row] = await preparedQuery<Record<string, unknown>>(this.dataSource, ACCESS_TOKEN_BY_CODE_SQL, [codeHash]);
    return row === undefined || (customerId !== undefined && row.customer_id !== customerId) ? null : this.toEntity(row);
  }

  findByTokenHash(tokenHash: string, customerId: string): Promise<FaultAccessTokenEntity | null> {
    return this.tokens.findOneBy({ tokenHash, customerId });
  }

  /** Marks the token revoked (once; a second revocation keeps the first instant). */
  async revoke(customerId: string, id: string, now: Date): Promise<void> {
    await this.tokens.update({ customerId, id, revokedAt: IsNull() }, { revokedAt: now });
  }

  /** Deletes up to `batch` tokens that expired before `before` (SKIP LOCKED, like every purge batch). */
  async deleteExpiredBatch(before: Date, batch: number): Promise<number> {
    const result: unknown = await this.dataSource.query(
      `DELETE FROM fault_access_tokens WHERE (customer_id, id) IN
         (SELECT customer_id, id FROM fault_access_tokens WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [before, batch],
    );
    return affectedRows(result);
  }
}
