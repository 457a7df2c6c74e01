import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { fromColumns, fromRows } from '../../src/ml/matrix.ts';
import { Rng } from '../../src/ml/rng.ts';
import { STANDARD_SCALER_FORMAT, StandardScaler } from '../../src/ml/standardScaler.ts';

describe('StandardScaler', () => {
  it('centres and divides by the population standard deviation (ddof 0)', () => {
    const X = fromColumns([Float64Array.of(1, 2, 3, 4), Float64Array.of(10, 10, 30, 30)]);
    const scaler = new StandardScaler();
    const Z = scaler.fitTransform(X);
    expect(Array.from(scaler.mean)).toEqual([2.5, 20]);
    expect(Array.from(scaler.variance)).toEqual([1.25, 100]);
    expect(Array.from(scaler.scale)).toEqual([Math.sqrt(1.25), 10]);
    const s = Math.sqrt(1.25);
    expect(Array.from(Z.data)).toEqual([-1.5 / s, -1, -0.5 / s, -1, 0.5 / s, 1, 1.5 / s, 1]);
    expect(scaler.nSamples).toBe(4);
  });

  it('gives a constant column scale 1 and maps it to exact zeros', () => {
    // 0.1 summed ten times and divided by ten is not exactly 0.1.
    const X = fromColumns([new Float64Array(10).fill(0.1), Float64Array.from({ length: 10 }, (_, i) => i)]);
    const scaler = new StandardScaler().fit(X);
    expect(scaler.scale[0]).toBe(1);
    expect(scaler.variance[0]).toBe(0);
    expect(scaler.mean[0]).toBe(0.1);
    const Z = scaler.transform(X);
    for (let i = 0; i < 10; i += 1) expect(Z.data[i * 2]).toBe(0);
  });

  it('treats a variance of rounding noise as constant (as scikit-learn)', () => {
    const x = 1e8 + 0.1;
    const X = fromColumns([Float64Array.of(x, x, x, x * (1 + Number.EPSILON)), Float64Array.of(1, 2, 3, 4)]);
    expect(new StandardScaler().fit(X).scale[0]).toBe(1);
  });

  it('standardised columns have mean 0 and variance 1', () => {
    const rng = new Rng(1);
    const n = 1000;
    const X = fromColumns([
      Float64Array.from({ length: n }, () => 5 + 3 * rng.nextGaussian()),
      Float64Array.from({ length: n }, () => 1e6 + rng.next()),
    ]);
    const Z = new StandardScaler().fitTransform(X);
    for (let j = 0; j < 2; j += 1) {
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < n; i += 1) {
        s += Z.data[i * 2 + j];
        s2 += Z.data[i * 2 + j] ** 2;
      }
      // Column 1 sits at 1e6 with spread 0.29: its mean is only representable to
      // half an ulp of 1e6 (6e-11), 2e-10 in standard units. A plain one-pass
      // mean would be off by ~3e-9 here.
      expect(Math.abs(s / n)).toBeLessThan(1e-9);
      expect(s2 / n).toBeCloseTo(1, 10);
    }
  });

  it('inverseTransform undoes transform', () => {
    const X = fromRows([[1, -2], [3, 5], [8, 13]]);
    const scaler = new StandardScaler().fit(X);
    const back = scaler.inverseTransform(scaler.transform(X));
    back.data.forEach((v, p) => expect(v).toBeCloseTo(X.data[p], 12));
  });

  it('round-trips through JSON and refuses another format', () => {
    const X = fromRows([[1, 2], [3, 5], [4, 9]]);
    const scaler = new StandardScaler().fit(X);
    const json = JSON.parse(JSON.stringify(scaler.toJSON()));
    expect(json.format).toBe(STANDARD_SCALER_FORMAT);
    const copy = StandardScaler.fromJSON(json);
    expect(Array.from(copy.transform(X).data)).toEqual(Array.from(scaler.transform(X).data));
    expect(() => StandardScaler.fromJSON({ ...json, format: 'segmenta.pca/v1' })).toThrow(InputError);
    expect(() => StandardScaler.fromJSON({ ...json, scale: [1] })).toThrow(InputError);
    expect(() => StandardScaler.fromJSON(null)).toThrow(/segmenta.standard-scaler\/v1/);
  });

  it('checks its input', () => {
    expect(() => new StandardScaler().fit(fromRows([[1, NaN]]))).toThrow(InputError);
    const scaler = new StandardScaler().fit(fromRows([[1, 2], [2, 3]]));
    expect(() => scaler.transform(fromRows([[1, 2, 3]]))).toThrow(/fitted on 2/);
    expect(() => new StandardScaler().transform(fromRows([[1]]))).toThrow(/not fitted/);
  });
});
