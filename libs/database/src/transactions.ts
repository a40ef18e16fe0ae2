import { EntityManager } from 'typeorm';

/** Waits for, then holds until the transaction ends, the advisory lock of `name`: serialises work that no row lock covers. */
export async function holdTransactionLock(manager: EntityManager, name: string): Promise<void> {
  await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [name]);
}

/**
 * Lets the transaction's commit return before its WAL record reaches the disk. Only for work that
 * is idempotent and redone when a crash loses it (PostgreSQL stays consistent either way).
 */
export async function commitWithoutWaitingForFlush(manager: EntityManager): Promise<void> {
  await manager.query('SET LOCAL synchronous_commit = off');
}
