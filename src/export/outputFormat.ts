/**
 * Audience file formats and how DuckDB writes each of them.
 *
 * - `csv`: comma-separated, header line, RFC 4180 quoting; every text cell
 *   neutralised against CSV injection (the `csv_safe` macro, OWASP's rule);
 *   optionally with a UTF-8 byte order mark so Excel reads umlauts right.
 * - `json`: one JSON array of row objects.
 * - `parquet`: zstd-compressed, typed columns.
 * - `arrow`: an Arrow IPC file (Feather v2), typed columns, for pandas,
 *   polars, R and notebooks.
 *
 * JSON, Parquet and Arrow carry values unchanged: they are read by programs, which
 * do not run formulas, and an apostrophe there would corrupt the id.
 */
import { createReadStream, createWriteStream, rmSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdentifier, quoteLiteral } from '../db/quote.ts';
import { InputError, show } from '../errors.ts';
import { copyCsv } from '../publish/publishRun.ts';

/** The formats `--format` accepts. */
export const EXPORT_FORMATS = ['csv', 'json', 'parquet', 'arrow'] as const;
/** An audience file format. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const BY_EXTENSION: Readonly<Record<string, ExportFormat>> = {
  '.csv': 'csv',
  '.txt': 'csv',
  '.json': 'json',
  '.parquet': 'parquet',
  '.pq': 'parquet',
  '.arrow': 'arrow',
  '.feather': 'arrow',
  '.ipc': 'arrow',
};

const COMPRESSED = ['.gz', '.gzip', '.zst', '.bz2', '.xz', '.zip'];

/** The UTF-8 byte order mark. */
export const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * The format from `--format`, else from the `--out` extension, else CSV.
 *
 * @throws {InputError} for an unknown format or a compressed file name (DuckDB would compress by extension; `--bom` and `csv_safe` work on plain text).
 */
export function resolveFormat(flag: string | undefined, out: string): ExportFormat {
  const extension = extname(out).toLowerCase();
  if (COMPRESSED.includes(extension)) {
    throw new InputError(`--out ${show(out)}: compressed output is not supported; write a .csv, .json, .parquet or .arrow file (Parquet is compressed already)`);
  }
  if (flag === undefined) return BY_EXTENSION[extension] ?? 'csv';
  const format = flag.trim().toLowerCase();
  if ((EXPORT_FORMATS as readonly string[]).includes(format)) return format as ExportFormat;
  throw new InputError(`--format ${show(flag)}: expected one of: ${EXPORT_FORMATS.join(', ')}`);
}

/** How to write one query. */
export interface WriteQueryOptions {
  format: ExportFormat;
  /** Where to write (a temporary path; the caller renames it into place). */
  path: string;
  /** Columns of type VARCHAR: neutralised against CSV injection in CSV output. */
  textColumns: readonly string[];
  /** Sort column, for byte-identical files from identical inputs. */
  orderBy: string;
  /** Start a CSV with the UTF-8 byte order mark. */
  bom: boolean;
}

/** Writes `query`'s rows to `options.path` in the chosen format. */
export async function writeQuery(connection: DuckDBConnection, query: string, options: WriteQueryOptions): Promise<void> {
  const orderBy = quoteIdentifier(options.orderBy);
  switch (options.format) {
    case 'csv': {
      if (!options.bom) {
        await copySafeCsv(connection, query, options.textColumns, options.path, orderBy);
        return;
      }
      // DuckDB cannot write a byte order mark: write the body, then BOM + body.
      const body = `${options.path}.body`;
      try {
        await copySafeCsv(connection, query, options.textColumns, body, orderBy);
        writeFileSync(options.path, UTF8_BOM);
        await pipeline(createReadStream(body), createWriteStream(options.path, { flags: 'a' }));
      } finally {
        rmSync(body, { force: true });
      }
      return;
    }
    case 'json':
      await connection.run(`COPY (SELECT * FROM (${query}) ORDER BY ${orderBy}) TO ${quoteLiteral(options.path)} (FORMAT json, ARRAY true)`);
      return;
    case 'parquet':
      await connection.run(`COPY (SELECT * FROM (${query}) ORDER BY ${orderBy}) TO ${quoteLiteral(options.path)} (FORMAT parquet, COMPRESSION zstd)`);
      return;
    case 'arrow': {
      // Loaded on first use, like every format-specific dependency: apache-arrow is a large import.
      const { writeArrowFile } = await import('./arrowFile.ts');
      await writeArrowFile(connection, `SELECT * FROM (${query}) ORDER BY ${orderBy}`, options.path);
      return;
    }
  }
}

/**
 * {@link copyCsv} (the `csv_safe` macro on every text column) with quoted
 * identifiers, plus one rule for text that starts with `+`: `csv_safe` lets
 * `+1` through because it parses as a number, but Excel reads a typed `+1` as
 * the formula `=+1` and shows `1`, so an id `+1` would be both a formula and
 * a changed id. DuckDB never writes a plus sign before a number, so in a text
 * column a leading `+` always came from the data; it gets the apostrophe.
 * `-2` stays as it is: spreadsheets read it as the number it looks like.
 */
async function copySafeCsv(connection: DuckDBConnection, query: string, textColumns: readonly string[], path: string, orderBy: string): Promise<void> {
  if (textColumns.length === 0) {
    await connection.run(`COPY (SELECT * FROM (${query}) ORDER BY ${orderBy}) TO ${quoteLiteral(path)} (FORMAT csv, HEADER true, DELIMITER ',', QUOTE '"')`);
    return;
  }
  const quoted = textColumns.map(quoteIdentifier);
  const plusGuard = quoted.map((c) => `CASE WHEN starts_with(${c}, '+') THEN '''' || ${c} ELSE ${c} END AS ${c}`).join(', ');
  await copyCsv(connection, `SELECT * REPLACE (${plusGuard}) FROM (${query})`, quoted, path, orderBy);
}
