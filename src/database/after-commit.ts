import { EntityManager, EntitySubscriberInterface, EventSubscriber, TransactionCommitEvent, TransactionRollbackEvent } from 'typeorm';

type RunnerData = { afterCommit?: Array<() => void> };

/**
 * Runs `work` once the transaction of `manager` has committed — the outermost commit, when its
 * changes are visible to everyone — and drops it on rollback. Outside a transaction it runs at
 * once. `work` must not throw (it runs inside TypeORM's commit hook): catch inside it.
 */
export function afterCommit(manager: EntityManager, work: () => void): void {
  const runner = manager.queryRunner;
  if (runner === undefined || !runner.isTransactionActive) return work();
  ((runner.data as RunnerData).afterCommit ??= []).push(work);
}

/** The TypeORM subscriber that carries out afterCommit(); listed in the DataSource options (`subscribers`). */
@EventSubscriber()
export class AfterCommitSubscriber implements EntitySubscriberInterface {
  afterTransactionCommit(event: TransactionCommitEvent): void {
    // Fired for savepoint releases too: only the outermost commit makes the changes visible.
    if (event.queryRunner.isTransactionActive) return;
    const data = event.queryRunner.data as RunnerData;
    const pending = data.afterCommit;
    if (pending === undefined) return;
    data.afterCommit = undefined;
    for (const work of pending) work();
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if (!event.queryRunner.isTransactionActive) (event.queryRunner.data as RunnerData).afterCommit = undefined;
  }
}
