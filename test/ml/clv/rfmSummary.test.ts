import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.ts';
import { holdoutSummary, rfmSummary } from '../../../src/ml/clv/rfmSummary.ts';

// Transactions, deliberately unsorted:
//   customer 0: day 100 (10 + 5 same day), day 107 (20), day 121 (30), day 200 (after as-of)
//   customer 2: day 110 (8) only
//   customer 3: day 130 (12) — after as-of: not a calibration customer
//   customer 5: day 101 (1), day 101 (2), day 104 (-0.5 refund-like adjustment on its own day), day 115 (7)
const customer = Int32Array.of(0, 2, 0, 5, 0, 3, 0, 5, 5, 0, 5);
const day = Int32Array.of(121, 110, 100, 101, 107, 130, 100, 101, 104, 200, 115);
const value = Float64Array.of(30, 8, 10, 1, 20, 12, 5, 2, -0.5, 99, 7);

describe('rfmSummary', () => {
  it('computes frequency, recency, T and monetary value in days', () => {
    const s = rfmSummary(customer, day, value, { asOfDay: 125, timeUnit: 'days' });
    expect(Array.from(s.customer)).toEqual([0, 2, 5]);
    expect(Array.from(s.frequency)).toEqual([2, 0, 2]);
    expect(Array.from(s.recency)).toEqual([21, 0, 14]);
    expect(Array.from(s.T)).toEqual([25, 15, 24]);
    expect(Array.from(s.firstDay)).toEqual([100, 110, 101]);
    // Customer 0: repeat days 107 (20) and 121 (30) → 25; the same-day first orders (15) are excluded.
    // Customer 5: repeat days 104 (−0.5) and 115 (7) → 3.25.
    expect(Array.from(s.monetary_value)).toEqual([25, 0, 3.25]);
  });

  it('divides by 7 for weeks', () => {
    const s = rfmSummary(customer, day, value, { asOfDay: 125, timeUnit: 'weeks' });
    expect(s.recency[0]).toBeCloseTo(3, 15);
    expect(s.T[1]).toBeCloseTo(15 / 7, 15);
    expect(s.timeUnit).toBe('weeks');
  });

  it('counts the as-of day itself as inside the period', () => {
    const s = rfmSummary(customer, day, value, { asOfDay: 121, timeUnit: 'days' });
    expect(s.frequency[0]).toBe(2);
    expect(s.T[0]).toBe(21);
    expect(s.recency[0]).toBe(21);
  });

  it('agrees with a direct implementation on random transactions', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: -30, max: 40 }), fc.integer({ min: 0, max: 500 })), {
          maxLength: 60,
        }),
        fc.integer({ min: -10, max: 40 }),
        (rows, asOf) => {
          const s = rfmSummary(
            Int32Array.from(rows, (r) => r[0]),
            Int32Array.from(rows, (r) => r[1]),
            Float64Array.from(rows, (r) => r[2] / 4),
            { asOfDay: asOf, timeUnit: 'days' },
          );
          const byCustomer = new Map<number, Map<number, number>>();
          for (const [c, d, v] of rows) {
            if (d > asOf) continue;
            const days = byCustomer.get(c) ?? new Map<number, number>();
            days.set(d, (days.get(d) ?? 0) + v / 4);
            byCustomer.set(c, days);
          }
          const ids = [...byCustomer.keys()].sort((a, b) => a - b);
          expect(Array.from(s.customer)).toEqual(ids);
          ids.forEach((c, k) => {
            const days = [...byCustomer.get(c)!.entries()].sort((a, b) => a[0] - b[0]);
            const repeat = days.slice(1);
            expect(s.frequency[k]).toBe(repeat.length);
            expect(s.recency[k]).toBe(days[days.length - 1][0] - days[0][0]);
            expect(s.T[k]).toBe(asOf - days[0][0]);
            const mean = repeat.length === 0 ? 0 : repeat.reduce((sum, [, v]) => sum + v, 0) / repeat.length;
            expect(s.monetary_value[k]).toBeCloseTo(mean, 10);
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('returns empty arrays when nothing is on or before the as-of day', () => {
    const s = rfmSummary(customer, day, value, { asOfDay: 50, timeUnit: 'days' });
    expect(s.customer.length).toBe(0);
  });

  it('rejects bad input with the offending value', () => {
    expect(() => rfmSummary(customer, day, value, { asOfDay: 12.5, timeUnit: 'days' })).toThrow(/asOfDay.*12\.5/);
    expect(() => rfmSummary(customer, day, value, { asOfDay: 125, timeUnit: 'months' as 'days' })).toThrow(
      /timeUnit.*"months"/,
    );
    expect(() => rfmSummary(Int32Array.of(0, 1), Int32Array.of(1), Float64Array.of(1, 2), { asOfDay: 5, timeUnit: 'days' })).toThrow(
      InputError,
    );
    expect(() => rfmSummary(Int32Array.of(-1), Int32Array.of(1), Float64Array.of(1), { asOfDay: 5, timeUnit: 'days' })).toThrow(
      /customer index must be ≥ 0; got -1 at transaction 0/,
    );
    expect(() => rfmSummary(Int32Array.of(0), Int32Array.of(1), Float64Array.of(NaN), { asOfDay: 5, timeUnit: 'days' })).toThrow(
      /value must be finite; got NaN/,
    );
  });
});

describe('holdoutSummary', () => {
  it('counts purchase days in (calibration end, holdout end] for calibration customers only', () => {
    const calibration = rfmSummary(customer, day, value, { asOfDay: 105, timeUnit: 'days' });
    expect(Array.from(calibration.customer)).toEqual([0, 5]);
    const holdout = holdoutSummary(customer, day, value, calibration.customer, {
      calibrationEndDay: 105,
      holdoutEndDay: 200,
      timeUnit: 'weeks',
    });
    // Customer 0: days 107, 121, 200 (the end day is included); customer 5: day 115.
    // Customers 2 and 3 first bought after day 105 and are not counted.
    expect(Array.from(holdout.frequency)).toEqual([3, 1]);
    expect(Array.from(holdout.monetary_value)).toEqual([(20 + 30 + 99) / 3, 7]);
    expect(holdout.duration).toBeCloseTo(95 / 7, 15);
  });

  it('rejects a holdout that ends before it starts', () => {
    expect(() =>
      holdoutSummary(customer, day, value, Int32Array.of(0), { calibrationEndDay: 120, holdoutEndDay: 110, timeUnit: 'days' }),
    ).toThrow(/holdoutEndDay must be after calibrationEndDay; got holdoutEndDay=110, calibrationEndDay=120/);
  });
});
