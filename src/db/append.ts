import { DOUBLE, INTEGER, VARCHAR, DuckDBDataChunk, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import { rawVector } from './columns.ts';
import { quoteIdentifier } from './quote.ts';

/** A column to load into DuckDB from the process. */
export type AppendColumn =
  | { name: string; type: 'DOUBLE'; values: Float64Array }
  | { name: string; type: 'INTEGER'; values: Int32Array }
  | { name: string; type: 'VARCHAR'; values: readonly string[] };

const CHUNK_ROWS = 2048;

/**
 * Creates `table` and fills it column-wise from typed arrays, one data chunk
 * of 2,048 rows at a time (no per-row objects). NaN becomes NULL.
 */
export async function createTableFromColumns(connection: DuckDBConnection, table: string, columns: AppendColumn[]): Promise<void> {
  const definition = columns.map((c) => `${quoteIdentifier(c.name)} ${c.type}`).join(', ');
  await connection.run(`CREATE OR REPLACE TABLE ${quoteIdentifier(table)} (${definition})`);
  const rows = columns.length === 0 ? 0 : columns[0].values.length;
  if (rows === 0) return;
  const types: DuckDBType[] = columns.map((c) => (c.type === 'DOUBLE' ? DOUBLE : c.type === 'INTEGER' ? INTEGER : VARCHAR));
  const appender = await connection.createAppender(table);
  try {
    for (let start = 0; start < rows; start += CHUNK_ROWS) {
      const count = Math.min(CHUNK_ROWS, rows - start);
      const chunk = DuckDBDataChunk.create(types, count);
      columns.forEach((column, c) => {
        if (column.type !== 'VARCHAR' && setTypedColumn(chunk, c, column.values, start, count)) return;
        const values: (number | string | null)[] = new Array(count);
        for (let i = 0; i < count; i += 1) {
          const value = column.values[start + i];
          values[i] = typeof value === 'number' && Number.isNaN(value) ? null : value;
        }
        chunk.setColumnValues(c, values);
      });
      appender.appendDataChunk(chunk);
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

/**
 * Fills column `c` of a fresh chunk straight from a typed array: one copy into
 * the vector's own typed array, then NULL only for NaN rows. `setColumnValues`
 * would box every value and test a BigInt validity bit per row. Returns false
 * (and writes nothing) when the vector is not laid out as expected, so the
 * caller takes the generic path.
 */
function setTypedColumn(chunk: DuckDBDataChunk, c: number, values: Float64Array | Int32Array, start: number, count: number): boolean {
  const vector = chunk.getColumnVector(c);
  const raw = rawVector(vector, count);
  // A fresh chunk has no validity words (every row valid); anything else takes the generic path.
  if (!raw || raw.invalid !== null || raw.items.length !== count) return false;
  const block = values.subarray(start, start + count);
  if (values instanceof Float64Array ? !(raw.items instanceof Float64Array) : !(raw.items instanceof Int32Array)) return false;
  (raw.items as Float64Array | Int32Array).set(block);
  if (block instanceof Float64Array) {
    for (let i = 0; i < count; i += 1) if (Number.isNaN(block[i])) vector.setItem(i, null);
  }
  vector.flush();
  return true;
}
