import { PCA as MlPCA } from 'ml-pca';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { fromRows, toRows, type DenseMatrix } from '../../src/ml/matrix.ts';
import { PCA, PCA_FORMAT } from '../../src/ml/pca.ts';
import { Rng } from '../../src/ml/rng.ts';

/** n points with correlated coordinates: a random linear map of independent Gaussians of unequal spread. */
function correlated(n: number, d: number, seed: number): DenseMatrix {
  const rng = new Rng(seed);
  const mix = Array.from({ length: d * d }, () => rng.nextGaussian());
  const data = new Float64Array(n * d);
  const z = new Float64Array(d);
  for (let i = 0; i < n; i += 1) {
    for (let a = 0; a < d; a += 1) z[a] = rng.nextGaussian() * (d - a);
    for (let j = 0; j < d; j += 1) {
      let s = 3 * j; // offsets, so centring matters
      for (let a = 0; a < d; a += 1) s += mix[j * d + a] * z[a];
      data[i * d + j] = s;
    }
  }
  return { data, rows: n, cols: d };
}

/** ±a, ±b, ±c on the three axes: covariance diag(2a², 2b², 2c²)/(n − 1) with n = 6. */
const AXES = fromRows([[3, 0, 0], [-3, 0, 0], [0, 2, 0], [0, -2, 0], [0, 0, 1], [0, 0, -1]]);

