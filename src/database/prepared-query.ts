import { createHash } from 'node:crypto';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

const names = new Map<string, string>();

/**
 * Runs a statement on a named prepared statement: PostgreSQL parses and plans
 * it once per connection instead of on every request. For the hot, hand-written
 * reads (a fault page, its comments, one item) and the runner's one-statement
 * writes (resolve, API-key verification), planning cost more than executing.
 * Outside any transaction (a statement on its own commits by itself); same
 * pool, timeouts and error handling as every other query.
 */
export async function preparedQuery<T>(dataSource: DataSource, sql: string, params: unknown[]): Promise<T[]> {
  let name = names.get(sql);
  if (name === undefined) {
    name = `q_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
    names.set(sql, name);
  }
  const pool = (dataSource.driver as PostgresDriver).master as Pool;
  const result = await pool.query<T & object>({ name, text: sql, values: params });
  return result.rows;
}
