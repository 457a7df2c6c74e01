import type { DuckDBConnection } from '@duckdb/node-api';
import { InputError, show } from '../errors.ts';
import { queryRows, queryValue } from '../db/query.ts';
import { resolve } from 'node:path';
import { quoteIdentifier, quoteLiteral } from '../db/quote.ts';
import type { InputFormat } from './format.ts';

/** Options for reading a CSV file. */
export interface CsvOptions {
  /** Field delimiter; sniffed when omitted. `whitespace` splits on runs of spaces and tabs (legacy exports, CDNOW). */
  delimiter?: string;
  /** Whether the first line is a header (default true). */
  header?: boolean;
  /** Text encoding: utf-8 (default), utf-16 or latin-1. */
  encoding?: string;
}

/** What landed in `raw_input` (all VARCHAR, in file order) and `raw_malformed`. */
export interface RawLoad {
  /** Source column names, in file order. */
  columns: string[];
  /** Rows parsed into columns. */
  parsedRows: number;
  /** Records the CSV reader could not split into the header's columns. */
  malformedRows: number;
  /** The column of `raw` holding each row's 0-based index in the file: `rowid` of a table, `file_row_number` of a Parquet view. */
  rowIndex: 'rowid' | 'file_row_number';
  /** The column of `raw` holding `hash()` of every file column, when {@link RawLoadOptions.rowHash} asked for it and the format computes it while reading. */
  rowHash?: string;
}

/** Options of {@link loadRawInput} beyond the CSV dialect. */
export interface RawLoadOptions {
  /**
   * Read a Parquet file through a view instead of copying it: Parquet is
   * already columnar and compressed, so the few scans of the raw text read the
   * file again instead of holding every value as text in memory (1.4 GB at
   * 10M lines). The file must stay in place while the tables are built.
   */
  parquetView?: boolean;
  /**
   * Add a last column holding `hash()` of every file column, computed while
   * the CSV is parsed (CSV only). Exact-duplicate detection then groups 8-byte
   * hashes instead of hashing every text column again in two more scans.
   */
  rowHash?: boolean;
}

/**
 * The tables {@link loadRawInput} fills. The transactions use the defaults;
 * a second file of the same run (the customer master) loads beside them
 * under other names.
 */
export interface RawTables {
  /** The file's columns as VARCHAR, in file order. Default `raw_input`. */
  raw: string;
  /** `(line, error)` of CSV records with the wrong number of fields. Default `raw_malformed`. */
  malformed: string;
}

const DEFAULT_TABLES: RawTables = { raw: 'raw_input', malformed: 'raw_malformed' };

/**
 * Loads the input file into DuckDB as text, so no value is lost or guessed at
 * this point: `customer_id` `007` stays `007`, and a value that cannot be read
 * as its type is rejected later with its row number instead of failing the load.
 *
 * Creates `raw_input` (the file's columns as VARCHAR, insertion order = file
 * order) and `raw_malformed(line, error)` for CSV records with the wrong number
 * of fields — or the tables named in `tables`. With `options.rowHash` a CSV
 * file's table has one more, last column: the hash of the row's fields.
 */
