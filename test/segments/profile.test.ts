import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/ml/rng.ts';
import { populationStats, segmentStats } from '../../src/segments/profile.ts';

/** The straightforward definition: filter, sum in order, sort for the median. */
function reference(values: Float64Array, keep: (i: number) => boolean): { mean: number; std: number; median: number } {
  const selected: number[] = [];
  for (let i = 0; i < values.length; i += 1) if (keep(i) && !Number.isNaN(values[i])) selected.push(values[i]);
  if (selected.length === 0) return { mean: NaN, std: NaN, median: NaN };
  const mean = selected.reduce((a, b) => a + b, 0) / selected.length;
  const variance = selected.reduce((a, b) => a + (b - mean) * (b - mean), 0) / selected.length;
  const sorted = Float64Array.from(selected).sort();
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { mean, std: Math.sqrt(variance), median };
}

function columnsFor(n: number, seed: number): { columns: Record<string, Float64Array>; ids: Int32Array; k: number } {
  const rng = new Rng(seed);
  const next = () => rng.next();
  const k = 5;
  const ids = new Int32Array(n);
  // Segment 4 stays empty; segment 3 is tiny.
  for (let i = 0; i < n; i += 1) ids[i] = next() < 0.01 ? 3 : Math.floor(next() * 3);
  const revenue = new Float64Array(n);
  const frequency = new Float64Array(n);
  const share = new Float64Array(n);
  const skewed = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    revenue[i] = Math.round((next() - 0.1) * 1e6) / 100;
    frequency[i] = next() < 0.6 ? 1 : 1 + Math.floor(next() * 20);
    // Mostly zeros of both signs, some NaN: medians of zero must keep the sort's sign.
    const r = next();
    share[i] = r < 0.4 ? 0 : r < 0.8 ? -0 : r < 0.9 ? NaN : next() - 0.5;
    skewed[i] = Math.exp(next() * 12) * (next() < 0.05 ? -1 : 1);
  }
  return { columns: { revenue, frequency, share, skewed }, ids, k };
}

describe('segment statistics', () => {
  for (const [n, seed] of [
    [1, 1],
    [2, 2],
    [7, 3],
    [1000, 4],
    [20001, 5],
  ] as const) {
    it(`match the sort-based definition exactly (n = ${n})`, () => {
      const { columns, ids, k } = columnsFor(n, seed);
      const population = populationStats(columns);
      for (const [name, values] of Object.entries(columns)) {
        const expected = reference(values, () => true);
        expect(population.mean[name], name).toStrictEqual(expected.mean);
        expect(population.std[name]).toStrictEqual(expected.std);
        expect(population.median[name]).toStrictEqual(expected.median);
      }
      const stats = segmentStats(columns, ids, k, population);
      expect(stats.map((s) => s.id)).toEqual([0, 1, 2, 3, 4]);
      expect(stats.reduce((a, s) => a + s.size, 0)).toBe(n);
      for (const s of stats) {
        let revenue = 0;
        for (let i = 0; i < n; i += 1) if (ids[i] === s.id) revenue += columns.revenue[i];
        expect(s.revenue).toBe(revenue);
        expect(Object.keys(s.profile)).toEqual(Object.keys(columns));
        for (const [name, values] of Object.entries(columns)) {
          const expected = reference(values, (i) => ids[i] === s.id);
          expect(s.profile[name]).toStrictEqual(expected.mean);
          expect(s.median[name], `${name} of segment ${s.id}`).toStrictEqual(expected.median);
        }
      }
    });
  }

  it('leaves the input columns untouched', () => {
    const { columns, ids, k } = columnsFor(500, 9);
    const copies = Object.fromEntries(Object.entries(columns).map(([name, values]) => [name, Float64Array.from(values)]));
    segmentStats(columns, ids, k, populationStats(columns));
    for (const [name, values] of Object.entries(columns)) expect(values).toStrictEqual(copies[name]);
  });
});
