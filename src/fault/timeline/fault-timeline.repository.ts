import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { preparedQueryIn } from '../../database/prepared-query';
import { TimelineKind } from './fault-timeline.entity';

export interface TimelineRow {
  at: Date;
  id: string;
  kind: TimelineKind;
  actor: string;
  details: Record<string, unknown>;
}

export interface TimelinePosition {
  atMicros: bigint;
  id: string;
}

/**
 * The fault_timeline table: appends in the changing transaction, pages in (at, id) order. Every
 * statement names the fault's expiry (`fault_expires_at`, the partition key): it reads and writes
 * the one monthly partition holding the fault's entries.
 */
@Injectable()
export class FaultTimelineRepository {
  constructor(private readonly dataSource: DataSource) {}

  async append(
    manager: EntityManager,
    customerId: string,
    faultId: string,
    expiresAt: Date,
    at: Date,
    kind: TimelineKind,
    actor: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    await preparedQueryIn(manager, `INSERT INTO fault_timeline (customer_id, fault_id, fault_expires_at, at, kind, actor, details) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
      customerId,
      faultId,
      expiresAt,
      at,
      kind,
      actor,
      details,
    ]);
  }

  /** The fault's newest entry (a repeat folds into it when it is an `occurred` one). */
  async latest(manager: EntityManager, customerId: string, faultId: string, expiresAt: Date): Promise<TimelineRow | null> {
    const rows = await preparedQueryIn<TimelineRow>(
      manager,
      `SELECT at, id::text AS id, kind, actor, details FROM fault_timeline WHERE customer_id = $1 AND fault_id = $2 AND fault_expires_at = $3 ORDER BY at DESC, id DESC LIMIT 1`,
      [customerId, faultId, expiresAt],
    );
    return rows[0] ?? null;
  }

  /** The severity the newest entry that recorded one recorded. */
  async latestSeverity(manager: EntityManager, customerId: string, faultId: string, expiresAt: Date): Promise<string | null> {
    const rows = await preparedQueryIn<{ severity: string }>(
      manager,
      `SELECT details->>'severity' AS severity FROM fault_timeline
       WHERE customer_id = $1 AND fault_id = $2 AND fault_expires_at = $3 AND details ? 'severity' ORDER BY at DESC, id DESC LIMIT 1`,
      [customerId, faultId, expiresAt],
    );
    return rows[0]?.severity ?? null;
  }

  /** Folds one more repeat into an `occurred` entry (its `at` stays the first repeat's: the key never moves). */
  async fold(manager: EntityManager, customerId: string, faultId: string, expiresAt: Date, entry: TimelineRow, details: Record<string, unknown>): Promise<void> {
    await preparedQueryIn(
      manager,
      `UPDATE fault_timeline SET details = $6 WHERE customer_id = $1 AND fault_id = $2 AND fault_expires_at = $3 AND at = $4 AND id = $5::bigint`,
      [customerId, faultId, expiresAt, entry.at, entry.id, details],
    );
  }

  /** One page, oldest first, after `after`. */
  async page(customerId: string, faultId: string, expiresAt: Date, take: number, after: TimelinePosition | undefined): Promise<Array<TimelineRow & { at_micros: string }>> {
    const params: unknown[] = [customerId, faultId, expiresAt, take];
    let keyset = '';
    if (after !== undefined) {
      params.push(after.atMicros.toString(), after.id);
      keyset = `AND (at, id) > (to_timestamp($5::numeric / 1000000), $6::bigint)`;
    }
    return this.dataSource.query(
      `SELECT at, id::text AS id, kind, actor, details, (extract(epoch FROM at) * 1000000)::bigint::text AS at_micros
       FROM fault_timeline WHERE customer_id = $1 AND fault_id = $2 AND fault_expires_at = $3 ${keyset} ORDER BY at, id LIMIT $4`,
      params,
    );
  }

  /** Deletes a deleted fault's entries (every partition: the caller need not know its expiry). */
  async deleteOf(manager: EntityManager, customerId: string, faultId: string): Promise<void> {
    await manager.query(`DELETE FROM fault_timeline WHERE customer_id = $1 AND fault_id = $2`, [customerId, faultId]);
  }
}
