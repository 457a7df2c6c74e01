import type { DuckDBConnection } from '@duckdb/node-api';
import { queryValue } from '../db/query.ts';
import { quoteIdentifier } from '../db/quote.ts';
import { CANONICAL_COLUMNS, type ColumnMapping } from './columns.ts';

/**
 * Builds `src_lines`: one row per parsed input row with the canonical columns
 * (still text), the row's number in the file and its rank among exact
 * duplicates. This is the only SQL built from names found in the file, and
 * every one of them goes through {@link quoteIdentifier}.
 *
 * `src_lines` is a view over `raw_input`, so the text is held once. Beside it:
 * `src_duplicates(row_index, dup_rank)` holds only the rows that repeat an
 * earlier row (rank > 1), and `src_line_numbers(row_index, line)` maps rows
 * to record numbers when the CSV had malformed records.
 *
 * `row_number` is the record's number in the file counting the header as 1 —
 * the line an editor shows unless quoted fields hold line breaks. For Parquet
 * and JSON it is the 1-based record index.
 */
export async function createSourceLines(
  connection: DuckDBConnection,
  sourceColumns: readonly string[],
  mapping: ColumnMapping,
  options: { headerLines: number; malformedRows: number; rowIndex?: 'rowid' | 'file_row_number'; rowHash?: string },
): Promise<void> {
  const rowIndex = options.rowIndex ?? 'rowid';
  const headerLines = options.headerLines;
  if (!Number.isInteger(headerLines) || headerLines < 0) throw new Error(`headerLines must be a non-negative integer, got ${headerLines}`);
  const select = CANONICAL_COLUMNS.map((canonical) => {
    const source = mapping[canonical];
    return source === undefined ? `NULL::VARCHAR AS ${canonical}_raw` : `r.${quoteIdentifier(source)} AS ${canonical}_raw`;
  });

  // Exact duplicates compare every column of the file, not only the mapped
  // ones: rows with the same hash of all columns, customer and order (so a
  // hash collision would also need the same customer and order). Most rows
  // are unique, so only the rows whose hash occurs more than once are ranked;
  // everyone else has rank 1 and is not stored.
  await connection.run('CREATE OR REPLACE TABLE src_duplicates (row_index BIGINT, dup_rank BIGINT)');
  if (mapping.order_id) {
    // The CSV loader stores the hash while parsing (options.rowHash); other
    // formats compute the same value here.
    const rowHash = options.rowHash !== undefined ? quoteIdentifier(options.rowHash) : `hash(${sourceColumns.map(quoteIdentifier).join(', ')})`;
    const customer = mapping.customer_id ? quoteIdentifier(mapping.customer_id) : 'NULL';
    const order = quoteIdentifier(mapping.order_id);
    await connection.run(
      `INSERT INTO src_duplicates
       WITH repeated AS (
         SELECT ${rowHash} AS row_hash FROM raw_input GROUP BY row_hash HAVING count(*) > 1
       ),
       ranked AS (
         SELECT ${rowIndex} AS row_index, row_number() OVER (PARTITION BY ${rowHash}, ${customer}, ${order} ORDER BY ${rowIndex}) AS dup_rank
         FROM raw_input
         WHERE ${rowHash} IN (SELECT row_hash FROM repeated)
       )
       SELECT row_index, dup_rank FROM ranked WHERE dup_rank > 1 ORDER BY row_index`,
    );
  }

  // Without malformed records the n-th parsed row is record n (+ header). With
  // them, the n-th parsed row sits on the n-th record number that is not malformed.
  await connection.run('DROP TABLE IF EXISTS src_line_numbers');
  let rowNumber: string;
  let lineJoin = '';
  if (options.malformedRows === 0) {
    // A view cannot take parameters; the header line count is an integer checked above.
    rowNumber = `r.${rowIndex} + ${headerLines + 1}`;
  } else {
    await connection.run(
      `CREATE TABLE src_line_numbers AS
       SELECT row_number() OVER (ORDER BY line) - 1 AS row_index, line
       FROM range($header + 1, $header + 1 + (SELECT count(*) FROM raw_input) + (SELECT count(*) FROM raw_malformed)) AS t(line)
       ANTI JOIN raw_malformed USING (line)`,
      { header: headerLines },
    );
    rowNumber = 'n.line';
    lineJoin = `JOIN src_line_numbers n ON n.row_index = r.${rowIndex}`;
  }
  await connection.run(
    `CREATE OR REPLACE VIEW src_lines AS
     SELECT
       ${rowNumber} AS row_number,
       ${select.join(',\n       ')},
       coalesce(d.dup_rank, 1) AS dup_rank
     FROM raw_input r
     ${lineJoin}
     LEFT JOIN src_duplicates d ON d.row_index = r.${rowIndex}`,
  );
}

/**
 * Drops the raw text (`raw_input`, `src_lines` and their helpers) once the
 * rejects have been collected: nothing after staging reads it, and at 10M
 * lines it is the largest table of the run.
 */
export async function dropSourceLines(connection: DuckDBConnection): Promise<void> {
  const rawIsView = (await queryValue<number>(connection, "SELECT count(*)::INTEGER FROM duckdb_views() WHERE view_name = 'raw_input'")) > 0;
  await connection.run(
    `DROP VIEW IF EXISTS src_lines; DROP TABLE IF EXISTS src_duplicates; DROP TABLE IF EXISTS src_line_numbers; DROP ${rawIsView ? 'VIEW' : 'TABLE'} IF EXISTS raw_input`,
  );
}
