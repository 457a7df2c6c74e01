import type { DuckDBConnection } from '@duckdb/node-api';
import type { SqlParams } from './database.ts';

/** Runs a statement (or several, separated by `;` when there are no parameters). */
export async function execute(connection: DuckDBConnection, sql: string, params?: SqlParams): Promise<void> {
  await connection.run(sql, params);
}

/** Reads a small result as plain JSON-able row objects (BIGINT → number, dates → ISO text). */
export async function queryRows<T = Record<string, unknown>>(
  connection: DuckDBConnection,
  sql: string,
  params?: SqlParams,
): Promise<T[]> {
  const reader = await connection.runAndReadAll(sql, params);
  return reader.getRowObjectsJS() as T[];
}

/** Reads the single row of a small result. */
export async function queryOne<T = Record<string, unknown>>(
  connection: DuckDBConnection,
  sql: string,
  params?: SqlParams,
): Promise<T> {
  const rows = await queryRows<T>(connection, sql, params);
  if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}: ${sql.slice(0, 80)}`);
  return rows[0];
}

/** Reads the first column of the first row. */
export async function queryValue<T = unknown>(connection: DuckDBConnection, sql: string, params?: SqlParams): Promise<T> {
  const row = await queryOne<Record<string, unknown>>(connection, sql, params);
  return Object.values(row)[0] as T;
}
