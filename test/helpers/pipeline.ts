import type { DuckDBConnection } from '@duckdb/node-api';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { ingest, type IngestOptions } from '../../src/ingest/index.ts';
import { stageLines } from '../../src/staging/index.ts';
import { buildCustomerFeatures } from '../../src/features/build.ts';
import { queryRows } from '../../src/db/query.ts';
import { DEFAULT_LIFECYCLE } from '../../src/rules/lifecycle.ts';

/** Runs ingest → staging → features on a file in a fresh in-memory DuckDB. */
export async function stageFile(path: string, options: IngestOptions & { asOf?: string } = {}) {
  const db: Database = await openDatabase();
  const input = await ingest(db.connection, path, options);
  const staged = await stageLines(db.connection, input, { asOf: options.asOf });
  const features = await buildCustomerFeatures(db.connection, staged.asOf, DEFAULT_LIFECYCLE);
  return { db, input, staged, features };
}

/** Reads a table's rows as plain objects with BIGINTs as numbers. */
export async function rowsOf(connection: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const rows = await queryRows(connection, sql);
  return rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));
}
