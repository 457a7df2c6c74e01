import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { writeTransactions } from '../../bench/generate.ts';
import { openDatabase } from '../../src/db/database.ts';
import { queryOne } from '../../src/db/query.ts';
import { tempDir } from '../helpers/files.ts';

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const OPTIONS = { lines: 20_000, customers: 2_000, seed: 7 };

describe('bench/generate.ts', () => {
  it('is deterministic: the same seed and sizes give byte-identical CSV and Parquet files', async () => {
    const [a, b] = [tempDir(), tempDir()];
    await writeTransactions(OPTIONS, { csv: join(a, 'x.csv'), parquet: join(a, 'x.parquet') });
    await writeTransactions(OPTIONS, { csv: join(b, 'x.csv'), parquet: join(b, 'x.parquet') });
    expect(sha256(join(a, 'x.csv'))).toBe(sha256(join(b, 'x.csv')));
    expect(sha256(join(a, 'x.parquet'))).toBe(sha256(join(b, 'x.parquet')));
    const other = tempDir();
    await writeTransactions({ ...OPTIONS, seed: 8 }, { csv: join(other, 'x.csv') });
    expect(sha256(join(other, 'x.csv'))).not.toBe(sha256(join(a, 'x.csv')));
  });

  it('writes an Online-Retail-shaped file with the dirt the cleaning must handle', async () => {
    const dir = tempDir();
    const csv = join(dir, 'retail.csv');
    const stats = await writeTransactions(OPTIONS, { csv, parquet: join(dir, 'retail.parquet') });
    expect(readFileSync(csv, 'utf8').split('\n', 1)[0]).toBe('InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country');
    expect(stats.lines).toBe(OPTIONS.lines);
    expect(stats.customers).toBe(OPTIONS.customers);

    const db = await openDatabase();
    try {
      const shape = await queryOne<Record<string, number>>(
        db.connection,
        `SELECT
           count(*)::DOUBLE AS lines,
           (count(*) FILTER (WHERE CustomerID IS NULL) / count(*))::DOUBLE AS guest_share,
           (count(*) FILTER (WHERE InvoiceNo LIKE 'C%') / count(*))::DOUBLE AS cancellation_share,
           count(*) FILTER (WHERE InvoiceNo LIKE 'C%' AND Quantity >= 0)::DOUBLE AS cancellations_not_negative,
           count(*) FILTER (WHERE InvoiceNo NOT LIKE 'C%' AND Quantity <= 0)::DOUBLE AS purchases_not_positive,
           count(*) FILTER (WHERE StockCode = 'POST')::DOUBLE AS postage,
           count(*) FILTER (WHERE UnitPrice = 0)::DOUBLE AS zero_prices,
           (count(*) - count(DISTINCT (InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country)))::DOUBLE AS duplicates,
           count(DISTINCT StockCode)::DOUBLE AS products,
           count(DISTINCT InvoiceNo)::DOUBLE AS invoices,
           min(InvoiceDate)::VARCHAR AS first,
           max(InvoiceDate)::VARCHAR AS last
         FROM read_csv($path, header = true, types = {'CustomerID': 'VARCHAR', 'InvoiceNo': 'VARCHAR'})`,
        { path: csv },
      );
      expect(shape.lines).toBe(OPTIONS.lines);
      expect(shape.guest_share).toBeGreaterThan(0.18);
      expect(shape.guest_share).toBeLessThan(0.4);
      expect(shape.cancellation_share).toBeGreaterThan(0.01);
      expect(shape.cancellation_share).toBeLessThan(0.035);
      expect(shape.cancellations_not_negative).toBe(0);
      expect(shape.purchases_not_positive).toBe(0);
      expect(shape.postage).toBeGreaterThan(0);
      expect(shape.zero_prices).toBeGreaterThan(0);
      expect(shape.duplicates).toBeGreaterThan(0);
      expect(shape.duplicates / shape.lines).toBeLessThan(0.02);
      expect(shape.products).toBeGreaterThan(1000);
      expect(shape.invoices).toBeGreaterThan(OPTIONS.customers);
      expect(String(shape.first) >= '2010-12-01').toBe(true);
      expect(String(shape.last) < '2011-12-10').toBe(true);

      // Orders per customer are heavy-tailed: most buy once or twice, a few very often.
      const orders = await queryOne<Record<string, number>>(
        db.connection,
        `WITH per AS (
           SELECT CustomerID, count(DISTINCT InvoiceNo) AS n FROM read_csv($path, header = true, types = {'CustomerID': 'VARCHAR', 'InvoiceNo': 'VARCHAR'})
           WHERE CustomerID IS NOT NULL AND InvoiceNo NOT LIKE 'C%' GROUP BY 1
         )
         SELECT median(n)::DOUBLE AS median, max(n)::DOUBLE AS max FROM per`,
        { path: csv },
      );
      expect(orders.median).toBeLessThanOrEqual(2);
      expect(orders.max).toBeGreaterThan(20);
    } finally {
      db.close();
    }
  });
});

describe('bench Python scripts', () => {
  const python = '/usr/bin/python3';
  it.skipIf(!existsSync(python))('parse (python3 -m py_compile)', () => {
    const scripts = ['reference_pipeline.py', 'sklearn_kernels.py'].map((name) => fileURLToPath(new URL(`../../bench/${name}`, import.meta.url)));
    // Bytecode goes to a temporary prefix, not into bench/__pycache__.
    const result = spawnSync(python, ['-m', 'py_compile', ...scripts], {
      encoding: 'utf8',
      env: { ...process.env, PYTHONPYCACHEPREFIX: tempDir() },
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
