/**
 * Suppression lists: customers who objected to direct marketing (or are
 * otherwise not to be contacted) and must never appear in an audience file.
 *
 * Two shapes are read:
 * - one customer id per line (blank lines ignored; a first line reading
 *   `customer_id` is taken as a header);
 * - a CSV (delimiter `,` `;` tab or `|`) with a `customer_id` column, found
 *   ignoring case, spaces and underscores (`CustomerID`, `Customer ID`).
 *
 * Ids are cleaned the way the run cleaned them (trimmed, `17850.0` → `17850`,
 * as spreadsheets write numeric ids), and the apostrophe a segmenta CSV puts
 * in front of `=`, `+`, `@` and of a non-numeric `-` is taken off again, so a
 * list that went through a segmenta CSV still matches.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { createTableFromColumns } from '../db/append.ts';
import { queryRows, queryValue } from '../db/query.ts';
import { quoteIdentifier } from '../db/quote.ts';
import { InputError, show } from '../errors.ts';

/** What was read from a suppression file. */
export interface SuppressionList {
  /** The file as given. */
  path: string;
  /** sha256 of the file, for the export manifest. */
  sha256: string;
  shape: 'lines' | 'csv';
  /** Distinct non-empty ids on the list. */
  ids: number;
}

const DELIMITERS = [',', ';', '\t', '|'] as const;

/** Compares header names loosely: `Customer ID`, `customerid`, `CUSTOMER_ID`. */
function foldHeader(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

const ID_HEADER = 'customerid';

/**
 * Reads a suppression file into `table` (one column `customer_id`, distinct,
 * cleaned as the run cleans ids).
 *
 * @throws {InputError} when the file is missing, or is a CSV without a customer_id column.
 */
export async function loadSuppressionList(connection: DuckDBConnection, path: string, table: string): Promise<SuppressionList> {
  if (!existsSync(path) || statSync(path).isDirectory()) throw new InputError(`--suppress ${show(path)}: no such file`);
  // Read once: the list may come through a pipe (`--suppress <(query)`), which cannot be read twice.
  const bytes = readFileSync(path);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  const lines = text.split(/\r?\n/);
  const firstIndex = lines.findIndex((line) => line.trim() !== '');
  const first = firstIndex >= 0 ? lines[firstIndex] : '';
  const delimiter = DELIMITERS.find((d) => first.includes(d));
  const raw = 'export_suppress_raw';
  let shape: SuppressionList['shape'];
  if (delimiter === undefined) {
    shape = 'lines';
    const body = foldHeader(first) === ID_HEADER ? lines.slice(firstIndex + 1) : lines;
    await createTableFromColumns(connection, raw, [{ name: 'id', type: 'VARCHAR', values: body.filter((line) => line.trim() !== '') }]);
  } else {
    shape = 'csv';
    await withRegularFile(path, bytes, (file) => loadCsvColumn(connection, file, path, delimiter, raw));
  }
  await connection.run(
    `CREATE OR REPLACE TEMP TABLE ${quoteIdentifier(table)} AS
     SELECT DISTINCT customer_id FROM (
       SELECT nullif(regexp_replace(trim(CASE WHEN regexp_matches(id, '^''[=+@]') OR (regexp_matches(id, '^''-') AND try_cast(substr(id, 2) AS DOUBLE) IS NULL) THEN substr(id, 2) ELSE id END), '^(\\d+)\\.0+$', '\\1'), '') AS customer_id
       FROM ${quoteIdentifier(raw)}
     ) WHERE customer_id IS NOT NULL`,
  );
  await connection.run(`DROP TABLE IF EXISTS ${quoteIdentifier(raw)}`);
  const ids = Number(await queryValue<bigint>(connection, `SELECT count(*) FROM ${quoteIdentifier(table)}`));
  return { path, sha256, shape, ids };
}

/**
 * Runs `work` on `path` when it is a regular file, else on a private
 * temporary copy of `bytes` (DuckDB reads a CSV more than once), removed after.
 */
async function withRegularFile<T>(path: string, bytes: Buffer, work: (file: string) => Promise<T>): Promise<T> {
  if (statSync(path).isFile()) return work(path);
  const dir = mkdtempSync(join(tmpdir(), 'segmenta-suppress-'));
  const copy = join(dir, 'list.csv');
  try {
    writeFileSync(copy, bytes, { mode: 0o600 });
    return await work(copy);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Loads the customer_id column of a CSV (quoted fields and all) into `raw` (column `id`); `given` is the path for messages. */
async function loadCsvColumn(connection: DuckDBConnection, path: string, given: string, delimiter: string, raw: string): Promise<void> {
  const params = { path, delim: delimiter };
  const source = 'read_csv($path, header = true, all_varchar = true, delim = $delim, quote = \'"\', escape = \'"\')';
  let names: string[];
  try {
    names = (await queryRows<{ column_name: string }>(connection, `SELECT column_name FROM (DESCRIBE SELECT * FROM ${source})`, params)).map((r) => r.column_name);
  } catch (error) {
    throw new InputError(`--suppress ${show(given)}: cannot read it as CSV (${(error as Error).message.split('\n')[0]})`, { cause: error });
  }
  const column = names.find((name) => foldHeader(name) === ID_HEADER);
  if (column === undefined) {
    throw new InputError(`--suppress ${show(given)}: a CSV needs a customer_id column (or one id per line); found columns: ${names.join(', ')}`);
  }
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdentifier(raw)} AS SELECT ${quoteIdentifier(column)} AS id FROM ${source}`, params);
}
