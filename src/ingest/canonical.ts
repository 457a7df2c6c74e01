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
  // Exact duplicates compare every column of the file, not only the mapped ones.
  const everyColumn = sourceColumns.map(quoteIdentifier).join(', ');
  // Without malformed records the n-th parsed row is record n (+ header). With
  // them, the n-th parsed row sits on the n-th record number that is not malformed.
  const rowNumbers =
    options.malformedRows === 0
      ? `SELECT rowid AS row_index, rowid + $header + 1 AS row_number FROM raw_input`
      : `SELECT row_number() OVER (ORDER BY line) - 1 AS row_index, line AS row_number
         FROM range($header + 1, $header + 1 + (SELECT count(*) FROM raw_input) + (SELECT count(*) FROM raw_malformed)) AS t(line)
         ANTI JOIN raw_malformed USING (line)`;
  await connection.run(
    `CREATE OR REPLACE TABLE src_lines AS
     WITH numbered AS (
       SELECT rowid AS row_index, * FROM raw_input
     ),
     row_numbers AS (
       ${rowNumbers}
     )
     SELECT
       r.row_number,
       ${select.join(',\n       ')},
       row_number() OVER (PARTITION BY ${everyColumn} ORDER BY n.row_index) AS dup_rank
     FROM numbered n
     JOIN row_numbers r USING (row_index)
     ORDER BY r.row_number`,
    { header: options.headerLines },
  );
}
