import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { FaultEntity } from '../entities/fault.entity';
import { FAULT_COLUMNS } from '../core/fault-columns';
import { FaultRowMapper } from '../core/fault-row.mapper';

type Row = Record<string, unknown>;

/** SQL of flapping: the reopen history of a (locked) fault, and the claim of faults gone quiet. */
@Injectable()
export class FaultFlappingRepository {
  constructor(private readonly mapper: FaultRowMapper) {}

  async setState(manager: EntityManager, fault: FaultEntity, reopenedAt: Date[], flapping: boolean, flappingSince: Date | null): Promise<FaultEntity> {
    const [rows]: [Row[], number] = await manager.query(
      `UPDATE faults AS f SET reopened_at = $3::timestamptz[], flapping = $4, flapping_since = $5 WHERE f.customer_id = $1 AND f.id = $2 RETURNING ${FAULT_COLUMNS}`,
      [fault.customerId, fault.id, reopenedAt, flapping, flappingSince],
    );
    return this.mapper.toFault(rows[0]);
  }

  /**
   * Flapping faults whose last reopen is at least a window old become stable: one UPDATE over rows
   * claimed with SKIP LOCKED and re-checked (`AND f.flapping`), so instances running it at once each
   * change (and announce) a fault at most once. Reads the partial index of flapping faults.
   */
  async claimStable(manager: EntityManager, quietSince: Date, now: Date, batch: number): Promise<FaultEntity[]> {
    const [rows]: [Row[], number] = await manager.query(
      `UPDATE faults AS f SET flapping = false, flapping_since = NULL, updated_at = $2
       WHERE f.id IN (SELECT id FROM faults WHERE flapping AND coalesce(reopened_at[cardinality(reopened_at)], flapping_since) <= $1
                      ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
         AND f.flapping
       RETURNING ${FAULT_COLUMNS}`,
      [quietSince, now, batch],
    );
    return rows.map((row) => this.mapper.toFault(row));
  }
}