export async function loadRawInput(
  connection: DuckDBConnection,
  path: string,
  format: InputFormat,
  csv: CsvOptions = {},
  tables: RawTables = DEFAULT_TABLES,
  options: RawLoadOptions = {},
): Promise<RawLoad> {
  const raw = quoteIdentifier(tables.raw);
  const malformed = quoteIdentifier(tables.malformed);
  let rowIndex: RawLoad['rowIndex'] = 'rowid';
  let rowHash = false;
  await connection.run(`CREATE OR REPLACE TABLE ${malformed} (line BIGINT, error VARCHAR)`);
  try {
    if (format === 'csv') {
      rowHash = (await loadCsv(connection, path, csv, tables, options.rowHash === true)) === 'hashed';
    } else if (format === 'parquet') {
      if (options.parquetView && (await createParquetView(connection, path, tables.raw))) {
        rowIndex = 'file_row_number';
      } else {
        await connection.run(`CREATE OR REPLACE TABLE ${raw} AS SELECT COLUMNS(*)::VARCHAR FROM read_parquet($path)`, { path });
      }
    } else {
      await connection.run(
        `CREATE OR REPLACE TABLE ${raw} AS SELECT COLUMNS(*)::VARCHAR FROM read_json($path, format = 'auto', sample_size = -1)`,
        { path },
      );
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    if (/Out of Memory Error/i.test(String((error as Error)?.message))) throw error;
    throw new InputError(`${path}: cannot be read as ${format.toUpperCase()}: ${firstLine(error)}`, { cause: error });
  }
  const tableColumns = (
    await queryRows<{ name: string }>(connection, 'SELECT column_name AS name FROM duckdb_columns() WHERE table_name = $table ORDER BY column_index', {
      table: tables.raw,
    })
  ).map((r) => r.name);
  // The hash is the last column; DuckDB renames it if the file has a column of the same name.
  const hashColumn = rowHash ? tableColumns.pop() : undefined;
  const columns = tableColumns.filter((name) => rowIndex === 'rowid' || name !== rowIndex);
  const parsedRows = Number(await queryValue(connection, `SELECT count(*) FROM ${raw}`));
  const malformedRows = Number(await queryValue(connection, `SELECT count(*) FROM ${malformed}`));
  if (parsedRows + malformedRows === 0) {
    throw new InputError(`${path}: no data rows (only a header was found: ${columns.map((c) => show(c)).join(', ')})`);
  }
  return { columns, parsedRows, malformedRows, rowIndex, ...(hashColumn === undefined ? {} : { rowHash: hashColumn }) };
}

/**
 * Creates `raw` as a view reading the Parquet file with every column as text
 * plus its `file_row_number`. False (nothing created) when the file has a
 * column of that name itself; the caller copies the file into a table then.
 */
async function createParquetView(connection: DuckDBConnection, path: string, name: string): Promise<boolean> {
  const fileColumns = await queryRows<{ name: string }>(connection, 'SELECT column_name AS name FROM (DESCRIBE SELECT * FROM read_parquet($path))', { path });
  if (fileColumns.some((c) => c.name.toLowerCase() === 'file_row_number')) return false;
  // A view cannot take parameters: the path goes in as a quoted literal (src/db/quote.ts).
  await connection.run(
    `CREATE OR REPLACE VIEW ${quoteIdentifier(name)} AS
     SELECT COLUMNS(* EXCLUDE (file_row_number))::VARCHAR, file_row_number
     FROM read_parquet(${quoteLiteral(resolve(path))}, file_row_number = true)`,
  );
  return true;
}

/** Loads a CSV file into `tables.raw`; `hashed` when the row hash column was added (last). */
async function loadCsv(connection: DuckDBConnection, path: string, csv: CsvOptions, tables: RawTables, rowHash: boolean): Promise<'hashed' | 'plain'> {
  if (csv.delimiter === 'whitespace') {
    await loadWhitespaceSeparated(connection, path, csv, tables);
    return 'plain';
  }
  const raw = quoteIdentifier(tables.raw);
  // RFC 4180 quoting is fixed; the delimiter is sniffed unless given. Every
  // field is read as text; records with a wrong field count are kept aside
  // (store_rejects) so they can be reported with their line instead of
  // aborting the whole file.
  const options = [
    'all_varchar = true',
    `header = ${csv.header === false ? 'false' : 'true'}`,
    "quote = '\"'",
    "escape = '\"'",
    'store_rejects = true',
    "rejects_table = 'csv_reject_errors'",
    "rejects_scan = 'csv_reject_scans'",
    'null_padding = false',
    'sample_size = 20480',
  ];
  const params: Record<string, string> = { path };
  if (csv.delimiter !== undefined) {
    options.push('delim = $delim');
    params.delim = csv.delimiter;
  }
  if (csv.encoding !== undefined) {
    options.push('encoding = $encoding');
    params.encoding = csv.encoding;
  }
  // *COLUMNS(*) passes every file column to hash(), in file order: the same value as hash("a", "b", ...).
  const hash = rowHash ? ', hash(*COLUMNS(*)) AS segmenta_row_hash' : '';
  await connection.run(`CREATE OR REPLACE TABLE ${raw} AS SELECT *${hash} FROM read_csv($path, ${options.join(', ')})`, params);
  await connection.run(
    `INSERT INTO ${quoteIdentifier(tables.malformed)}
     SELECT line, string_agg(DISTINCT error_type, '; ' ORDER BY error_type)
     FROM csv_reject_errors GROUP BY line ORDER BY line`,
  );
  await connection.run('DROP TABLE IF EXISTS csv_reject_errors; DROP TABLE IF EXISTS csv_reject_scans');
  // A file whose header could not be split (e.g. a binary file) reads as one column.
  const columns = await queryRows<{ name: string }>(connection, 'SELECT column_name AS name FROM duckdb_columns() WHERE table_name = $table', { table: tables.raw });
  if (columns.length === (rowHash ? 1 : 0)) throw new InputError(`${path}: no columns found, expected a header line`);
  for (const { name } of columns) {
    if (name.includes('\ufffd')) throw new InputError(`${path}: the header is not valid UTF-8 text; give the file's encoding with --encoding latin-1`);
  }
  return rowHash ? 'hashed' : 'plain';
}

/**
 * Reads a file whose fields are separated by runs of spaces or tabs (column
 * printouts of legacy systems, the CDNOW sample): each line is read whole and
 * split in SQL. Lines with a different number of fields than the first go to
 * `raw_malformed`. Fields cannot contain spaces in this format.
 */
async function loadWhitespaceSeparated(connection: DuckDBConnection, path: string, csv: CsvOptions, tables: RawTables): Promise<void> {
  await connection.run(
    `CREATE OR REPLACE TEMP TABLE raw_lines AS
     SELECT row_number() OVER () AS line, string_split_regex(trim(line_text), '\\s+') AS fields
     FROM read_csv($path, columns = {'line_text': 'VARCHAR'}, header = false, delim = '\\x01', quote = '', escape = '', auto_detect = false)
     WHERE trim(line_text) <> ''`,
    { path },
  );
  const [first] = await queryRows<{ fields: string[] }>(connection, 'SELECT fields FROM raw_lines ORDER BY line LIMIT 1');
  if (!first) throw new InputError(`${path}: no data rows`);
  const width = first.fields.length;
  const names = csv.header === false ? first.fields.map((_, i) => `column${i}`) : first.fields;
  const select = names.map((name, i) => `fields[${i + 1}] AS ${quoteIdentifier(name)}`).join(', ');
  const skip = csv.header === false ? 0 : 1;
  await connection.run(
    `CREATE OR REPLACE TABLE ${quoteIdentifier(tables.raw)} AS SELECT ${select} FROM raw_lines WHERE line > ${skip} AND len(fields) = ${width} ORDER BY line`,
  );
  await connection.run(
    `INSERT INTO ${quoteIdentifier(tables.malformed)} SELECT line, 'WRONG NUMBER OF FIELDS' FROM raw_lines WHERE line > ${skip} AND len(fields) <> ${width} ORDER BY line`,
  );
  await connection.run('DROP TABLE raw_lines');
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0];
}
