import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RETAIL_HEADER, tempDir, writeCsv } from '../helpers/files.ts';
import { rowsOf, stageFile } from '../helpers/pipeline.ts';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { sqlFile } from '../../src/db/sqlFile.ts';

let db: Database | undefined;
afterEach(() => {
  db?.close();
  db = undefined;
});

// A small shop: hand-computed expectations in each test.
const LINES: (string | number)[][] = [
  // row 2-3: customer 007, invoice 1001 on 2011-01-10: 2×5 + 1×10 = 20
  ['1001', 'A1', 'Mug', 2, '2011-01-10 09:00:00', 5, '007', 'Germany'],
  ['1001', 'B2', 'Plate', 1, '2011-01-10 09:00:00', 10, '007', 'Germany'],
  // row 4: exact duplicate of row 3 (double entry) → duplicate_line
  ['1001', 'B2', 'Plate', 1, '2011-01-10 09:00:00', 10, '007', 'Germany'],
  // row 5: invoice 1002 on 2011-03-01: 4×2.5 = 10
  ['1002', 'A1', 'Mug', 4, '2011-03-01 10:00:00', 2.5, '007', 'Germany'],
  // row 6: cancellation of one plate → return of 10
  ['C1003', 'B2', 'Plate', -1, '2011-03-05 10:00:00', 10, '007', 'Germany'],
  // row 7: postage → non_product
  ['1002', 'POST', 'POSTAGE', 1, '2011-03-01 10:00:00', 18, '007', 'Germany'],
  // row 8: no customer
  ['1004', 'A1', 'Mug', 1, '2011-03-02 10:00:00', 5, '', 'United Kingdom'],
  // row 9: zero price
  ['1005', 'A1', 'Mug', 1, '2011-03-02 10:00:00', 0, '12', 'France'],
  // row 10: customer 12 buys: 3×4 = 12 on 2011-03-31
  ['1006', 'A1', 'Mug', 3, '2011-03-31 10:00:00', 4, '12', 'France'],
  // row 11: return from customer 99 who never bought → return_without_purchase
  ['C1007', 'A1', 'Mug', -1, '2011-02-01 10:00:00', 5, '99', 'Spain'],
  // row 12: unreadable date
  ['1008', 'A1', 'Mug', 1, 'yesterday', 5, '12', 'France'],
  // row 13: quantity not a number
  ['1009', 'A1', 'Mug', 'two', '2011-03-02 10:00:00', 5, '12', 'France'],
  // row 14: accounting adjustment
  ['A1010', 'B', 'Adjust bad debt', 1, '2011-03-02 10:00:00', 100, '12', 'France'],
];

