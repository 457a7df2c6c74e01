/**
 * Who moved where between the previous run and this one: the per-customer
 * `previous_segment` columns of customers.csv and the segment × segment
 * matrix of migration.csv, shaped in SQL from `customers_out` and
 * `previous_customers`.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryOne } from '../db/query.ts';
import { sqlFile } from '../db/sqlFile.ts';
import { copyCsv } from '../publish/publishRun.ts';
import type { MigrationSummary } from './types.ts';

/** Text columns of migration.csv (segment names), neutralised against CSV injection. */
const MIGRATION_TEXT_COLUMNS = ['previous_segment', 'segment'];

/** The order of migration.csv: the matrix, then new customers, then customers gone. */
const MIGRATION_ORDER = 'segment_id IS NULL, previous_segment_id IS NULL, previous_segment_id, segment_id';

/**
 * Builds `customer_migration` and `segment_migration`, and adds
 * `previous_segment_id` / `previous_segment` to `customers_out`.
 */
export async function buildMigration(connection: DuckDBConnection): Promise<MigrationSummary> {
  await connection.run(sqlFile('refresh/customer_migration'));
  await connection.run(sqlFile('refresh/segment_migration'));
  await connection.run(sqlFile('refresh/customers_out'));
  return queryOne<MigrationSummary>(
    connection,
    `SELECT
       count(*) FILTER (WHERE previous_segment_id IS NOT NULL AND segment_id IS NOT NULL)::INTEGER AS in_both,
       count(*) FILTER (WHERE previous_segment_id = segment_id)::INTEGER AS stayed,
       count(*) FILTER (WHERE previous_segment_id <> segment_id)::INTEGER AS moved,
       count(*) FILTER (WHERE previous_segment_id IS NULL)::INTEGER AS new_customers,
       count(*) FILTER (WHERE segment_id IS NULL)::INTEGER AS gone_customers
     FROM customer_migration`,
  );
}

/** Writes `segment_migration` as migration.csv. */
export async function writeMigrationCsv(connection: DuckDBConnection, path: string): Promise<void> {
  await copyCsv(connection, 'SELECT * FROM segment_migration', MIGRATION_TEXT_COLUMNS, path, MIGRATION_ORDER);
}
