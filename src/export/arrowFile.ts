/**
 * Writes a query's result as an Arrow IPC file (Feather v2): the format
 * pandas (`read_feather`), polars, R `arrow` and apache-arrow in JavaScript
 * open without parsing, with the column types DuckDB had.
 *
 * Rows never become JS objects: each result chunk's vectors go straight into
 * one Arrow builder per column.
 */
import { writeFileSync } from 'node:fs';
import { DuckDBTypeId, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import {
  Bool,
  DateDay,
  Float64,
  Int32,
  Int64,
  Table,
  TimestampMillisecond,
  Utf8,
  makeBuilder,
  tableToIPC,
  type Builder,
  type DataType,
  type Vector,
} from 'apache-arrow';

/** How one DuckDB column becomes an Arrow column. */
interface ColumnPlan {
  type: DataType;
  convert: (value: unknown) => unknown;
}

const MS_PER_DAY = 86_400_000;

/** The Arrow type of a DuckDB column; anything unusual travels as text rather than being dropped. */
function planColumn(type: DuckDBType): ColumnPlan {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return { type: new Bool(), convert: (v) => v };
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
      return { type: new Int32(), convert: (v) => v };
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UINTEGER:
      return { type: new Int64(), convert: (v) => BigInt(v as number | bigint) };
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return { type: new Float64(), convert: (v) => v };
    case DuckDBTypeId.DECIMAL:
      return { type: new Float64(), convert: (v) => (v as { toDouble(): number }).toDouble() };
    case DuckDBTypeId.DATE:
      // Arrow's date builders take a Date (or epoch milliseconds) and store days.
      return { type: new DateDay(), convert: (v) => new Date((v as { days: number }).days * MS_PER_DAY) };
    case DuckDBTypeId.TIMESTAMP:
      // Arrow's timestamp builders take epoch milliseconds; run outputs hold dates, not sub-millisecond times.
      return { type: new TimestampMillisecond(), convert: (v) => Number((v as { micros: bigint }).micros / 1000n) };
    default:
      return { type: new Utf8(), convert: (v) => String(v) };
  }
}

/**
 * Runs `query` and writes its rows, in the query's order, to `path` as an
 * Arrow IPC file. `metadata` lands in the schema's key/value metadata (e.g.
 * which run the file came from).
 */
export async function writeArrowFile(connection: DuckDBConnection, query: string, path: string, metadata: Record<string, string> = {}): Promise<void> {
  const result = await connection.run(query);
  const names = result.columnNames();
  const plans = result.columnTypes().map(planColumn);
  const builders: Builder[] = plans.map((plan) => makeBuilder({ type: plan.type, nullValues: [null, undefined] }));
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    for (let c = 0; c < names.length; c += 1) {
      const vector = chunk.getColumnVector(c);
      const { convert } = plans[c];
      const builder = builders[c];
      for (let i = 0; i < chunk.rowCount; i += 1) {
        const value = vector.getItem(i);
        builder.append(value === null ? null : convert(value));
      }
    }
  }
  const columns: Record<string, Vector> = {};
  names.forEach((name, c) => {
    columns[name] = builders[c].finish().toVector();
  });
  const table = new Table(columns);
  for (const [key, value] of Object.entries(metadata)) table.schema.metadata.set(key, value);
  writeFileSync(path, tableToIPC(table, 'file'));
}
