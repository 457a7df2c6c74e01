import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { centredCrossProductsScalar, columnSumsScalar, PCA, projectScalar } from '../../src/ml/pca.ts';
import { Rng } from '../../src/ml/rng.ts';
import { compileWat, COVARIANCE_WASM_PATH, COVARIANCE_WAT_PATH } from '../../src/ml/wasm/build.ts';
import { deviationsScalar, standardiseScalar, StandardScaler, sumsMinMaxScalar } from '../../src/ml/standardScaler.ts';
import {
  centredCrossProductsWasm, columnSumsWasm, deviationsWasm, projectWasm, standardiseWasm, sumsMinMaxWasm,
} from '../../src/ml/wasm/covarianceWasm.ts';

/** Rows with offsets and spreads that differ by column, so rounding differs by column too. */
function data(n: number, d: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n * d }, (_, p) => (p % d) * 1e3 + rng.nextGaussian() * (1 + (p % d)) + (rng.next() < 0.01 ? -0 : 0));
}

const bits = (a: Float64Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

describe('covariance wasm kernels vs the scalar loops', () => {
  const shapes: Array<[number, number]> = [
    [2, 1], [3, 2], [5, 3], [1023, 4], [1024, 5], [1025, 12], [2049, 7], [4100, 8], [5000, 13], [1500, 30], [4097, 9],
  ];
  it.each(shapes)('are bit-identical for n=%i, d=%i', (n, d) => {
    const X = data(n, d, n * 31 + d);
    const sums = columnSumsWasm(X, n, d);
    expect(bits(sums)).toBe(bits(columnSumsScalar(X, n, d)));
    const mean = Float64Array.from(sums, (s) => s / n);
    const wasm = centredCrossProductsWasm(X, n, d, mean);
    const scalar = centredCrossProductsScalar(X, n, d, mean);
    expect(bits(wasm.upper)).toBe(bits(scalar.upper));
    expect(bits(wasm.dev)).toBe(bits(scalar.dev));
    for (let k = 1; k <= Math.min(d, 9); k += 1) {
      const components = Float64Array.from({ length: k * d }, (_, i) => Math.sin(i + 1));
      const a = projectWasm(X, n, d, mean, components, k);
      const b = projectScalar(X, n, d, mean, components, k);
      expect(bits(a.scores)).toBe(bits(b.scores));
      expect(a.finite).toBe(true);
    }
  });

  it('flag non-finite scores', () => {
    const n = 10;
    const d = 3;
    const X = data(n, d, 1);
    X[7] = Infinity;
    const mean = new Float64Array(d);
    const components = Float64Array.of(1, 0, 0, 0, 1, 0);
    expect(projectWasm(X, n, d, mean, components, 2).finite).toBe(false);
    expect(projectScalar(X, n, d, mean, components, 2).finite).toBe(false);
    X[7] = NaN;
    expect(Number.isNaN(columnSumsWasm(X, n, d)[1])).toBe(true);
  });
});

describe('scaler wasm kernels vs the scalar loops', () => {
  it.each([[1, 1], [7, 2], [5000, 8], [4097, 13], [3, 5]])('are bit-identical for n=%i, d=%i', (n, d) => {
    const X = data(n, d, n + d);
    // Signed zeros and NaN, where min/max keep the first of equal values and ignore NaN.
    for (let p = 0; p < X.length; p += 17) X[p] = p % 2 === 0 ? -0 : 0;
    if (X.length > 40) X[33] = NaN;
    const a = sumsMinMaxWasm(X, n, d);
    const b = sumsMinMaxScalar(X, n, d);
    expect([bits(a.sums), bits(a.min), bits(a.max)]).toEqual([bits(b.sums), bits(b.min), bits(b.max)]);
    const mean = Float64Array.from({ length: d }, (_, j) => j * 999.5);
    const scale = Float64Array.from({ length: d }, (_, j) => 1 + j / 3);
    const c = deviationsWasm(X, n, d, mean);
    const e = deviationsScalar(X, n, d, mean);
    expect([bits(c.dev), bits(c.squares)]).toEqual([bits(e.dev), bits(e.squares)]);
    const f = standardiseWasm(X, n, d, mean, scale);
    const g = standardiseScalar(X, n, d, mean, scale);
    expect(bits(f.values)).toBe(bits(g.values));
    expect(f.finite).toBe(g.finite);
    expect(f.finite).toBe(X.length <= 40);
  });

  it('zeros of both signs: min and max keep the first one seen, as the scalar loop does', () => {
    const X = Float64Array.of(0, -0, -0, 0);
    const a = sumsMinMaxWasm(X, 2, 2);
    expect([Object.is(a.min[0], 0), Object.is(a.min[1], -0), Object.is(a.max[0], 0), Object.is(a.max[1], -0)]).toEqual([true, true, true, true]);
  });

  it('StandardScaler still names the first non-finite value', () => {
    const X = { data: data(30, 3, 9), rows: 30, cols: 3 };
    const scaler = new StandardScaler().fit(X);
    const bad = { data: X.data.slice(), rows: 30, cols: 3 };
    bad.data[3 * 4 + 1] = Infinity;
    expect(() => new StandardScaler().fit(bad)).toThrow(/non-finite value Infinity at row 4, column 1/);
    expect(() => scaler.transform(bad)).toThrow(/non-finite value Infinity at row 4, column 1/);
  });
});

describe('PCA input checks without a separate scan', () => {
  it('still names the first non-finite value in fit and transform', () => {
    const X = { data: data(50, 4, 3), rows: 50, cols: 4 };
    const pca = new PCA({ nComponents: 2 }).fit(X);
    const bad = { data: X.data.slice(), rows: 50, cols: 4 };
    bad.data[4 * 7 + 2] = NaN;
    bad.data[4 * 9 + 1] = -Infinity;
    expect(() => new PCA().fit(bad)).toThrow(/non-finite value NaN at row 7, column 2/);
    expect(() => pca.transform(bad)).toThrow(/non-finite value NaN at row 7, column 2/);
  });

  it('does not call finite values non-finite when their column sum overflows', () => {
    const X = { data: Float64Array.of(1.5e308, 1, 1.5e308, 2, 1, 3), rows: 3, cols: 2 };
    // What follows from an infinite mean is another matter (ml-matrix fails on it, as before).
    expect(() => new PCA({ nComponents: 1 }).fit(X)).not.toThrow(/non-finite/);
  });
});

describe('covariance.wasm', () => {
  it('is exactly what build.ts makes from covariance.wat', async () => {
    const built = await compileWat(readFileSync(COVARIANCE_WAT_PATH, 'utf8'), 'covariance.wat');
    expect(Buffer.from(built).equals(readFileSync(COVARIANCE_WASM_PATH))).toBe(true);
  });
});
