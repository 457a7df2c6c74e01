import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/files.ts';
import { runMain } from '../helpers/inProcess.ts';
import { SHOP_HEADER, shopRows, toCsv } from '../helpers/shop.ts';

const FAST = ['--k', '2..4', '--stability-resamples', '0', '--n-init', '3', '--no-report'];

async function discover(file: string, extra: string[] = []) {
  const out = join(tempDir(), 'run');
  const result = await runMain(['discover', '--input', file, '--out', out, ...FAST, ...extra]);
  return { ...result, out };
}

function writeFile(name: string, content: string | Buffer): string {
  const path = join(tempDir(), name);
  writeFileSync(path, content);
  return path;
}

function expectOneLineError(result: { code: number; stderr: string }, pattern: RegExp) {
  expect(result.code).toBe(2);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

function rejects(out: string): Array<Record<string, string>> {
  const [header, ...lines] = readFileSync(join(out, 'rejects.csv'), 'utf8').trimEnd().split('\n');
  const names = header.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [names[i], v])));
}

function manifest(out: string) {
  return JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
}

function customerIds(out: string): string[] {
  return readFileSync(join(out, 'customers.csv'), 'utf8').trimEnd().split('\n').slice(1).map((l) => l.split(',')[0]);
}

describe('hostile input: each ends in exit 0 with reasons, or exit 2 with one line', () => {
  it('empty file', async () => {
    expectOneLineError(await discover(writeFile('empty.csv', '')), /empty\.csv.*the file is empty/);
  });

  it('header only', async () => {
    expectOneLineError(await discover(writeFile('header.csv', `${SHOP_HEADER.join(',')}\n`)), /header\.csv: no data rows/);
  });

  it('a required column missing names it and lists the columns found', async () => {
    const rows = shopRows(10).map((r) => r.filter((_, i) => i !== 6));
    const header = SHOP_HEADER.filter((h) => h !== 'CustomerID');
    expectOneLineError(
      await discover(writeFile('nocust.csv', toCsv(header, rows))),
      /nocust\.csv: required column customer_id not found \(columns found: InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, Country\)/,
    );
  });

  it('a path that does not exist, a directory, an unsupported extension', async () => {
    expectOneLineError(await discover('/no/such/file.csv'), /--input "\/no\/such\/file\.csv": no such file/);
    const dir = join(tempDir(), 'adir');
    mkdirSync(dir);
    expectOneLineError(await discover(dir), /is a directory/);
    expectOneLineError(await discover(writeFile('data.xlsx', 'PK\u0003\u0004')), /unsupported file type/);
  });

  it.each([
    ['semicolon', { delimiter: ';' }],
    ['tab', { delimiter: '\t' }],
    ['BOM and CRLF', { bom: true, eol: '\r\n' }],
  ])('%s delimited files read like the plain one', async (_name, format) => {
    const rows = shopRows(30);
    const plain = await discover(writeFile('plain.csv', toCsv(SHOP_HEADER, rows)));
    const odd = await discover(writeFile('odd.csv', toCsv(SHOP_HEADER, rows, format)));
    expect(odd.code).toBe(0);
    expect(readFileSync(join(odd.out, 'customers.csv'), 'utf8')).toBe(readFileSync(join(plain.out, 'customers.csv'), 'utf8'));
  });

  it('quoted fields with delimiters and line breaks; gzip', async () => {
    const rows = shopRows(30);
    rows[0][2] = 'MUG, "BIG"\nWITH HANDLE';
    const result = await discover(writeFile('quoted.csv.gz', gzipSync(toCsv(SHOP_HEADER, rows))));
    expect(result.code).toBe(0);
    expect(manifest(result.out).rows.rejected).toBe(0);
  });

  it('bad numbers, dates and prices are rejected with their row, reason and value', async () => {
    const rows = shopRows(30);
    rows[3][3] = 'three'; // row 5
    rows[4][5] = '£abc'; // row 6
    rows[5][4] = '31.02.2011'; // row 7: no 31 February
    rows[6][5] = '0'; // row 8
    rows[7][5] = '-1.5'; // row 9
    const result = await discover(writeFile('bad.csv', toCsv(SHOP_HEADER, rows)));
    expect(result.code).toBe(0);
    const byRow = Object.fromEntries(rejects(result.out).map((r) => [r.row_number, r]));
    expect(byRow['5']).toMatchObject({ reason: 'invalid_quantity', detail: 'three' });
    expect(byRow['6']).toMatchObject({ reason: 'invalid_price', detail: '£abc' });
    expect(byRow['7']).toMatchObject({ reason: 'invalid_order_date', detail: '31.02.2011' });
    expect(byRow['8']).toMatchObject({ reason: 'zero_price' });
    expect(byRow['9']).toMatchObject({ reason: 'negative_price' });
    const { rows: counts } = manifest(result.out);
    expect(counts.read).toBe(rows.length);
    expect(counts.used + counts.out_of_window + counts.rejected).toBe(counts.read);
  });

  it('cancellations of orders not in the file are netted, or rejected when the customer never bought', async () => {
    const rows = shopRows(30);
    rows.push(['C999001', 'P100', 'RETURN', '-2', '2011-06-01 10:00:00', '5.00', 'c001', 'Germany']);
    rows.push(['C999002', 'P100', 'RETURN', '-1', '2011-06-01 10:00:00', '5.00', 'ghost', 'Germany']);
    const result = await discover(writeFile('cancel.csv', toCsv(SHOP_HEADER, rows)));
    expect(result.code).toBe(0);
    const reasons = rejects(result.out).map((r) => r.reason);
    expect(reasons).toEqual(['return_without_purchase']);
    expect(customerIds(result.out)).not.toContain('ghost');
  });

  it('customer ids with leading zeros, unicode and spaces stay as they are', async () => {
    const rows = shopRows(30);
    const ids = ['007', 'Müller & Söhne', 'C-00017 B', '東京'];
    rows.forEach((r, i) => {
      if (i < 4) r[6] = ids[i];
    });
    const result = await discover(writeFile('ids.csv', toCsv(SHOP_HEADER, rows)));
    expect(result.code).toBe(0);
    const got = readFileSync(join(result.out, 'customers.csv'), 'utf8');
    for (const id of ids) expect(got).toContain(id);
  });

  it('records with the wrong number of fields are rejected with their line', async () => {
    const text = toCsv(SHOP_HEADER, shopRows(30)).split('\n');
    text.splice(3, 0, '123,P1,SHORT');
    const result = await discover(writeFile('ragged.csv', text.join('\n')));
    expect(result.code).toBe(0);
    expect(rejects(result.out)).toEqual([expect.objectContaining({ row_number: '4', reason: 'malformed_row' })]);
  });

  it('a file where no row is usable is exit 2 with the reasons', async () => {
    const rows = shopRows(5).map((r) => [...r.slice(0, 6), '', r[7]]);
    expectOneLineError(await discover(writeFile('nobody.csv', toCsv(SHOP_HEADER, rows))), /nobody\.csv: no usable purchase line: rows by reason: missing_customer_id \d+/);
  });

  it('a single customer cannot be segmented: exit 2 saying why', async () => {
    const rows = shopRows(5).map((r) => [...r.slice(0, 6), 'solo', r[7]]);
    expectOneLineError(await discover(writeFile('solo.csv', toCsv(SHOP_HEADER, rows))), /segmentation needs at least 3 customers with a purchase in the window, but the input has 1/);
  });

  it('binary garbage with a .csv name is exit 2, not a crash', async () => {
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    const result = await discover(writeFile('garbage.csv', garbage));
    expect(result.code).toBe(2);
    expect(result.stderr).not.toMatch(/internal error/);
  });
});

