import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lloydAssign } from '../../src/ml/kernels/lloyd.ts';
import { KMeans } from '../../src/ml/kmeans.ts';
import { fromRows, toRows } from '../../src/ml/matrix.ts';
import { adjustedRandIndex, silhouetteSamples } from '../../src/ml/metrics.ts';
import { Rng } from '../../src/ml/rng.ts';

const labelsArb = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 2, maxLength: 60 });
const pointsArb = (d: number) =>
  fc.array(fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: d, maxLength: d }), { minLength: 6, maxLength: 40 });

describe('properties', () => {
  it('ARI is symmetric, at most 1, and 1 against any renaming of the same partition', () => {
    fc.assert(
      fc.property(labelsArb, fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 60, maxLength: 60 }), fc.integer({ min: 1, max: 1000 }), (a, other, shift) => {
        const b = other.slice(0, a.length);
        const ab = adjustedRandIndex(a, b);
        expect(Math.abs(ab - adjustedRandIndex(b, a))).toBeLessThan(1e-12);
        expect(ab).toBeLessThanOrEqual(1 + 1e-12);
        const renamed = a.map((l) => (l * 7 + shift) % 1009);
        expect(adjustedRandIndex(a, renamed)).toBe(1);
      }),
    );
  });

  it('silhouette values lie in [−1, 1]', () => {
    fc.assert(
      fc.property(pointsArb(2), fc.integer({ min: 0, max: 1000 }), (rows, seed) => {
        const rng = new Rng(seed);
        const labels = rows.map((_, i) => (i < 2 ? i : rng.nextInt(3)));
        if (new Set(labels).size >= rows.length) return;
        for (const s of silhouetteSamples(fromRows(rows), labels)) expect(Math.abs(s)).toBeLessThanOrEqual(1 + 1e-12);
      }),
    );
  });

  it('sampleWithoutReplacement always gives m sorted distinct indices below n', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3000 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(), (n, share, seed) => {
        const m = Math.floor(n * share);
        const s = new Rng(seed).sampleWithoutReplacement(n, m);
        expect(s.length).toBe(m);
        for (let i = 0; i < m; i += 1) {
          expect(s[i]).toBeLessThan(n);
          if (i > 0) expect(s[i]).toBeGreaterThan(s[i - 1]);
        }
      }),
    );
  });

  it('k-means never ends worse than its initial centroids, and its labels are its predictions', () => {
    fc.assert(
      fc.property(pointsArb(3), fc.integer({ min: 1, max: 5 }), fc.nat(), (rows, kWanted, seed) => {
        const X = fromRows(rows);
        const k = Math.min(kWanted, rows.length);
        const initial = fromRows(Array.from(new Rng(seed).sampleWithoutReplacement(rows.length, k), (i) => rows[i]));
        const n = rows.length;
        const start = lloydAssign(X.data, n, 3, initial.data, k, new Int32Array(n), new Float64Array(n), new Float64Array(k * 3), new Float64Array(k));
        const model = new KMeans({ k, tol: 0 }).fitFromCentroids(X, initial);
        expect(model.inertia).toBeLessThanOrEqual(start * (1 + 1e-12) + 1e-9);
        expect(Array.from(model.predict(X))).toEqual(Array.from(model.labels));
        expect(toRows(model.centroids)).toHaveLength(k);
      }),
      { numRuns: 60 },
    );
  });
});
