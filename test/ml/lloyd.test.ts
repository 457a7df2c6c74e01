import { describe, expect, it } from 'vitest';
import { lloydAssign, lloydAssignLoop, MAX_UNROLLED_D } from '../../src/ml/kernels/lloyd.ts';
import { Rng } from '../../src/ml/rng.ts';

/** The definition, written the obvious way. */
function reference(X: Float64Array, n: number, d: number, C: Float64Array, k: number) {
  const labels: number[] = [];
  const dist2: number[] = [];
  const sums = new Array<number>(k * d).fill(0);
  const counts = new Array<number>(k).fill(0);
  let inertia = 0;
  for (let i = 0; i < n; i += 1) {
    const ds = Array.from({ length: k }, (_, c) => {
      let s = 0;
      for (let j = 0; j < d; j += 1) s += (X[i * d + j] - C[c * d + j]) ** 2;
      return s;
    });
    const best = Math.min(...ds);
    const label = ds.indexOf(best);
    labels.push(label);
    dist2.push(best);
    inertia += best;
    counts[label] += 1;
    for (let j = 0; j < d; j += 1) sums[label * d + j] += X[i * d + j];
  }
  return { labels, dist2, sums, counts, inertia };
}

describe('lloydAssign', () => {
  it('matches the definition on random data and overwrites stale buffers', () => {
    const rng = new Rng(1);
    for (const [n, d, k] of [[200, 3, 4], [57, 8, 8], [10, 1, 3], [31, 12, 2], [20, MAX_UNROLLED_D + 3, 3]]) {
      const X = Float64Array.from({ length: n * d }, () => rng.nextGaussian());
      const C = Float64Array.from({ length: k * d }, () => rng.nextGaussian());
      const labels = new Int32Array(n).fill(99);
      const dist2 = new Float64Array(n).fill(-1);
      const sums = new Float64Array(k * d).fill(123);
      const counts = new Float64Array(k).fill(7);
      const inertia = lloydAssign(X, n, d, C, k, labels, dist2, sums, counts);
      const ref = reference(X, n, d, C, k);
      expect(Array.from(labels)).toEqual(ref.labels);
      expect(Array.from(dist2)).toEqual(ref.dist2);
      expect(Array.from(counts)).toEqual(ref.counts);
      expect(Array.from(sums)).toEqual(ref.sums);
      expect(inertia).toBe(ref.inertia);
    }
  });

  it('the unrolled kernel of every d is bit-identical to the generic loop', () => {
    const rng = new Rng(2);
    for (let d = 1; d <= MAX_UNROLLED_D; d += 1) {
      const n = 40;
      const k = 1 + (d % 6);
      // Wide dynamic range, so any change of operation order would show in the last bits.
      const X = Float64Array.from({ length: n * d }, () => rng.nextGaussian() * 10 ** rng.nextInt(6));
      const C = Float64Array.from({ length: k * d }, (_, p) => X[p % (n * d)] + rng.nextGaussian());
      const a = { labels: new Int32Array(n), dist2: new Float64Array(n), sums: new Float64Array(k * d), counts: new Float64Array(k) };
      const b = { labels: new Int32Array(n), dist2: new Float64Array(n), sums: new Float64Array(k * d), counts: new Float64Array(k) };
      const ia = lloydAssign(X, n, d, C, k, a.labels, a.dist2, a.sums, a.counts);
      const ib = lloydAssignLoop(X, n, d, C, k, b.labels, b.dist2, b.sums, b.counts);
      expect(Object.is(ia, ib)).toBe(true);
      expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
      expect(Array.from(a.dist2)).toEqual(Array.from(b.dist2));
      expect(Array.from(a.sums)).toEqual(Array.from(b.sums));
      expect(Array.from(a.counts)).toEqual(Array.from(b.counts));
    }
  });

  it('sends ties to the lowest centroid index', () => {
    // Point 0 is equidistant from centroids 1 and 2 (and 3, a duplicate of 2).
    const X = Float64Array.of(0, 0, 5, 5);
    const C = Float64Array.of(10, 10, -1, 0, 1, 0, 1, 0);
    const labels = new Int32Array(2);
    const dist2 = new Float64Array(2);
    const inertia = lloydAssign(X, 2, 2, C, 4, labels, dist2, new Float64Array(8), new Float64Array(4));
    expect(Array.from(labels)).toEqual([1, 2]);
    expect(Array.from(dist2)).toEqual([1, 41]);
    expect(inertia).toBe(42);
  });

  it('only touches the first n rows and k clusters of larger buffers', () => {
    const X = Float64Array.of(1, 2, 3);
    const labels = new Int32Array(4).fill(-5);
    const dist2 = new Float64Array(4).fill(-5);
    const sums = new Float64Array(3).fill(-5);
    const counts = new Float64Array(3).fill(-5);
    lloydAssign(X, 3, 1, Float64Array.of(0, 3), 2, labels, dist2, sums, counts);
    expect(Array.from(labels)).toEqual([0, 1, 1, -5]);
    expect(Array.from(sums)).toEqual([1, 5, -5]);
    expect(Array.from(counts)).toEqual([1, 2, -5]);
  });
});
