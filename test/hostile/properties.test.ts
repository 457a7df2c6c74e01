import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/files.ts';
import { runMain } from '../helpers/inProcess.ts';
import { SHOP_HEADER, toCsv } from '../helpers/shop.ts';

const FAST = ['--k', '2', '--stability-resamples', '0', '--n-init', '2', '--no-report', '--silhouette-sample', '500'];

/** A random order line: a few customers, dates in 2011, returns as negative quantities. */
const line = fc.record({
  customer: fc.constantFrom('007', 'A', 'b b', 'Ü', '12', '9'),
  order: fc.integer({ min: 1, max: 25 }),
  product: fc.constantFrom('P1', 'P2', 'P3', 'P4'),
  quantity: fc.integer({ min: -3, max: 12 }).filter((q) => q !== 0),
  day: fc.integer({ min: 0, max: 330 }),
  price: fc.constantFrom('0.5', '1.25', '2', '10', '99.99'),
});

type Line = typeof line extends fc.Arbitrary<infer T> ? T : never;

function rowsOf(lines: Line[]): string[][] {
  return lines.map((l) => {
    const date = new Date(Date.UTC(2011, 0, 1 + l.day, 10)).toISOString().slice(0, 19).replace('T', ' ');
    // an order belongs to one customer; a return is a C-invoice of its own
    const invoice = `${l.quantity < 0 ? 'C' : ''}${l.customer}-${l.order}`;
    return [invoice, l.product, 'ITEM', String(l.quantity), date, l.price, l.customer, 'UK'];
  });
}

/** The revenue each customer should get, computed independently of the SQL. */
function expectedRevenue(rows: string[][]): Map<string, number> {
  const seen = new Set<string>();
  const unique = rows.filter((r) => {
    const key = r.join('\u0001');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const buyers = new Set(unique.filter((r) => Number(r[3]) > 0).map((r) => r[6]));
  const revenue = new Map<string, number>();
  for (const r of unique) {
    if (!buyers.has(r[6])) continue;
    revenue.set(r[6], (revenue.get(r[6]) ?? 0) + Number(r[3]) * Number(r[5]));
  }
  return revenue;
}

function parseCsv(path: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(path, 'utf8').trimEnd().split('\n');
  const names = header.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [names[i], v])));
}

describe('properties of any transaction table', () => {
  it('counts add up, every customer is in one segment, shares sum to 1, revenue is the sum of used lines, row order changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 8, maxLength: 60 }), fc.integer({ min: 0, max: 1000 }), async (lines, shuffleSeed) => {
        const dir = tempDir();
        const rows = rowsOf(lines);
        const file = join(dir, 'in.csv');
        writeFileSync(file, toCsv(SHOP_HEADER, rows));
        const result = await runMain(['discover', '--input', file, '--out', join(dir, 'a'), ...FAST]);
        const revenue = expectedRevenue(rows);
        if (revenue.size < 3) {
          expect(result.code).toBe(2);
          return;
        }
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
        const manifest = JSON.parse(readFileSync(join(dir, 'a', 'manifest.json'), 'utf8'));
        const { read, used, out_of_window, rejected, rejected_by_reason } = manifest.rows;
        expect(read).toBe(rows.length);
        expect(used + out_of_window + rejected).toBe(read);
        expect(Object.values(rejected_by_reason as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(rejected);
        expect(parseCsv(join(dir, 'a', 'rejects.csv'))).toHaveLength(read - used);

        const customers = parseCsv(join(dir, 'a', 'customers.csv'));
        const segments = JSON.parse(readFileSync(join(dir, 'a', 'segments.json'), 'utf8'));
        expect(new Set(customers.map((c) => c.customer_id)).size).toBe(customers.length);
        expect(customers.length).toBe(revenue.size);
        for (const c of customers) {
          expect(Number(c.segment_id)).toBeGreaterThanOrEqual(0);
          expect(Number(c.segment_id)).toBeLessThan(segments.k);
          expect(Number(c.revenue)).toBeCloseTo(revenue.get(c.customer_id)!, 2);
        }
        expect(segments.segments.reduce((a: number, s: { size: number }) => a + s.size, 0)).toBe(customers.length);
        expect(segments.segments.reduce((a: number, s: { share: number }) => a + s.share, 0)).toBeCloseTo(1, 5);

        // the same rows in another order give the same outputs
        const shuffled = [...rows];
        let state = shuffleSeed + 1;
        for (let i = shuffled.length - 1; i > 0; i -= 1) {
          state = (Math.imul(state, 48271) + 11) % 2147483647;
          const j = Math.abs(state) % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
        }
        const file2 = join(dir, 'shuffled.csv');
        writeFileSync(file2, toCsv(SHOP_HEADER, shuffled));
        const again = await runMain(['discover', '--input', file2, '--out', join(dir, 'b'), ...FAST]);
        expect(again.code).toBe(0);
        for (const name of ['customers.csv', 'segments.json']) {
          expect(readFileSync(join(dir, 'b', name), 'utf8')).toBe(readFileSync(join(dir, 'a', name), 'utf8'));
        }
      }),
      { numRuns: 25, seed: 20261129 },
    );
  }, 300_000);
});
