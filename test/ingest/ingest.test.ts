import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { ingest } from '../../src/ingest/index.ts';
import { parseColumnMap, resolveColumns } from '../../src/ingest/columns.ts';
import { RETAIL_HEADER, tempDir, writeCsv } from '../helpers/files.ts';
import { rowsOf } from '../helpers/pipeline.ts';

let db: Database | undefined;
afterEach(() => {
  db?.close();
  db = undefined;
});

async function ingestFile(path: string, options = {}) {
  db = await openDatabase();
  return ingest(db.connection, path, options);
}

describe('the database', () => {
  it('limits DuckDB memory and spills into a temporary directory of its own under the OS temp directory, removed on close', async () => {
    db = await openDatabase();
    const [settings] = await rowsOf(db.connection, "SELECT current_setting('memory_limit') AS memory_limit, current_setting('temp_directory') AS temp_directory");
    expect(settings.memory_limit).toMatch(/MiB|GiB/);
    const temp = String(settings.temp_directory);
    expect(temp.startsWith(join(tmpdir(), 'segmenta-duckdb-'))).toBe(true);
    // force a spill: a sort larger than a small limit
    await db.connection.run("SET memory_limit = '64MB'");
    await db.connection.run('CREATE TABLE big AS SELECT i, md5(i::VARCHAR) AS h FROM range(3000000) t(i) ORDER BY h');
    db.close();
    db = undefined;
    expect(existsSync(temp)).toBe(false);
  });

  it('keeps a given memory limit and temporary directory', async () => {
    const dir = tempDir();
    db = await openDatabase({ memoryLimit: '256MB', tempDirectory: dir });
    const [settings] = await rowsOf(db.connection, "SELECT current_setting('memory_limit') AS memory_limit, current_setting('temp_directory') AS temp_directory");
    expect(settings).toEqual({ memory_limit: '244.1 MiB', temp_directory: dir });
  });
});

describe('column recognition', () => {
  it('recognises Online Retail and UCI II names case-insensitively', () => {
    expect(resolveColumns('f', RETAIL_HEADER, {})).toMatchObject({
      customer_id: 'CustomerID',
      order_id: 'InvoiceNo',
      order_date: 'InvoiceDate',
      product_id: 'StockCode',
      unit_price: 'UnitPrice',
      quantity: 'Quantity',
      country: 'Country',
    });
    expect(resolveColumns('f', ['Invoice', 'Price', 'Customer ID', 'InvoiceDate'], {})).toMatchObject({
      order_id: 'Invoice',
      unit_price: 'Price',
      customer_id: 'Customer ID',
    });
  });

  it('names the missing column and lists the columns found', () => {
    expect(() => resolveColumns('shop.csv', ['who', 'when', 'price'], {})).toThrow(
      'shop.csv: required column customer_id not found (columns found: who, when, price); name it with --map customer_id=<column>',
    );
  });

  it('--map maps anything else and rejects unknown names', () => {
    const mapping = resolveColumns('f', ['who', 'when', 'paid'], parseColumnMap('customer_id=who,order_date=when,amount=paid'));
    expect(mapping).toMatchObject({ customer_id: 'who', order_date: 'when', amount: 'paid' });
    expect(() => parseColumnMap('client=who')).toThrow(/--map: unknown column "client"/);
    expect(() => parseColumnMap('customer_id')).toThrow(/expected canonical=Source/);
    expect(() => resolveColumns('f', ['a'], { customer_id: 'nope' })).toThrow(/--map customer_id=nope: no column "nope"/);
  });
});

