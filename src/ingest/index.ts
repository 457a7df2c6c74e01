import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlFile } from '../db/sqlFile.ts';
import { createSourceLines } from './canonical.ts';
import { parseColumnMap, resolveColumns, type ColumnMapping } from './columns.ts';
import { detectInputFormat, type InputFormat } from './format.ts';
import { loadRawInput, type CsvOptions } from './load.ts';

/** Where the input came from and how it was read. */
export interface IngestedInput {
  path: string;
  sha256: string;
  bytes: number;
  format: InputFormat;
  /** Source columns in file order. */
  sourceColumns: string[];
  /** Canonical column → source column. */
  mapping: ColumnMapping;
  /** Records read: parsed rows + malformed records. */
  rowsRead: number;
  malformedRows: number;
}

/** Options of {@link ingest}. */
export interface IngestOptions extends CsvOptions {
  /** `--map canonical=Source,...` */
  map?: string;
}

/**
 * Reads the input file into DuckDB: `raw_input` (all text; a view of a
 * Parquet file), `raw_malformed` and `src_lines` (canonical columns, row
 * numbers, duplicate ranks).
 */
export async function ingest(connection: DuckDBConnection, path: string, options: IngestOptions = {}): Promise<IngestedInput> {
  const format = detectInputFormat(path);
  const explicit = parseColumnMap(options.map);
  const [sha256, raw] = await Promise.all([sha256File(path), loadRawInput(connection, path, format, options, undefined, { parquetView: true, rowHash: true })]);
  const mapping = resolveColumns(path, raw.columns, explicit);
  await connection.run(sqlFile('macros'));
  await createSourceLines(connection, raw.columns, mapping, {
    headerLines: format === 'csv' && options.header !== false ? 1 : 0,
    malformedRows: raw.malformedRows,
    rowIndex: raw.rowIndex,
    ...(raw.rowHash === undefined ? {} : { rowHash: raw.rowHash }),
  });
  return {
    path: resolve(path),
    sha256,
    bytes: statSync(path).size,
    format,
    sourceColumns: raw.columns,
    mapping,
    rowsRead: raw.parsedRows + raw.malformedRows,
    malformedRows: raw.malformedRows,
  };
}

/** The sha256 of a file, streamed. */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolvePromise(hash.digest('hex')));
  });
}
