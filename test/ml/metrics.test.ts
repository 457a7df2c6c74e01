import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { fromRows, type DenseMatrix } from '../../src/ml/matrix.ts';
import {
  adjustedRandIndex,
  calinskiHarabasz,
  contingencyTable,
  daviesBouldin,
  jaccard,
  silhouetteSamples,
  silhouetteScore,
} from '../../src/ml/metrics.ts';
import { Rng } from '../../src/ml/rng.ts';

const line = (...xs: number[]): DenseMatrix => fromRows(xs.map((x) => [x]));

/** The plain double loop over pairs: the reference the kernel must match bit for bit. */
function silhouetteByPairs(data: Float64Array, n: number, d: number, labels: ArrayLike<number>): Float64Array {
  const ids = Int32Array.from(labels);
  const K = Math.max(...ids) + 1;
  const sums = new Float64Array(n * K);
  const sizes = new Float64Array(K);
  for (let i = 0; i < n; i += 1) sizes[ids[i]] += 1;
  for (let i = 0; i < n; i += 1) {
    for (let j = i + 1; j < n; j += 1) {
      let s = 0;
      for (let t = 0; t < d; t += 1) {
        const diff = data[i * d + t] - data[j * d + t];
        s += diff * diff;
      }
      const dist = Math.sqrt(s);
      sums[i * K + ids[j]] += dist;
      sums[j * K + ids[i]] += dist;
    }
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    const own = ids[i];
    if (sizes[own] <= 1) continue;
    const a = sums[i * K + own] / (sizes[own] - 1);
    let b = Infinity;
    for (let c = 0; c < K; c += 1) if (c !== own && sizes[c] > 0) b = Math.min(b, sums[i * K + c] / sizes[c]);
    const denom = Math.max(a, b);
    out[i] = denom > 0 ? (b - a) / denom : 0;
  }
  return out;
}