describe('staging on a hand-made shop', () => {
  it('gives every unused row its reason and the counts add up', async () => {
    const path = writeCsv(tempDir(), 'shop.csv', RETAIL_HEADER, LINES);
    const run = await stageFile(path);
    db = run.db;
    expect(run.staged.asOf).toBe('2011-03-31');
    expect(run.staged.rows).toEqual({
      read: 13,
      used: 5,
      out_of_window: 0,
      rejected: 8,
      rejected_by_reason: {
        duplicate_line: 1,
        non_product: 1,
        missing_customer_id: 1,
        zero_price: 1,
        return_without_purchase: 1,
        invalid_order_date: 1,
        invalid_quantity: 1,
        adjustment: 1,
      },
    });
    const rejects = await rowsOf(db.connection, 'SELECT row_number, reason, detail FROM stg_rejects ORDER BY row_number');
    expect(rejects).toEqual([
      { row_number: 4, reason: 'duplicate_line', detail: null },
      { row_number: 7, reason: 'non_product', detail: null },
      { row_number: 8, reason: 'missing_customer_id', detail: null },
      { row_number: 9, reason: 'zero_price', detail: null },
      { row_number: 11, reason: 'return_without_purchase', detail: null },
      { row_number: 12, reason: 'invalid_order_date', detail: 'yesterday' },
      { row_number: 13, reason: 'invalid_quantity', detail: 'two' },
      { row_number: 14, reason: 'adjustment', detail: null },
    ]);
  });

  it('computes the contract features by hand', async () => {
    const path = writeCsv(tempDir(), 'shop.csv', RETAIL_HEADER, LINES);
    const run = await stageFile(path);
    db = run.db;
    const customers = await rowsOf(
      db.connection,
      'SELECT customer_id, recency_days, frequency, revenue, avg_order_value, tenure_days, distinct_products, return_rate FROM customer_features ORDER BY customer_id',
    );
    expect(customers).toEqual([
      // 007 keeps its leading zeros; 2 orders (the cancellation is not an order)
      { customer_id: '007', recency_days: 30, frequency: 2, revenue: 20, avg_order_value: 15, tenure_days: 80, distinct_products: 2, return_rate: 10 / 30 },
      { customer_id: '12', recency_days: 0, frequency: 1, revenue: 12, avg_order_value: 12, tenure_days: 0, distinct_products: 1, return_rate: 0 },
    ]);
  });

  it('leaves rows after --as-of out of the window and counts them', async () => {
    const path = writeCsv(tempDir(), 'shop.csv', RETAIL_HEADER, LINES);
    const run = await stageFile(path, { asOf: '2011-03-01' });
    db = run.db;
    // rows 6 (C1003 on 03-05) and 10 (03-31) are after the end of 2011-03-01
    expect(run.staged.rows.out_of_window).toBe(2);
    expect(run.staged.rows.read).toBe(run.staged.rows.used + run.staged.rows.out_of_window + run.staged.rows.rejected);
    const customers = await rowsOf(db.connection, 'SELECT customer_id, recency_days, frequency, revenue FROM customer_features');
    expect(customers).toEqual([{ customer_id: '007', recency_days: 0, frequency: 2, revenue: 30 }]);
  });

  it('keeps the original text of out-of-window lines and returns without purchase for the rejects, and of no used line', async () => {
    const path = writeCsv(tempDir(), 'shop.csv', RETAIL_HEADER, LINES);
    const run = await stageFile(path, { asOf: '2011-03-01' });
    db = run.db;
    const rejects = await rowsOf(
      db.connection,
      "SELECT row_number, reason, customer_id, order_id, order_date, product_id, quantity, unit_price, amount FROM stg_rejects WHERE reason IN ('out_of_window', 'return_without_purchase') ORDER BY row_number",
    );
    expect(rejects).toEqual([
      { row_number: 6, reason: 'out_of_window', customer_id: '007', order_id: 'C1003', order_date: '2011-03-05 10:00:00', product_id: 'B2', quantity: '-1', unit_price: '10', amount: null },
      { row_number: 10, reason: 'out_of_window', customer_id: '12', order_id: '1006', order_date: '2011-03-31 10:00:00', product_id: 'A1', quantity: '3', unit_price: '4', amount: null },
      { row_number: 11, reason: 'return_without_purchase', customer_id: '99', order_id: 'C1007', order_date: '2011-02-01 10:00:00', product_id: 'A1', quantity: '-1', unit_price: '5', amount: null },
    ]);
    // the text is not held for the lines that are used (other than returns)
    const held = await rowsOf(db.connection, "SELECT count(*)::INTEGER AS n FROM int_lines WHERE status = 'used' AND NOT is_return AND customer_id_raw IS NOT NULL");
    expect(held).toEqual([{ n: 0 }]);
  });

  it('without an order_id, identical lines are separate purchases and a day is an order', async () => {
    const dir = tempDir();
    const path = writeCsv(dir, 'no-order.csv', ['customer', 'date', 'amount'], [
      ['A', '2020-01-01', 10],
      ['A', '2020-01-01', 10],
      ['A', '2020-01-05', 5],
    ]);
    const run = await stageFile(path);
    db = run.db;
    expect(run.staged.rows.rejected).toBe(0);
    const [a] = await rowsOf(db.connection, 'SELECT frequency, revenue, avg_order_value FROM customer_features');
    expect(a).toEqual({ frequency: 2, revenue: 25, avg_order_value: 12.5 });
  });

  it('reads semicolons, decimal commas and German dates', async () => {
    const dir = tempDir();
    const path = writeCsv(dir, 'de.csv', ['Kundennummer', 'Belegnummer', 'Datum', 'Menge', 'Einzelpreis'], [
      ['0815', 'R1', '01.02.2021', 2, '"2,50"'],
      ['0815', 'R2', '15.02.2021', 1, '"1.234,50"'],
    ], ';');
    const run = await stageFile(path);
    db = run.db;
    const [c] = await rowsOf(db.connection, 'SELECT customer_id, frequency, revenue, tenure_days FROM customer_features');
    expect(c).toEqual({ customer_id: '0815', frequency: 2, revenue: 1239.5, tenure_days: 14 });
  });

  it('an order keyed in over several timestamps counts from its first line', async () => {
    const path = writeCsv(tempDir(), 'multi.csv', RETAIL_HEADER, [
      ['2001', 'A1', 'Mug', 1, '2011-05-01 23:59:00', 5, 'X', 'UK'],
      ['2001', 'B1', 'Cup', 1, '2011-05-02 00:01:00', 5, 'X', 'UK'],
    ]);
    const run = await stageFile(path);
    db = run.db;
    const [x] = await rowsOf(db.connection, 'SELECT frequency, recency_days, tenure_days FROM customer_features');
    expect(x).toEqual({ frequency: 1, recency_days: 1, tenure_days: 1 });
  });
});

