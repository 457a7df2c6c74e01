import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTableFromColumns } from '../../src/db/append.ts';
import { readNumericColumns, readTextColumn } from '../../src/db/columns.ts';

let instance: DuckDBInstance;
let connection: DuckDBConnection;

beforeEach(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
});

afterEach(() => {
  connection.closeSync();
  instance.closeSync();
});

// More than two chunks of 2,048 rows and a partial last one, so chunk boundaries and validity words are crossed.
const ROWS = 5000;

describe('createTableFromColumns', () => {
  it('stores doubles, integers and text as given, NaN as NULL, across chunks', async () => {
    const doubles = Float64Array.from({ length: ROWS }, (_, i) => (i % 7 === 3 ? NaN : i * 0.5 - 100));
    doubles[64] = -0;
    doubles[65] = Infinity;
    const ints = Int32Array.from({ length: ROWS }, (_, i) => (i % 11) - 5);
    const texts = Array.from({ length: ROWS }, (_, i) => `c${i}`);
    await createTableFromColumns(connection, 'appended', [
      { name: 'i', type: 'INTEGER', values: ints },
      { name: 'x', type: 'DOUBLE', values: doubles },
      { name: 'id', type: 'VARCHAR', values: texts },
    ]);
    const reader = await connection.runAndReadAll('SELECT i, x, id FROM appended');
    const rows = reader.getRows();
    expect(rows).toHaveLength(ROWS);
    rows.forEach(([i, x, id], r) => {
      expect(i).toBe(ints[r]);
      expect(id).toBe(texts[r]);
      if (Number.isNaN(doubles[r])) expect(x).toBeNull();
      else expect(Object.is(x, doubles[r])).toBe(true);
    });
  });

  it('creates an empty table from empty columns', async () => {
    await createTableFromColumns(connection, 'empty', [{ name: 'x', type: 'DOUBLE', values: new Float64Array(0) }]);
    const reader = await connection.runAndReadAll('SELECT count(*)::INTEGER FROM empty');
    expect(reader.getRows()[0][0]).toBe(0);
  });
});

describe('readNumericColumns', () => {
  it('reads DOUBLE, BIGINT, INTEGER, SMALLINT and FLOAT columns with NULL as NaN, across chunks', async () => {
    await connection.run(
      `CREATE TABLE t AS
       SELECT i,
              CASE WHEN i % 5 = 1 THEN NULL ELSE i * 0.25 - 7 END::DOUBLE AS d,
              CASE WHEN i % 9 = 2 THEN NULL ELSE i * 3 - 1000 END::BIGINT AS b,
              CASE WHEN i % 13 = 0 THEN NULL ELSE i - 40 END::INTEGER AS n,
              (i % 100)::SMALLINT AS s,
              (i * 0.5)::FLOAT AS f
       FROM range(${ROWS}) r(i)`,
    );
    const { names, columns, rows } = await readNumericColumns(connection, 'SELECT d, b, n, s, f FROM t ORDER BY i');
    expect(names).toEqual(['d', 'b', 'n', 's', 'f']);
    expect(rows).toBe(ROWS);
    const [d, b, n, s, f] = columns;
    for (let i = 0; i < ROWS; i += 1) {
      expect(d[i]).toBe(i % 5 === 1 ? NaN : i * 0.25 - 7);
      expect(b[i]).toBe(i % 9 === 2 ? NaN : i * 3 - 1000);
      expect(n[i]).toBe(i % 13 === 0 ? NaN : i - 40);
      expect(s[i]).toBe(i % 100);
      expect(f[i]).toBe(Math.fround(i * 0.5));
    }
  });

  it('round-trips what createTableFromColumns wrote', async () => {
    const values = Float64Array.from({ length: ROWS }, (_, i) => (i % 64 === 63 ? NaN : Math.sin(i)));
    await createTableFromColumns(connection, 'w', [{ name: 'x', type: 'DOUBLE', values }]);
    const { columns } = await readNumericColumns(connection, 'SELECT x FROM w');
    expect(columns[0]).toEqual(values);
  });

  it('reads nothing from an empty result', async () => {
    const { columns, rows } = await readNumericColumns(connection, 'SELECT 1.0::DOUBLE AS x WHERE false');
    expect(rows).toBe(0);
    expect(columns[0]).toHaveLength(0);
  });
});

describe('readTextColumn', () => {
  it('reads text with NULL as the empty string', async () => {
    const out = await readTextColumn(connection, "SELECT CASE WHEN i = 1 THEN NULL ELSE 'v' || i END FROM range(3) r(i) ORDER BY i");
    expect(out).toEqual(['v0', '', 'v2']);
  });
});
