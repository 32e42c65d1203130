import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { preparedQueryIn } from '../../database/prepared-query';
import { RowMapper, rowMapper } from '../../database/row-mapper';
import { FaultCommentEntity } from '../entities/fault-comment.entity';
import { FaultEntity } from '../entities/fault.entity';

/**
 * The comments of a page of faults ($2: ids, $3: their ttls, the comments' partition key, so only the
 * partitions of those months are read), oldest first; exported so the benchmark's floor (bench/floor.ts) runs this SQL.
 */
export const FAULT_COMMENTS_SQL = `SELECT id, fault_id, customer_id, user_id, comment, created_at, fault_ttl FROM fault_comments
  WHERE customer_id = $1 AND fault_id = ANY($2::varchar[]) AND fault_ttl = ANY($3::bigint[]) ORDER BY fault_id, created_at, id`;

/** What names a fault's comments: the fault's id and its ttl (their partition key). */
export type CommentedFault = Pick<FaultEntity, 'id' | 'ttl'>;

/** Storage of fault comments; every method takes the tenant. */
@Injectable()
export class FaultCommentRepository {
  private readonly toComment: RowMapper<FaultCommentEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.toComment = rowMapper(dataSource, FaultCommentEntity);
  }

  async countComments(manager: EntityManager, customerId: string, fault: CommentedFault): Promise<number> {
    const rows = await manager.query<Array<{ n: number }>>('SELECT count(*)::int AS n FROM fault_comments WHERE customer_id = $1 AND fault_id = $2 AND fault_ttl = $3', [
      customerId,
      fault.id,
      fault.ttl,
    ]);
    return rows[0].n;
  }

  async insertComment(manager: EntityManager, comment: FaultCommentEntity): Promise<void> {
    await manager.insert(FaultCommentEntity, comment);
  }

  /** Comments of these faults, oldest first, grouped by fault id. */
  async commentsOf(customerId: string, faults: CommentedFault[], manager: EntityManager = this.dataSource.manager): Promise<Map<string, FaultCommentEntity[]>> {
    const byFault = new Map<string, FaultCommentEntity[]>(faults.map((f) => [f.id, []]));
    if (faults.length === 0) return byFault;
    const ttls = [...new Set(faults.map((f) => f.ttl))];
    // Hand-written like the list itself: it runs once per page, so the query builder's overhead counts.
    const rows = await preparedQueryIn<Record<string, unknown>>(manager, FAULT_COMMENTS_SQL, [customerId, faults.map((f) => f.id), ttls]);
    for (const row of rows) {
      const comment = this.toComment(row);
      byFault.get(comment.faultId)?.push(comment);
    }
    return byFault;
  }
}