describe('duplicates, malformed records and the raw text', () => {
  it('ranks repeated rows in file order, compares every column and keeps raw text in the rejects', async () => {
    const path = writeCsv(tempDir(), 'dups.csv', RETAIL_HEADER, [
      ['4001', 'A1', 'Mug', 1, '2011-01-10 09:00:00', 5, '1', 'UK'], // row 2
      ['4001', 'A1', 'Mug', 1, '2011-01-10 09:00:00', 5, '1', 'UK'], // row 3: duplicate of 2
      ['4001', 'A1', 'Mug ', 1, '2011-01-10 09:00:00', 5, '1', 'UK'], // row 4: differs in an unmapped column → kept
      ['4001', 'A1', 'Mug', 1, '2011-01-10 09:00:00', 5, '2', 'UK'], // row 5: other customer → kept
      ['4001', 'A1', 'Mug', 1, '2011-01-10 09:00:00', 5, '1', 'UK'], // row 6: duplicate of 2
      ['4002', 'A1', 'Mug', 1, '2011-01-11 09:00:00', 5, '1', 'UK'], // row 7
    ]);
    const run = await stageFile(path);
    db = run.db;
    expect(run.staged.rows).toMatchObject({ read: 6, used: 4, rejected: 2, rejected_by_reason: { duplicate_line: 2 } });
    expect(await rowsOf(db.connection, 'SELECT row_number, reason, customer_id, order_id, quantity FROM stg_rejects ORDER BY row_number')).toEqual([
      { row_number: 3, reason: 'duplicate_line', customer_id: '1', order_id: '4001', quantity: '1' },
      { row_number: 6, reason: 'duplicate_line', customer_id: '1', order_id: '4001', quantity: '1' },
    ]);
    // the raw text is gone once the rejects are built
    const tables = await rowsOf(db.connection, "SELECT table_name FROM duckdb_tables() WHERE table_name IN ('raw_input', 'src_duplicates')");
    expect(tables).toEqual([]);
  });

  it('numbers rows after malformed records by their line in the file', async () => {
    const dir = tempDir();
    const path = join(dir, 'bad.csv');
    writeFileSync(
      path,
      [
        RETAIL_HEADER.join(','),
        '5001,A1,Mug,1,2011-01-10 09:00:00,5,1,UK', // 2
        '5002,A1,Mug,1,2011-01-10', // 3: too few fields
        '5003,A1,Mug,1,2011-01-11 09:00:00,5,,UK', // 4: no customer
        '5001,A1,Mug,1,2011-01-10 09:00:00,5,1,UK', // 5: duplicate of 2
        '5004,A1,Mug,1,2011-01-12 09:00:00,5,2,UK', // 6
      ].join('\n') + '\n',
    );
    const run = await stageFile(path);
    db = run.db;
    expect(run.staged.rows).toMatchObject({ read: 5, used: 2, rejected: 3 });
    expect(await rowsOf(db.connection, 'SELECT row_number, reason, order_id FROM stg_rejects ORDER BY row_number')).toEqual([
      { row_number: 3, reason: 'malformed_row', order_id: null },
      { row_number: 4, reason: 'missing_customer_id', order_id: '5003' },
      { row_number: 5, reason: 'duplicate_line', order_id: '5001' },
    ]);
  });

  it('reads Parquet through a view with the same row numbers, duplicates and rejects as a table', async () => {
    const dir = tempDir();
    const csv = writeCsv(dir, 'lines.csv', RETAIL_HEADER, [
      ['7001', 'A1', 'Mug', 1, '2011-01-10 09:00:00', 5, '1', 'UK'], // record 1
      ['7001', 'A1', 'Mug', 1, '2011-01-10 09:00:00', 5, '1', 'UK'], // record 2: duplicate
      ['7002', 'A1', 'Mug', 1, '2011-01-11 09:00:00', 5, '', 'UK'], // record 3: no customer
      ['7003', 'A1', 'Mug', 2, '2011-01-12 09:00:00', 5, '2', 'UK'], // record 4
    ]);
    const scratch = await openDatabase();
    const plain = join(dir, 'lines.parquet');
    // a file with its own file_row_number column cannot be read through the view and is copied instead
    const clash = join(dir, 'clash.parquet');
    await scratch.connection.run(`COPY (SELECT * FROM read_csv('${csv}', all_varchar = true)) TO '${plain}' (FORMAT parquet)`);
    await scratch.connection.run(`COPY (SELECT *, 'x' AS file_row_number FROM read_csv('${csv}', all_varchar = true)) TO '${clash}' (FORMAT parquet)`);
    scratch.close();
    for (const path of [plain, clash]) {
      const run = await stageFile(path);
      db = run.db;
      expect(run.input.sourceColumns).toEqual(path === clash ? [...RETAIL_HEADER, 'file_row_number'] : RETAIL_HEADER);
      expect(run.staged.rows).toMatchObject({ read: 4, used: 2, rejected: 2 });
      expect(await rowsOf(db.connection, 'SELECT row_number, reason, order_id FROM stg_rejects ORDER BY row_number')).toEqual([
        { row_number: 2, reason: 'duplicate_line', order_id: '7001' },
        { row_number: 3, reason: 'missing_customer_id', order_id: '7002' },
      ]);
      const raw = await rowsOf(db.connection, "SELECT table_name FROM duckdb_tables() WHERE table_name = 'raw_input' UNION ALL SELECT view_name FROM duckdb_views() WHERE view_name IN ('raw_input', 'src_lines')");
      expect(raw).toEqual([]);
      db.close();
      db = undefined;
    }
  });

  it('int_lines gives every staged line one status and marks returns of customers without a purchase', async () => {
    const path = writeCsv(tempDir(), 'status.csv', RETAIL_HEADER, [
      ['6001', 'A1', 'Mug', 1, '2011-01-10 09:00:00', 5, '1', 'UK'], // used
      ['C6002', 'A1', 'Mug', -1, '2011-01-11 09:00:00', 5, '1', 'UK'], // used return
      ['C6003', 'A1', 'Mug', -1, '2011-01-11 09:00:00', 5, '2', 'UK'], // orphan return
      ['6004', 'A1', 'Mug', 1, '2011-02-10 09:00:00', 5, '2', 'UK'], // after --as-of
      ['6005', 'POST', 'POSTAGE', 1, '2011-01-10 09:00:00', 5, '1', 'UK'], // non_product
    ]);
    const run = await stageFile(path, { asOf: '2011-01-31' });
    db = run.db;
    expect(await rowsOf(db.connection, 'SELECT row_number, status, reject_reason FROM int_lines ORDER BY row_number')).toEqual([
      { row_number: 2, status: 'used', reject_reason: null },
      { row_number: 3, status: 'used', reject_reason: null },
      { row_number: 4, status: 'rejected', reject_reason: 'return_without_purchase' },
      { row_number: 5, status: 'out_of_window', reject_reason: null },
      { row_number: 6, status: 'rejected', reject_reason: 'non_product' },
    ]);
  });
});

