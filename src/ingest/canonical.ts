import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdentifier } from '../db/quote.ts';
import { CANONICAL_COLUMNS, type ColumnMapping } from './columns.ts';

/**
 * Builds `src_lines`: one row per parsed input row with the canonical columns
 * (still text), the row's number in the file and its rank among exact
 * duplicates. This is the only SQL built from names found in the file, and
 * every one of them goes through {@link quoteIdentifier}.
 *
 * `row_number` is the record's number in the file counting the header as 1 —
 * the line an editor shows unless quoted fields hold line breaks. For Parquet
 * and JSON it is the 1-based record index.
 */
export async function createSourceLines(
  connection: DuckDBConnection,
  sourceColumns: readonly string[],
  mapping: ColumnMapping,
  options: { headerLines: number; malformedRows: number },
): Promise<void> {
  const select = CANONICAL_COLUMNS.map((canonical) => {
    const source = mapping[canonical];
    return source === undefined ? `NULL::VARCHAR AS ${canonical}_raw` : `${quoteIdentifier(source)} AS ${canonical}_raw`;
  });
  // Exact duplicates compare every column of the file, not only the mapped
  // ones. Partitioning by a hash of all columns (plus customer and order, so a
  // hash collision would also need the same customer and order) is much
  // cheaper than partitioning by every text column.
  const everyColumn = sourceColumns.map(quoteIdentifier).join(', ');
  const customer = mapping.customer_id ? quoteIdentifier(mapping.customer_id) : 'NULL';
  const order = mapping.order_id ? quoteIdentifier(mapping.order_id) : 'NULL';
  const dupRank = mapping.order_id
    ? `row_number() OVER (PARTITION BY hash(${everyColumn}), ${customer}, ${order} ORDER BY rowid)`
    : '1';
  // Without malformed records the n-th parsed row is record n (+ header). With
  // them, the n-th parsed row sits on the n-th record number that is not malformed.
  const rowNumber =
    options.malformedRows === 0
      ? 'rowid + $header + 1'
      : `(SELECT line FROM good_lines g WHERE g.row_index = raw_input.rowid)`;
  const goodLines =
    options.malformedRows === 0
      ? ''
      : `WITH good_lines AS (
           SELECT row_number() OVER (ORDER BY line) - 1 AS row_index, line
           FROM range($header + 1, $header + 1 + (SELECT count(*) FROM raw_input) + (SELECT count(*) FROM raw_malformed)) AS t(line)
           ANTI JOIN raw_malformed USING (line)
         )`;
  await connection.run(
    `CREATE OR REPLACE TABLE src_lines AS
     ${goodLines}
     SELECT
       ${rowNumber} AS row_number,
       ${select.join(',\n       ')},
       ${dupRank} AS dup_rank
     FROM raw_input`,
    { header: options.headerLines },
  );
}
