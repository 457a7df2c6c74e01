import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

const created: string[] = [];

/** A fresh temporary directory, removed after the test. */
export function tempDir(prefix = 'segmenta-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

afterEach(() => {
  while (created.length > 0) rmSync(created.pop()!, { recursive: true, force: true });
});

/** Writes rows as a CSV file (values are written as given: quote them in the test when needed). */
export function writeCsv(dir: string, name: string, header: string[], rows: (string | number)[][], delimiter = ','): string {
  const path = join(dir, name);
  writeFileSync(path, [header.join(delimiter), ...rows.map((r) => r.join(delimiter))].join('\n') + '\n');
  return path;
}

/** The Online Retail header. */
export const RETAIL_HEADER = ['InvoiceNo', 'StockCode', 'Description', 'Quantity', 'InvoiceDate', 'UnitPrice', 'CustomerID', 'Country'];