describe('silhouette', () => {
  it.each([
    [301, 1, 3],
    [300, 3, 4],
    [257, 4, 6],
    [200, 5, 2],
    [199, 8, 7],
    [150, 9, 5],
    [120, 12, 3],
  ])('n=%i d=%i K=%i: bit-identical to the plain double loop over pairs', (n, d, K) => {
    const rng = new Rng(n * 31 + d);
    // Integer coordinates make exact distance ties and duplicate points likely; one singleton cluster.
    const data = Float64Array.from({ length: n * d }, () => rng.nextInt(7) + (rng.next() < 0.5 ? 0 : rng.next()));
    const labels = Int32Array.from({ length: n }, (_, i) => (i === n - 1 ? K - 1 : rng.nextInt(K - 1)));
    const ours = silhouetteSamples({ data, rows: n, cols: d }, labels);
    const expected = silhouetteByPairs(data, n, d, labels);
    expect(Buffer.from(ours.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
  });

  it('matches the hand computation on four points', () => {
    // Clusters {0, 1} and {4, 6} on a line.
    //   x=0: a = 1, b = (4 + 6)/2 = 5   → 4/5
    //   x=1: a = 1, b = (3 + 5)/2 = 4   → 3/4
    //   x=4: a = 2, b = (4 + 3)/2 = 3.5 → 1.5/3.5 = 3/7
    //   x=6: a = 2, b = (6 + 5)/2 = 5.5 → 3.5/5.5 = 7/11
    const X = line(0, 1, 4, 6);
    const labels = [0, 0, 1, 1];
    const s = silhouetteSamples(X, labels);
    expect(Array.from(s)).toEqual([4 / 5, 3 / 4, 3 / 7, 7 / 11].map((v) => expect.closeTo(v, 14)));
    expect(silhouetteScore(X, labels)).toBeCloseTo((4 / 5 + 3 / 4 + 3 / 7 + 7 / 11) / 4, 14);
  });

  it('gives 0 to a point alone in its cluster and ignores label names', () => {
    // {0, 2} and {10}: x=0: a=2, b=10 → 0.8; x=2: a=2, b=8 → 0.75; x=10 alone → 0.
    const s = silhouetteSamples(line(0, 2, 10), [7, 7, -3]);
    expect(Array.from(s)).toEqual([0.8, 0.75, 0].map((v) => expect.closeTo(v, 14)));
  });

  it('uses Euclidean distance in several dimensions', () => {
    // {(0,0), (3,4)} and {(0,10)}: point (0,0): a = 5, b = 10 → 0.5.
    const s = silhouetteSamples(fromRows([[0, 0], [3, 4], [0, 10]]), [0, 0, 1]);
    expect(s[0]).toBeCloseTo(0.5, 14);
    // point (3,4): a = 5, b = √(9 + 36) = √45.
    expect(s[1]).toBeCloseTo((Math.sqrt(45) - 5) / Math.sqrt(45), 14);
  });

  it('on a seeded sample stays within ±0.02 of the exact value', () => {
    const rng = new Rng(1);
    const n = 5000;
    const rows = Array.from({ length: n }, () => [rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian()]);
    // Overlapping clusters (a mediocre silhouette varies most between samples).
    const labels = rows.map((r) => (r[0] + 0.5 * rng.nextGaussian() > 0 ? 1 : 0) + (r[1] > 0.3 ? 2 : 0));
    const X = fromRows(rows);
    const exact = silhouetteScore(X, labels, { sampleSize: n });
    expect(exact).toBeGreaterThan(0.05);
    expect(exact).toBeLessThan(0.6);
    for (const seed of [0, 1, 2]) {
      const sampled = silhouetteScore(X, labels, { sampleSize: 2000, seed });
      expect(Math.abs(sampled - exact)).toBeLessThan(0.02);
      expect(sampled).not.toBe(exact);
      expect(silhouetteScore(X, labels, { sampleSize: 2000, seed })).toBe(sampled);
    }
  });

  it('refuses one cluster, as many clusters as points, and mismatched lengths', () => {
    expect(() => silhouetteScore(line(0, 1, 2), [0, 0, 0])).toThrow(/between 2 and n − 1 = 2 clusters, got 1/);
    expect(() => silhouetteSamples(line(0, 1, 2), [0, 1, 2])).toThrow(InputError);
    expect(() => silhouetteScore(line(0, 1, 2), [0, 1])).toThrow(/2 labels for 3 rows/);
    expect(() => silhouetteScore(line(0, 1, 2), [0, 1, 1], { sampleSize: 1 })).toThrow(/sampleSize/);
  });
});

describe('Calinski-Harabasz', () => {
  it('matches the hand computation', () => {
    // {0, 1} and {4, 6}: mean 2.75, centres 0.5 and 5.
    // between = 2·2.25² + 2·2.25² = 20.25; within = 0.25 + 0.25 + 1 + 1 = 2.5
    // CH = (20.25 / (2 − 1)) / (2.5 / (4 − 2)) = 16.2
    expect(calinskiHarabasz(line(0, 1, 4, 6), [0, 0, 1, 1], 2)).toBeCloseTo(16.2, 12);
  });

  it('ignores empty labels and is 1 when every point sits on its centre', () => {
    expect(calinskiHarabasz(line(0, 1, 4, 6), [0, 0, 2, 2], 3)).toBeCloseTo(16.2, 12);
    expect(calinskiHarabasz(line(1, 1, 5), [0, 0, 1], 2)).toBe(1);
    expect(() => calinskiHarabasz(line(1, 2), [0, 2], 2)).toThrow(/label 2 of row 1 is outside \[0, 2\)/);
  });
});

describe('Davies-Bouldin', () => {
  it('matches the hand computation for two clusters', () => {
    // spreads 0.5 and 1, centroid distance 4.5: (0.5 + 1) / 4.5 = 1/3 for both.
    expect(daviesBouldin(line(0, 1, 4, 6), [0, 0, 1, 1], line(0.5, 5))).toBeCloseTo(1 / 3, 14);
  });

  it('takes the worst neighbour of each cluster', () => {
    // {0, 2}: c=1, s=1; {5, 7}: c=6, s=1; {20, 30}: c=25, s=5.
    // R(A,B) = 2/5, R(A,C) = 6/24, R(B,C) = 6/19 → D = [2/5, 2/5, 6/19].
    const X = line(0, 2, 5, 7, 20, 30);
    expect(daviesBouldin(X, [0, 0, 1, 1, 2, 2], line(1, 6, 25))).toBeCloseTo((0.4 + 0.4 + 6 / 19) / 3, 14);
  });

  it('is 0 when every point sits on its centroid', () => {
    expect(daviesBouldin(line(1, 1, 5), [0, 0, 1], line(1, 5))).toBe(0);
  });
});

describe('adjusted Rand index', () => {
  it('matches known values', () => {
    // Contingency [[2,1,0],[0,1,2]]: index 2, expected 6·3/15 = 1.2, max 4.5 → 0.8/3.3.
    expect(adjustedRandIndex([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2])).toBeCloseTo(0.8 / 3.3, 14);
    // scikit-learn's documented examples.
    expect(adjustedRandIndex([0, 0, 1, 2], [0, 0, 1, 1])).toBeCloseTo(0.5714285714285714, 14);
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(-0.5, 14);
    expect(adjustedRandIndex([0, 0, 0, 0], [0, 1, 2, 3])).toBe(0);
  });

  it('is 1 for identical partitions under any renaming, including a single cluster', () => {
    expect(adjustedRandIndex([0, 0, 1, 1, 2], [5, 5, 3, 3, 9])).toBe(1);
    expect(adjustedRandIndex([0, 0, 0], [4, 4, 4])).toBe(1);
    expect(adjustedRandIndex([0, 1, 2], [2, 1, 0])).toBe(1);
    expect(adjustedRandIndex([], [])).toBe(1);
  });

  it('is symmetric and near 0 for independent labelings', () => {
    const rng = new Rng(3);
    const a = Int32Array.from({ length: 20000 }, () => rng.nextInt(5));
    const b = Int32Array.from({ length: 20000 }, () => rng.nextInt(4));
    expect(Math.abs(adjustedRandIndex(a, b))).toBeLessThan(0.005);
    expect(adjustedRandIndex(a, b)).toBe(adjustedRandIndex(b, a));
  });

  it('handles labelings with thousands of labels (sparse table)', () => {
    const a = Int32Array.from({ length: 6000 }, (_, i) => i >> 1); // 3000 pairs
    const b = Int32Array.from({ length: 6000 }, (_, i) => (i >> 1) * 7);
    expect(adjustedRandIndex(a, b)).toBe(1);
    expect(() => adjustedRandIndex([1], [1, 2])).toThrow(InputError);
  });
});

describe('contingency table and Jaccard', () => {
  it('cross-tabulates two labelings', () => {
    const t = contingencyTable([0, 0, 1, 1, 1], [2, 3, 3, 3, 2]);
    expect(t.rowLabels).toEqual([0, 1]);
    expect(t.colLabels).toEqual([2, 3]);
    expect(Array.from(t.table)).toEqual([1, 1, 1, 2]);
    expect(Array.from(t.rowSums)).toEqual([2, 3]);
    expect(Array.from(t.colSums)).toEqual([2, 3]);
  });

  it('computes |A ∩ B| / |A ∪ B|', () => {
    expect(jaccard([1, 2, 3], [2, 3, 4, 5])).toBeCloseTo(2 / 5, 15);
    expect(jaccard([3, 1], [1, 3, 3])).toBe(1);
    expect(jaccard([1], [2])).toBe(0);
    expect(jaccard([], [])).toBe(1);
  });
});