describe('PCA', () => {
  it('finds the axes and variances of a hand-made cloud (divisor n − 1)', () => {
    const pca = new PCA({ nComponents: 3 }).fit(AXES);
    expect(Array.from(pca.explainedVariance)).toEqual([3.6, 1.6, 0.4].map((v) => expect.closeTo(v, 14)));
    expect(Array.from(pca.explainedVarianceRatio)).toEqual([9 / 14, 4 / 14, 1 / 14].map((v) => expect.closeTo(v, 14)));
    expect(toRows(pca.components)).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]].map((r) => r.map((v) => expect.closeTo(v, 12))));
    expect(Array.from(pca.mean)).toEqual([0, 0, 0]);
  });

  it.each([
    [0.6, 1],
    [0.9, 2],
    [13 / 14, 2], // exactly the cumulative share of two components: reaching it is enough
    [0.95, 3],
    [1, 3],
  ])('keeps the fewest components reaching varianceThreshold %d', (threshold, expected) => {
    const pca = new PCA({ varianceThreshold: threshold }).fit(AXES);
    expect(pca.nComponents).toBe(expected);
    expect(pca.transform(AXES).cols).toBe(expected);
  });

  it('keeps only the components that carry variance at threshold 1 on rank-deficient data', () => {
    // The third column is the sum of the first two: rank 2.
    const rng = new Rng(3);
    const rows = Array.from({ length: 200 }, () => {
      const a = rng.nextGaussian();
      const b = rng.nextGaussian();
      return [a, b, a + b];
    });
    const pca = new PCA({ varianceThreshold: 1 }).fit(fromRows(rows));
    expect(pca.nComponents).toBe(2);
  });

  it.each([
    [500, 4, 1],
    [300, 6, 2],
    [1000, 12, 3],
  ])('matches ml-pca on %i×%i data: variances to 1e-9, components up to sign', (n, d, seed) => {
    const X = correlated(n, d, seed);
    const rows = toRows(X);
    const oracle = new MlPCA(rows); // SVD of the centred data; eigenvalues = s² / (n − 1)
    const pca = new PCA({ nComponents: d }).fit(X);
    const eigenvalues = oracle.getEigenvalues();
    const ratios = oracle.getExplainedVariance();
    for (let c = 0; c < d; c += 1) {
      expect(Math.abs(pca.explainedVariance[c] - eigenvalues[c])).toBeLessThanOrEqual(1e-9 * eigenvalues[0]);
      expect(Math.abs(pca.explainedVarianceRatio[c] - ratios[c])).toBeLessThanOrEqual(1e-9);
    }
    const U = oracle.getEigenvectors(); // d×d, one component per column
    const ours = pca.components;
    for (let c = 0; c < d; c += 1) {
      let dot = 0;
      for (let j = 0; j < d; j += 1) dot += ours.data[c * d + j] * U.get(j, c);
      const sign = Math.sign(dot);
      for (let j = 0; j < d; j += 1) expect(Math.abs(ours.data[c * d + j] - sign * U.get(j, c))).toBeLessThan(1e-9);
    }
    // Scores agree with ml-pca's predictions up to the same signs.
    const scores = pca.transform(X);
    const predicted = oracle.predict(rows);
    for (let c = 0; c < d; c += 1) {
      let dot = 0;
      for (let j = 0; j < d; j += 1) dot += ours.data[c * d + j] * U.get(j, c);
      const sign = Math.sign(dot);
      for (let i = 0; i < n; i += 37) expect(scores.data[i * d + c]).toBeCloseTo(sign * predicted.get(i, c), 8);
    }
  });

  it('gives every component a positive largest loading (deterministic signs)', () => {
    for (const seed of [1, 2, 3, 4]) {
      const X = correlated(400, 5, seed);
      const flipped: DenseMatrix = { data: X.data.map((v) => -v), rows: X.rows, cols: X.cols };
      for (const data of [X, flipped]) {
        const { data: w, rows, cols } = new PCA({ nComponents: 5 }).fit(data).components;
        for (let c = 0; c < rows; c += 1) {
          let largest = 0;
          for (let j = 1; j < cols; j += 1) if (Math.abs(w[c * cols + j]) > Math.abs(w[c * cols + largest])) largest = j;
          expect(w[c * cols + largest]).toBeGreaterThan(0);
        }
      }
      // Negating the data changes the scores' sign, not the components.
      const a = new PCA({ nComponents: 5 }).fit(X).components.data;
      const b = new PCA({ nComponents: 5 }).fit(flipped).components.data;
      a.forEach((v, p) => expect(b[p]).toBeCloseTo(v, 10));
    }
  });

  it('components are orthonormal and inverseTransform undoes transform when all are kept', () => {
    const X = correlated(300, 4, 9);
    const pca = new PCA({ nComponents: 4 }).fit(X);
    const { data: w } = pca.components;
    for (let a = 0; a < 4; a += 1) {
      for (let b = 0; b < 4; b += 1) {
        let dot = 0;
        for (let j = 0; j < 4; j += 1) dot += w[a * 4 + j] * w[b * 4 + j];
        expect(dot).toBeCloseTo(a === b ? 1 : 0, 12);
      }
    }
    const back = pca.inverseTransform(pca.transform(X));
    back.data.forEach((v, p) => expect(v).toBeCloseTo(X.data[p], 9));
    // Scores are centred and their variances are the explained variances.
    const scores = pca.transform(X);
    for (let c = 0; c < 4; c += 1) {
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < X.rows; i += 1) {
        s += scores.data[i * 4 + c];
        s2 += scores.data[i * 4 + c] ** 2;
      }
      expect(s / X.rows).toBeCloseTo(0, 10);
      expect(s2 / (X.rows - 1)).toBeCloseTo(pca.explainedVariance[c], 8);
    }
  });

  it('stays accurate when the features sit far from the origin', () => {
    const shifted: DenseMatrix = { data: AXES.data.map((v, p) => v + (p % 3 === 0 ? 1e8 : -5e7)), rows: 6, cols: 3 };
    const pca = new PCA({ nComponents: 3 }).fit(shifted);
    expect(Array.from(pca.explainedVariance)).toEqual([3.6, 1.6, 0.4].map((v) => expect.closeTo(v, 7)));
  });

  it('validates its options and input', () => {
    expect(() => new PCA({ varianceThreshold: 0 })).toThrow(/varianceThreshold must be in \(0, 1\], got 0/);
    expect(() => new PCA({ varianceThreshold: 1.5 })).toThrow(InputError);
    expect(() => new PCA({ nComponents: 0 })).toThrow(/nComponents must be an integer ≥ 1, got 0/);
    expect(() => new PCA({ nComponents: 4 }).fit(AXES)).toThrow(/at most the number of features \(3\), got 4/);
    expect(() => new PCA().fit(fromRows([[1, 2]]))).toThrow(/at least 2 rows/);
    expect(() => new PCA().fit(fromRows([[1, 2], [1, 2]]))).toThrow(/all 2 features are constant/);
    expect(() => new PCA().fit(AXES).transform(fromRows([[1, 2]]))).toThrow(/fitted on 3/);
    expect(() => new PCA().transform(AXES)).toThrow(/not fitted/);
  });

  it('round-trips through JSON and refuses another format', () => {
    const X = correlated(200, 5, 4);
    const pca = new PCA({ varianceThreshold: 0.8 }).fit(X);
    const json = JSON.parse(JSON.stringify(pca.toJSON()));
    expect(json.format).toBe(PCA_FORMAT);
    const copy = PCA.fromJSON(json);
    expect(copy.nComponents).toBe(pca.nComponents);
    expect(copy.varianceThreshold).toBe(0.8);
    expect(Array.from(copy.transform(X).data)).toEqual(Array.from(pca.transform(X).data));
    expect(Array.from(copy.explainedVarianceRatio)).toEqual(Array.from(pca.explainedVarianceRatio));
    expect(() => PCA.fromJSON({ ...json, format: 'segmenta.kmeans/v1' })).toThrow(/expected a segmenta.pca\/v1 model/);
    expect(() => PCA.fromJSON({ ...json, components: [[1]] })).toThrow(InputError);
  });
});
