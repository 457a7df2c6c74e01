import { kmeans as mlKmeans } from 'ml-kmeans';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { lloydAssign, type LloydAssign } from '../../src/ml/kernels/lloyd.ts';
import { KMEANS_FORMAT, KMeans } from '../../src/ml/kmeans.ts';
import { fromRows, gatherRows, toRows, type DenseMatrix } from '../../src/ml/matrix.ts';
import { adjustedRandIndex } from '../../src/ml/metrics.ts';
import { Rng } from '../../src/ml/rng.ts';

/** k well-separated Gaussian blobs (centres 20 apart, unit spread), rows in shuffled cluster order. */
function blobs(n: number, d: number, k: number, seed: number, spread = 1): { X: DenseMatrix; truth: Int32Array } {
  const rng = new Rng(seed);
  const centres = Array.from({ length: k * d }, () => rng.next() * 100);
  const truth = Int32Array.from({ length: n }, () => rng.nextInt(k));
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i += 1) for (let j = 0; j < d; j += 1) data[i * d + j] = centres[truth[i] * d + j] + spread * rng.nextGaussian();
  return { X: { data, rows: n, cols: d }, truth };
}

function uniform(n: number, d: number, seed: number): DenseMatrix {
  const rng = new Rng(seed);
  return { data: Float64Array.from({ length: n * d }, () => rng.next()), rows: n, cols: d };
}

/** Σ min_c ‖x − c‖², computed independently of the estimator. */
function inertiaOf(X: DenseMatrix, centroids: number[][]): number {
  let total = 0;
  for (const x of toRows(X)) total += Math.min(...centroids.map((c) => c.reduce((s, v, j) => s + (x[j] - v) ** 2, 0)));
  return total;
}