describe('resources', () => {
  it('running out of memory names the flags that help', async () => {
    const file = writeFile('shop.csv', toCsv(SHOP_HEADER, shopRows(200)));
    expectOneLineError(await discover(file, ['--memory-limit', '8MB', '--threads', '2']), /^segmenta: DuckDB ran out of memory: raise --memory-limit, or give --temp-directory/);
  });

  it('a memory limit with a temp directory is accepted and the run completes', async () => {
    const file = writeFile('shop.csv', toCsv(SHOP_HEADER, shopRows(60)));
    const result = await discover(file, ['--memory-limit', '200MB', '--temp-directory', tempDir()]);
    expect(result.code).toBe(0);
  });
});

describe('CSV injection', () => {
  it('neutralises formula-like text in every CSV output, leaves numbers alone', async () => {
    const rows = shopRows(30);
    rows[0][6] = '=HYPERLINK("http://x","y")';
    rows[1][6] = '+cmd';
    rows[2][6] = '@SUM(A1)';
    rows[3][6] = '-42';
    rows[4][6] = '';
    rows[4][2] = '=1+2';
    const result = await discover(writeFile('inject.csv', toCsv(SHOP_HEADER, rows)));
    expect(result.code).toBe(0);
    const customers = readFileSync(join(result.out, 'customers.csv'), 'utf8');
    expect(customers).toContain(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(customers).toContain("'+cmd,");
    expect(customers).toContain("'@SUM(A1),");
    expect(customers).toMatch(/^-42,/m);
    for (const line of customers.split('\n')) expect(line).not.toMatch(/^[=+@]/);
    const rejected = readFileSync(join(result.out, 'rejects.csv'), 'utf8');
    expect(rejected).not.toMatch(/,=|^=/m);
  });
});

describe('no SQL from user strings', () => {
  it('column names with quotes, semicolons and SQL are only ever identifiers', async () => {
    const evil = ['Kunde"; DROP TABLE raw_input; --', "Datum' OR 1=1", 'Preis;DELETE'];
    const rows = shopRows(30).map((r) => [r[6], r[4], r[5]]);
    const file = writeFile('evil.csv', toCsv(evil, rows));
    const result = await discover(file, ['--map', `customer_id=${evil[0]},order_date=${evil[1]},unit_price=${evil[2]}`]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(manifest(result.out).input.columns).toMatchObject({ customer_id: evil[0], order_date: evil[1], unit_price: evil[2] });
  });

  it('an output path with a quote is written, not executed', async () => {
    const out = join(tempDir(), "it's; run");
    const file = writeFile('shop.csv', toCsv(SHOP_HEADER, shopRows(30)));
    const result = await runMain(['discover', '--input', file, '--out', out, ...FAST]);
    expect(result.code).toBe(0);
    expect(customerIds(out).length).toBe(30);
  });
});