describe('RFM scores and lifecycle', () => {
  it('gives tied customers the same score and follows the lifecycle rule order', async () => {
    const rows: (string | number)[][] = [];
    // five customers with one order each on different days; two share a day
    const days = ['2011-01-01', '2011-06-01', '2011-06-01', '2011-11-01', '2011-12-01'];
    days.forEach((day, i) => rows.push([`${3000 + i}`, 'A1', 'Mug', 1, `${day} 10:00:00`, 10 * (i + 1), `c${i}`, 'UK']));
    // c0 comes back after a long gap → reactivated
    rows.push(['3100', 'A1', 'Mug', 1, '2011-11-20 10:00:00', 1, 'c0', 'UK']);
    const run = await stageFile(writeCsv(tempDir(), 'rfm.csv', RETAIL_HEADER, rows));
    db = run.db;
    const scores = await rowsOf(db.connection, 'SELECT customer_id, rfm_r, lifecycle_stage FROM customer_scores ORDER BY customer_id');
    const byId = Object.fromEntries(scores.map((s) => [s.customer_id, s]));
    expect(byId.c1.rfm_r).toBe(byId.c2.rfm_r);
    expect(byId.c4.rfm_r).toBe(5);
    // as of 2011-12-01: c1 last bought 183 days ago (≥ 180) → inactive
    expect(byId.c1.lifecycle_stage).toBe('inactive');
    // c0 came back after 323 days without an order → reactivated
    expect(byId.c0.lifecycle_stage).toBe('reactivated');
    // c3 first bought 30 days ago → new (new wins over active)
    expect(byId.c3.lifecycle_stage).toBe('new');
  });
});

describe('parse_number', () => {
  it('reads plain numbers by a cast and spreadsheet formats only where the cast fails', async () => {
    db = await openDatabase();
    await db.connection.run(sqlFile('macros'));
    const rows = await rowsOf(
      db.connection,
      `SELECT v, parse_number(v) AS n FROM (VALUES (1, '12.5'), (2, ' 5 '), (3, '£1,234.50'), (4, '1.234,50'), (5, '2,55'), (6, '3 EUR'), (7, '1.2.3'), (8, ''), (9, NULL)) t(i, v) ORDER BY i`,
    );
    expect(rows.map((r) => r.n)).toEqual([12.5, 5, 1234.5, 1234.5, 2.55, 3, null, null, null]);
  });
});
