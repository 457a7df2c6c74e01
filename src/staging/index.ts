import { listValue, type DuckDBConnection } from '@duckdb/node-api';
import { InputError } from '../errors.ts';
import { queryOne, queryRows } from '../db/query.ts';
import { sqlFile } from '../db/sqlFile.ts';
import type { ColumnMapping } from '../ingest/columns.ts';
import { dropSourceLines } from '../ingest/canonical.ts';
import type { DataQuality, RowCounts } from '../publish/manifest.ts';
import { DATE_FORMATS, NON_PRODUCT_CODES, NON_PRODUCT_PREFIXES } from '../rules/cleaning.ts';

/** The observation window and how every input row was accounted for. */
export interface StagedLines {
  /** The as-of date, YYYY-MM-DD (the window closes at its end). */
  asOf: string;
  rows: RowCounts;
  dataQuality: Omit<DataQuality, 'countries' | 'customers_only_returns' | 'orders'>;
}

/**
 * Types and cleans the source lines (`stg_lines`), closes the window at the
 * as-of date (`int_lines`) and collects every unused row (`stg_rejects`).
 * The as-of date defaults to the date of the latest usable line.
 */
export async function stageLines(
  connection: DuckDBConnection,
  input: { mapping: ColumnMapping; rowsRead: number; path: string },
  options: { asOf?: string },
): Promise<StagedLines> {
  await connection.run(sqlFile('staging/stg_lines'), {
    has_order_id: input.mapping.order_id !== undefined,
    has_quantity: input.mapping.quantity !== undefined,
    non_product_codes: listValue(NON_PRODUCT_CODES.map((c) => c.toUpperCase())),
    non_product_pattern: `^(${NON_PRODUCT_PREFIXES.map((p) => escapeRegex(p.toLowerCase())).join('|')})`,
    date_formats: listValue([...DATE_FORMATS]),
    as_of: options.asOf ?? '',
  });
  // stg_lines keeps the original text of every row the rejects can list; the
  // raw input is the largest table of the run and nothing else reads it.
  await dropSourceLines(connection);

  let asOf = options.asOf;
  if (asOf === undefined) {
    const { last } = await queryOne<{ last: string | null }>(
      connection,
      "SELECT strftime(max(order_date), '%Y-%m-%d') AS last FROM stg_lines WHERE reject_reason IS NULL",
    );
    if (last === null) throw new InputError(`${input.path}: no usable purchase line: ${await reasonSummary(connection, 'stg_lines')}`);
    asOf = last;
  }
  await connection.run(sqlFile('intermediate/int_window'), { as_of: asOf });
  await connection.run(sqlFile('intermediate/int_orphan_returns'));
  await connection.run(sqlFile('intermediate/int_lines'));
  await connection.run(sqlFile('staging/stg_rejects'));

  const counts = await queryRows<{ reason: string; n: number }>(
    connection,
    'SELECT reason, count(*)::INTEGER AS n FROM stg_rejects GROUP BY reason ORDER BY reason',
  );
  const rejectedByReason: Record<string, number> = {};
  let outOfWindow = 0;
  for (const { reason, n } of counts) {
    if (reason === 'out_of_window') outOfWindow = n;
    else rejectedByReason[reason] = n;
  }
  const rejected = Object.values(rejectedByReason).reduce((a, b) => a + b, 0);
  const quality = await queryOne<{
    used: number;
    return_lines: number;
    returns_value_share: number | null;
    first: string | null;
    last: string | null;
    currencies: string[] | null;
  }>(
    connection,
    `SELECT
       count(*)::INTEGER AS used,
       count(*) FILTER (WHERE is_return)::INTEGER AS return_lines,
       sum(line_value) FILTER (WHERE is_return) / nullif(sum(line_value) FILTER (WHERE NOT is_return), 0) AS returns_value_share,
       strftime(min(order_date), '%Y-%m-%d') AS first,
       strftime(max(order_date), '%Y-%m-%d') AS last,
       -- distinct first: a list of every line's currency would hold 10M strings in memory
       list_sort(list(DISTINCT currency) FILTER (WHERE currency IS NOT NULL)) AS currencies
     FROM int_lines WHERE status = 'used'`,
  );
  const rows: RowCounts = {
    read: input.rowsRead,
    used: quality.used,
    out_of_window: outOfWindow,
    rejected,
    rejected_by_reason: rejectedByReason,
  };
  if (rows.read !== rows.used + rows.out_of_window + rows.rejected) {
    throw new Error(`row counts do not add up: read ${rows.read} ≠ used ${rows.used} + out_of_window ${rows.out_of_window} + rejected ${rows.rejected}`);
  }
  if (rows.used === 0) {
    throw new InputError(`${input.path}: no usable purchase line up to the as-of date ${asOf}: ${await reasonSummary(connection, 'int_lines')}`);
  }
  return {
    asOf,
    rows,
    dataQuality: {
      duplicates_removed: rejectedByReason.duplicate_line ?? 0,
      return_lines: quality.return_lines,
      returns_value_share: quality.returns_value_share ?? 0,
      date_range: { first: quality.first, last: quality.last },
      currencies: quality.currencies ?? [],
    },
  };
}

/** "1,200 rows: missing_customer_id 1,000, invalid_price 200" — why nothing could be used. */
async function reasonSummary(connection: DuckDBConnection, table: 'stg_lines' | 'int_lines'): Promise<string> {
  const column = table === 'stg_lines' ? 'reject_reason' : "coalesce(reject_reason, status)";
  const rows = await queryRows<{ reason: string | null; n: number }>(
    connection,
    `SELECT ${column} AS reason, count(*)::INTEGER AS n FROM ${table} GROUP BY 1 ORDER BY n DESC, reason LIMIT 4`,
  );
  const malformed = await queryOne<{ n: number }>(connection, 'SELECT count(*)::INTEGER AS n FROM raw_malformed');
  const parts = rows.map((r) => `${r.reason ?? 'usable'} ${r.n}`);
  if (malformed.n > 0) parts.push(`malformed_row ${malformed.n}`);
  return `rows by reason: ${parts.join(', ')}`;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Drops the line-level tables (`int_lines`, `stg_lines`, `int_orders` and
 * their helpers), the largest tables of a run, when publish starts: it
 * writes one row per customer. `stg_rejects` stays for publish.
 */
export async function releaseStagedLines(connection: DuckDBConnection): Promise<void> {
  await connection.run(
    'DROP VIEW IF EXISTS int_lines; DROP TABLE IF EXISTS int_orphan_returns; DROP TABLE IF EXISTS int_window; DROP TABLE IF EXISTS int_orders; DROP TABLE IF EXISTS stg_lines',
  );
}