describe('KMeans', () => {
  describe('reaches the same optimum as ml-kmeans from the same initial centroids', () => {
    it.each([
      ['500×4 planted blobs, k = 4', blobs(500, 4, 4, 1, 8).X, 4, 11],
      ['500×4 planted blobs, k = 6', blobs(500, 4, 4, 1, 8).X, 6, 12],
      ['random 300×6, k = 5', uniform(300, 6, 2), 5, 13],
      ['random 300×6, k = 8', uniform(300, 6, 3), 8, 14],
    ])('%s', (_, X, k, seed) => {
      const initial = gatherRows(X, new Rng(seed).sampleWithoutReplacement(X.rows, k));
      const theirs = mlKmeans(toRows(X), k, { initialization: toRows(initial), maxIterations: 10000, tolerance: 0 });
      expect(theirs.converged).toBe(true);
      const ours = new KMeans({ k, tol: 0, maxIter: 10000 }).fitFromCentroids(X, initial);
      const expected = inertiaOf(X, theirs.centroids);
      expect(Math.abs(ours.inertia - expected) / expected).toBeLessThan(1e-9);
      expect(adjustedRandIndex(ours.labels, theirs.clusters)).toBe(1);
      // Both count the final pass that finds nothing moving.
      expect(ours.nIter).toBe(theirs.iterations);
      expect(ours.nIter).toBeGreaterThan(3);
    });
  });

  it('recovers planted blobs exactly (ARI 1), whatever the seed', () => {
    const { X, truth } = blobs(600, 5, 5, 7);
    const first = new KMeans({ k: 5, seed: 0 }).fit(X);
    expect(adjustedRandIndex(first.labels, truth)).toBe(1);
    for (const seed of [1, 2, 99]) {
      const other = new KMeans({ k: 5, seed }).fit(X);
      expect(adjustedRandIndex(other.labels, truth)).toBe(1);
      // Canonical numbering: the same partition gets the same labels, however it was found.
      expect(Array.from(other.labels)).toEqual(Array.from(first.labels));
    }
  });

  it('is deterministic: same seed, identical labels and bit-identical inertia and centroids', () => {
    const X = uniform(800, 3, 5);
    const a = new KMeans({ k: 6, seed: 42, nInit: 4 }).fit(X);
    const b = new KMeans({ k: 6, seed: 42, nInit: 4 }).fit(X);
    expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
    expect(Object.is(a.inertia, b.inertia)).toBe(true);
    expect(Array.from(b.centroids.data)).toEqual(Array.from(a.centroids.data));
    expect(b.nIter).toBe(a.nIter);
  });

  it('numbers clusters by first appearance in data order', () => {
    const X = uniform(400, 2, 6);
    const labels = new KMeans({ k: 7, seed: 3 }).fit(X).labels;
    let next = 0;
    for (const l of labels) {
      expect(l).toBeLessThanOrEqual(next);
      if (l === next) next += 1;
    }
    expect(next).toBe(7);
  });

  it('keeps the best of nInit runs', () => {
    const X = uniform(300, 2, 8);
    const best = new KMeans({ k: 9, seed: 5, nInit: 8 }).fit(X).inertia;
    for (let r = 0; r < 8; r += 1) {
      // A single run's inertia is never better than the best of eight runs that include it.
      expect(new KMeans({ k: 9, seed: 5, nInit: r + 1 }).fit(X).inertia).toBeGreaterThanOrEqual(best);
    }
  });

  it('labels, inertia and centroids are consistent even when stopped early', () => {
    const X = uniform(500, 4, 9);
    for (const maxIter of [1, 2, 300]) {
      const model = new KMeans({ k: 5, seed: 1, maxIter, nInit: 2 }).fit(X);
      expect(model.nIter).toBeLessThanOrEqual(maxIter);
      expect(Array.from(model.predict(X))).toEqual(Array.from(model.labels));
      const expected = inertiaOf(X, toRows(model.centroids));
      expect(model.inertia).toBeCloseTo(expected, 9);
    }
  });

  it('converged centroids are the means of their clusters', () => {
    const X = uniform(400, 3, 10);
    const model = new KMeans({ k: 4, seed: 2, tol: 0 }).fit(X);
    const C = model.centroids;
    for (let c = 0; c < 4; c += 1) {
      const members = toRows(X).filter((_, i) => model.labels[i] === c);
      expect(members.length).toBeGreaterThan(0);
      for (let j = 0; j < 3; j += 1) expect(C.data[c * 3 + j]).toBeCloseTo(members.reduce((s, r) => s + r[j], 0) / members.length, 12);
    }
  });

  it('stops earlier with a looser tolerance', () => {
    const X = uniform(2000, 2, 11);
    const strict = new KMeans({ k: 10, seed: 4, nInit: 1, tol: 0 }).fit(X);
    const loose = new KMeans({ k: 10, seed: 4, nInit: 1, tol: 1e-2 }).fit(X);
    expect(loose.nIter).toBeLessThan(strict.nIter);
    expect(loose.inertia).toBeGreaterThanOrEqual(strict.inertia);
  });

  it('moves an empty cluster onto the point farthest from its centroid', () => {
    // Two tight pairs and an outlier; the third initial centroid is far from everything.
    const X = fromRows([[0, 0], [0, 1], [10, 0], [10, 1], [30, 0]]);
    const initial = fromRows([[0, 0.5], [12, 0.5], [1000, 1000]]);
    const model = new KMeans({ k: 3, tol: 0 }).fitFromCentroids(X, initial);
    // The outlier (farthest from its centroid after the first pass) gets a cluster of its own.
    expect(Array.from(model.labels)).toEqual([0, 0, 1, 1, 2]);
    expect(toRows(model.centroids)).toEqual([[0, 0.5], [10, 0.5], [30, 0]]);
    expect(model.inertia).toBe(1);
  });

  it('handles as many clusters as distinct points, and duplicates', () => {
    const X = fromRows([[1, 1], [1, 1], [2, 2], [3, 3], [3, 3]]);
    const model = new KMeans({ k: 3, seed: 0 }).fit(X);
    expect(model.inertia).toBe(0);
    expect(Array.from(model.labels)).toEqual([0, 0, 1, 2, 2]);
    const single = new KMeans({ k: 1 }).fit(X);
    expect(toRows(single.centroids)).toEqual([[2, 2]]);
  });

  it('random init also recovers the blobs', () => {
    const { X, truth } = blobs(300, 3, 3, 12);
    expect(adjustedRandIndex(new KMeans({ k: 3, init: 'random', seed: 1 }).fit(X).labels, truth)).toBe(1);
  });

  it('transform gives Euclidean distances to every centroid', () => {
    const X = fromRows([[0, 0], [0, 2], [10, 0], [10, 2]]);
    const model = new KMeans({ k: 2, seed: 0 }).fit(X);
    const D = model.transform(fromRows([[5, 1], [0, 1]]));
    expect(D.rows).toBe(2);
    expect(D.cols).toBe(2);
    expect(Array.from(D.data)).toEqual([5, 5, 0, 10]);
    expect(Array.from(model.predict(fromRows([[9, 9], [-1, 0]])))).toEqual([1, 0]);
  });

  it('runs with another assignment kernel of the same signature', () => {
    const X = uniform(300, 3, 15);
    let calls = 0;
    const counting: LloydAssign = (...args) => {
      calls += 1;
      return lloydAssign(...args);
    };
    const a = new KMeans({ k: 4, seed: 1, assign: counting }).fit(X);
    const b = new KMeans({ k: 4, seed: 1 }).fit(X);
    expect(calls).toBeGreaterThan(0);
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    expect(a.inertia).toBe(b.inertia);
  });

  it('validates its options and input, naming the offending value', () => {
    expect(() => new KMeans({ k: 0 })).toThrow(/k must be an integer ≥ 1, got 0/);
    expect(() => new KMeans({ k: 2.5 })).toThrow(InputError);
    expect(() => new KMeans({ k: 2, nInit: 0 })).toThrow(/nInit must be an integer ≥ 1, got 0/);
    expect(() => new KMeans({ k: 2, maxIter: -1 })).toThrow(/maxIter/);
    expect(() => new KMeans({ k: 2, tol: -1 })).toThrow(/tol must be a finite number ≥ 0, got -1/);
    expect(() => new KMeans({ k: 2, seed: -3 })).toThrow(/seed must be an integer ≥ 0, got -3/);
    expect(() => new KMeans({ k: 2, init: 'kmeans' as never })).toThrow(/init must be/);
    expect(() => new KMeans({ k: 3 }).fit(fromRows([[1], [2]]))).toThrow(/needs at least 3 rows, got 2/);
    expect(() => new KMeans({ k: 2 }).fit(fromRows([[1], [NaN]]))).toThrow(/non-finite/);
    const model = new KMeans({ k: 2 }).fit(fromRows([[1, 1], [2, 2], [9, 9]]));
    expect(() => model.predict(fromRows([[1]]))).toThrow(/fitted on 2/);
    expect(() => new KMeans({ k: 2 }).fitFromCentroids(fromRows([[1], [2]]), fromRows([[1]]))).toThrow(/k = 2 rows, got 1/);
    expect(() => new KMeans({ k: 2 }).predict(fromRows([[1]]))).toThrow(/not fitted/);
  });

  it('round-trips through JSON (without training labels) and refuses another format', () => {
    const { X } = blobs(200, 3, 3, 16);
    const model = new KMeans({ k: 3, seed: 7, nInit: 2 }).fit(X);
    const json = JSON.parse(JSON.stringify(model.toJSON()));
    expect(json.format).toBe(KMEANS_FORMAT);
    const copy = KMeans.fromJSON(json);
    expect(Array.from(copy.predict(X))).toEqual(Array.from(model.labels));
    expect(Array.from(copy.centroids.data)).toEqual(Array.from(model.centroids.data));
    expect(copy.inertia).toBe(model.inertia);
    expect([copy.k, copy.seed, copy.nInit, copy.nIter]).toEqual([3, 7, 2, model.nIter]);
    expect(() => copy.labels).toThrow(/only known after fit/);
    expect(() => KMeans.fromJSON({ ...json, format: 'segmenta.pca/v1' })).toThrow(/expected a segmenta.kmeans\/v1 model/);
    expect(() => KMeans.fromJSON({ ...json, centroids: [[1, 2, 3]] })).toThrow(InputError);
  });
});
