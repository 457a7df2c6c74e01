import { describe, expect, it } from 'vitest';
import type { MixedData } from '../../src/ml/kPrototypes.ts';
import { silhouetteSamples } from '../../src/ml/metrics.ts';
import { gatherMixedRows, mixedPairDistance, mixedSilhouetteSamples, mixedSilhouetteScore } from '../../src/ml/mixedSilhouette.ts';
import { Rng } from '../../src/ml/rng.ts';

/** Four rows, one number and one category (codes 0 = a, 1 = b), worked by hand below. */
const SMALL: MixedData = { n: 4, p: 1, q: 1, numeric: Float64Array.from([0, 0, 3, 4]), categorical: Int32Array.from([0, 1, 0, 0]) };

describe('mixed silhouette', () => {
  it('matches a hand-computed case', () => {
    // γ = 1: d(0,1) = √(0 + 1) = 1, d(0,2) = 3, d(0,3) = 4, d(1,2) = √10, d(1,3) = √17, d(2,3) = 1.
    expect(mixedPairDistance(SMALL, 1, 2, 1)).toBeCloseTo(Math.sqrt(10), 12);
    const s = mixedSilhouetteSamples(SMALL, [0, 0, 1, 1], 1);
    const expected = [
      [1, (3 + 4) / 2],
      [1, (Math.sqrt(10) + Math.sqrt(17)) / 2],
      [1, (3 + Math.sqrt(10)) / 2],
      [1, (4 + Math.sqrt(17)) / 2],
    ].map(([a, b]) => (b - a) / Math.max(a, b));
    expected.forEach((value, i) => expect(s[i]).toBeCloseTo(value, 12));
    expect(mixedSilhouetteScore(SMALL, [0, 0, 1, 1], { gamma: 1 })).toBeCloseTo(expected.reduce((x, y) => x + y) / 4, 12);
    // γ weighs the category: without it the two left rows coincide.
    expect(mixedSilhouetteSamples(SMALL, [0, 0, 1, 1], 0)[0]).toBeCloseTo(1, 12);
  });

  it('is the ordinary silhouette when there are no categories', () => {
    const rng = new Rng(3);
    const n = 60;
    const numeric = Float64Array.from({ length: n * 2 }, (_, t) => rng.nextGaussian() + (Math.floor(t / 2) % 3) * 4);
    const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
    const mixed = mixedSilhouetteSamples({ n, p: 2, q: 0, numeric, categorical: new Int32Array(0) }, labels, 0.5);
    const euclidean = silhouetteSamples({ data: numeric, rows: n, cols: 2 }, labels);
    for (let i = 0; i < n; i += 1) expect(mixed[i]).toBeCloseTo(euclidean[i]!, 12);
  });

  it('scores a seeded sample above sampleSize: the exact silhouette of those rows, the same for the same seed', () => {
    const rng = new Rng(9);
    const n = 300;
    const data: MixedData = {
      n,
      p: 1,
      q: 2,
      numeric: Float64Array.from({ length: n }, (_, i) => rng.nextGaussian() + (i % 2) * 3),
      categorical: Int32Array.from({ length: n * 2 }, (_, t) => (Math.floor(t / 2) % 2) * (t % 2 === 0 ? 1 : rng.nextInt(3))),
    };
    const labels = Int32Array.from({ length: n }, (_, i) => i % 2);
    const sampled = mixedSilhouetteScore(data, labels, { gamma: 0.5, sampleSize: 50, seed: 4 });
    expect(mixedSilhouetteScore(data, labels, { gamma: 0.5, sampleSize: 50, seed: 4 })).toBe(sampled);
    const rows = new Rng(4).sampleWithoutReplacement(n, 50);
    const subset = gatherMixedRows(data, rows);
    const exact = mixedSilhouetteSamples(subset, Int32Array.from(rows, (i) => labels[i]!), 0.5);
    expect(sampled).toBeCloseTo(exact.reduce((a, b) => a + b) / 50, 12);
    expect(sampled).toBeGreaterThan(0.3);
  });

  it('refuses a single cluster', () => {
    expect(() => mixedSilhouetteScore(SMALL, [0, 0, 0, 0], { gamma: 1 })).toThrow(/between 2 and n − 1/);
  });
});
