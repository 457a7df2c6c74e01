import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { KMeans } from '../../src/ml/kmeans.ts';
import type { DenseMatrix } from '../../src/ml/matrix.ts';
import { Rng } from '../../src/ml/rng.ts';
import { bootstrapStability, type ClusterFitter } from '../../src/ml/stability.ts';

function blobs(n: number, d: number, k: number, seed: number): DenseMatrix {
  const rng = new Rng(seed);
  const centres = Array.from({ length: k * d }, () => rng.next() * 100);
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i += 1) {
    const c = rng.nextInt(k);
    for (let j = 0; j < d; j += 1) data[i * d + j] = centres[c * d + j] + rng.nextGaussian();
  }
  return { data, rows: n, cols: d };
}

function uniform(n: number, d: number, seed: number): DenseMatrix {
  const rng = new Rng(seed);
  return { data: Float64Array.from({ length: n * d }, () => rng.next()), rows: n, cols: d };
}

const kmeansFitter = (k: number): ClusterFitter => (sample, seed) => new KMeans({ k, nInit: 2, seed }).fit(sample);

describe('bootstrapStability', () => {
  it('finds well-separated blobs perfectly stable', () => {
    const X = blobs(1500, 4, 4, 1);
    const reference = new KMeans({ k: 4, seed: 0 }).fit(X).labels;
    const result = bootstrapStability(X, kmeansFitter(4), reference, 4, { resamples: 8, seed: 3 });
    expect(result.ariPerResample).toHaveLength(8);
    expect(result.ari).toBeGreaterThan(0.999);
    expect(result.jaccard).toHaveLength(4);
    for (const j of result.jaccard) expect(j).toBeGreaterThan(0.999);
  });

  it('finds k = 5 on uniform noise clearly less stable', () => {
    const X = uniform(1500, 2, 2);
    const reference = new KMeans({ k: 5, seed: 0 }).fit(X).labels;
    const noise = bootstrapStability(X, kmeansFitter(5), reference, 5, { resamples: 10, seed: 3 });
    expect(noise.ari).toBeLessThan(0.9);
    expect(Math.min(...noise.ariPerResample)).toBeLessThan(0.8);
    expect(Math.min(...noise.jaccard)).toBeLessThan(0.9);
    for (const j of noise.jaccard) expect(j > 0 && j <= 1).toBe(true);
  });

  it('scores a clustering that ignores the structure low', () => {
    // Reference labels that cut across the blobs: refits find the blobs instead.
    const X = blobs(800, 2, 3, 5);
    const arbitrary = Int32Array.from({ length: 800 }, (_, i) => i % 3);
    const result = bootstrapStability(X, kmeansFitter(3), arbitrary, 3, { resamples: 4, seed: 1 });
    expect(Math.abs(result.ari)).toBeLessThan(0.05);
    for (const j of result.jaccard) expect(j).toBeLessThan(0.5);
  });

  it('is reproducible from its seed and depends on it', () => {
    const X = uniform(600, 2, 7);
    const reference = new KMeans({ k: 4, seed: 0 }).fit(X).labels;
    const a = bootstrapStability(X, kmeansFitter(4), reference, 4, { resamples: 5, seed: 11 });
    const b = bootstrapStability(X, kmeansFitter(4), reference, 4, { resamples: 5, seed: 11 });
    const c = bootstrapStability(X, kmeansFitter(4), reference, 4, { resamples: 5, seed: 12 });
    expect(b).toEqual(a);
    expect(c.ariPerResample).not.toEqual(a.ariPerResample);
  });

  it('evaluates at most maxPoints points and fits on bootstrap samples of the requested size', () => {
    const X = blobs(3000, 3, 3, 9);
    const reference = new KMeans({ k: 3, seed: 0 }).fit(X).labels;
    const fitted: number[] = [];
    const predicted: number[] = [];
    const result = bootstrapStability(
      X,
      (sample, seed) => {
        fitted.push(sample.rows);
        const model = new KMeans({ k: 3, nInit: 1, seed }).fit(sample);
        return {
          predict: (Y: DenseMatrix) => {
            predicted.push(Y.rows);
            return model.predict(Y);
          },
        };
      },
      reference,
      3,
      { resamples: 3, seed: 2, maxPoints: 500, bootstrapSize: 1000 },
    );
    expect(fitted).toEqual([1000, 1000, 1000]);
    expect(predicted).toEqual([500, 500, 500]);
    expect(result.ari).toBeGreaterThan(0.99);
  });

  it('reports NaN Jaccard for a reference cluster absent from the evaluated points', () => {
    const X = blobs(300, 2, 2, 4);
    const reference = new KMeans({ k: 2, seed: 0 }).fit(X).labels;
    const result = bootstrapStability(X, kmeansFitter(2), reference, 3, { resamples: 2 });
    expect(result.jaccard[2]).toBeNaN();
    expect(result.jaccard[0]).toBeGreaterThan(0.99);
  });

  it('validates its arguments', () => {
    const X = uniform(50, 2, 1);
    const labels = new Int32Array(50);
    expect(() => bootstrapStability(X, kmeansFitter(2), labels, 2, { resamples: 0 })).toThrow(/resamples must be an integer ≥ 1, got 0/);
    expect(() => bootstrapStability(X, kmeansFitter(2), labels, 2, { maxPoints: 1 })).toThrow(InputError);
    expect(() => bootstrapStability(X, kmeansFitter(2), new Int32Array(10), 2)).toThrow(/10 reference labels for 50 rows/);
    expect(() => bootstrapStability(X, kmeansFitter(2), labels.fill(2), 2)).toThrow(/outside \[0, 2\)/);
  });
});