describe('reading files', () => {
  it('rejects a missing path, a directory, an empty file and an unknown extension with one line', async () => {
    const dir = tempDir();
    await expect(ingestFile(join(dir, 'nope.csv'))).rejects.toThrow(/no such file/);
    db?.close();
    mkdirSync(join(dir, 'sub'));
    await expect(ingestFile(join(dir, 'sub'))).rejects.toThrow(/is a directory/);
    db?.close();
    writeFileSync(join(dir, 'empty.csv'), '');
    await expect(ingestFile(join(dir, 'empty.csv'))).rejects.toThrow(/the file is empty/);
    db?.close();
    writeFileSync(join(dir, 'data.xlsx'), 'PK');
    await expect(ingestFile(join(dir, 'data.xlsx'))).rejects.toThrow(InputError);
  });

  it('a header without rows is an error naming the file', async () => {
    const path = writeCsv(tempDir(), 'header.csv', RETAIL_HEADER, []);
    await expect(ingestFile(path)).rejects.toThrow(/header\.csv: no data rows/);
  });

  it('keeps ids as text, reads BOM, CRLF, quotes with delimiters and line breaks, and gzip', async () => {
    const dir = tempDir();
    const text =
      '\ufeffcustomer_id;order_date;amount;description\r\n' +
      '007;2020-01-01;10;"a; b"\r\n' +
      '"C-00017";2020-01-02;5;"two\r\nlines"\r\n' +
      'Müller 1;2020-01-03;1;plain\r\n';
    const path = join(dir, 'odd.csv.gz');
    writeFileSync(path, gzipSync(Buffer.from(text, 'utf8')));
    const input = await ingestFile(path);
    expect(input.rowsRead).toBe(3);
    const rows = await rowsOf(db!.connection, 'SELECT row_number, customer_id_raw, description_raw FROM src_lines ORDER BY row_number');
    expect(rows).toEqual([
      { row_number: 2, customer_id_raw: '007', description_raw: 'a; b' },
      { row_number: 3, customer_id_raw: 'C-00017', description_raw: 'two\r\nlines' },
      { row_number: 4, customer_id_raw: 'Müller 1', description_raw: 'plain' },
    ]);
  });

  it('hashes every field of a CSV row while reading, also when the file has a column named like the hash', async () => {
    const dir = tempDir();
    const path = join(dir, 'hash.csv');
    writeFileSync(path, 'customer_id,order_id,order_date,amount,segmenta_row_hash\n1,o1,2020-01-01,5,x\n1,o1,2020-01-01,5,x\n1,o1,2020-01-01,5,y\n');
    const input = await ingestFile(path);
    // the file's own column is a source column; the hash column is not
    expect(input.sourceColumns).toEqual(['customer_id', 'order_id', 'order_date', 'amount', 'segmenta_row_hash']);
    // the stored hash is hash() of every field in file order
    const hashes = await rowsOf(
      db!.connection,
      'SELECT count(*)::INTEGER AS n FROM raw_input WHERE segmenta_row_hash_1 = hash(customer_id, order_id, order_date, amount, segmenta_row_hash)',
    );
    expect(hashes).toEqual([{ n: 3 }]);
    // row 3 repeats row 2; row 4 differs in the last column only
    expect(await rowsOf(db!.connection, 'SELECT row_number, dup_rank FROM src_lines ORDER BY row_number')).toEqual([
      { row_number: 2, dup_rank: 1 },
      { row_number: 3, dup_rank: 2 },
      { row_number: 4, dup_rank: 1 },
    ]);
  });

  it('puts records with the wrong number of fields aside with their line', async () => {
    const dir = tempDir();
    const path = join(dir, 'broken.csv');
    writeFileSync(path, 'customer_id,order_date,amount\nA,2020-01-01,1\nB,2020-01-02\nC,2020-01-03,3\nD,2020-01-04,4,extra\nE,2020-01-05,5\n');
    const input = await ingestFile(path);
    expect(input.rowsRead).toBe(5);
    expect(input.malformedRows).toBe(2);
    const good = await rowsOf(db!.connection, 'SELECT row_number, customer_id_raw FROM src_lines ORDER BY row_number');
    expect(good).toEqual([
      { row_number: 2, customer_id_raw: 'A' },
      { row_number: 4, customer_id_raw: 'C' },
      { row_number: 6, customer_id_raw: 'E' },
    ]);
    const bad = await rowsOf(db!.connection, 'SELECT line FROM raw_malformed ORDER BY line');
    expect(bad).toEqual([{ line: 3 }, { line: 5 }]);
  });

  it('reads whitespace-separated columns without a header (the CDNOW layout)', async () => {
    const path = join(tempDir(), 'cdnow.txt');
    writeFileSync(path, ' 00004 0001 19970101  2   29.33\n 00004 0001 19970118  2   29.73\n 00021 0002 19970101  3   63.34\n 00021 0002 1997\n');
    const input = await ingestFile(path, {
      delimiter: 'whitespace',
      header: false,
      map: 'customer_id=column0,order_date=column2,quantity=column3,amount=column4',
    });
    expect(input.rowsRead).toBe(4);
    expect(input.malformedRows).toBe(1);
    expect(await rowsOf(db!.connection, 'SELECT row_number, customer_id_raw, order_date_raw, amount_raw FROM src_lines ORDER BY row_number')).toEqual([
      { row_number: 1, customer_id_raw: '00004', order_date_raw: '19970101', amount_raw: '29.33' },
      { row_number: 2, customer_id_raw: '00004', order_date_raw: '19970118', amount_raw: '29.73' },
      { row_number: 3, customer_id_raw: '00021', order_date_raw: '19970101', amount_raw: '63.34' },
    ]);
    expect(await rowsOf(db!.connection, 'SELECT line FROM raw_malformed')).toEqual([{ line: 4 }]);
  });

  it('reads Parquet and NDJSON', async () => {
    const dir = tempDir();
    db = await openDatabase();
    const parquet = join(dir, 'lines.parquet');
    await db.connection.run(
      `COPY (SELECT '007' AS CustomerID, DATE '2020-01-01' AS InvoiceDate, 2.5 AS Price) TO '${parquet}' (FORMAT parquet)`,
    );
    db.close();
    const input = await ingestFile(parquet);
    expect(input.format).toBe('parquet');
    expect(await rowsOf(db!.connection, 'SELECT customer_id_raw, unit_price_raw FROM src_lines')).toEqual([{ customer_id_raw: '007', unit_price_raw: '2.5' }]);
    // Parquet is read through a view, not copied into a table of text
    expect(await rowsOf(db!.connection, "SELECT view_name FROM duckdb_views() WHERE view_name = 'raw_input'")).toEqual([{ view_name: 'raw_input' }]);
    db?.close();
    const ndjson = join(dir, 'lines.ndjson');
    writeFileSync(ndjson, '{"customer_id":"x1","order_date":"2020-01-01","amount":3}\n{"customer_id":"x2","order_date":"2020-01-02","amount":4}\n');
    const json = await ingestFile(ndjson);
    expect(json.format).toBe('json');
    expect(json.rowsRead).toBe(2);
  });
});
