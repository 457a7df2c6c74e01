/**
 * Standardisation of features to zero mean and unit variance, as
 * scikit-learn's `StandardScaler`.
 */
import { InputError } from '../errors.ts';
import { checkMatrix, type DenseMatrix } from './matrix.ts';
import { COVARIANCE_WASM_MAX_COLS, deviationsWasm, standardiseWasm, sumsMinMaxWasm } from './wasm/covarianceWasm.ts';

/** The format tag of a serialised {@link StandardScaler}. */
export const STANDARD_SCALER_FORMAT = 'segmenta.standard-scaler/v1';

/** Serialised form of a fitted {@link StandardScaler}. */
export interface StandardScalerJSON {
  format: typeof STANDARD_SCALER_FORMAT;
  nSamples: number;
  mean: number[];
  /** Population variance (ddof 0) per feature. */
  variance: number[];
  /** The divisor per feature: the standard deviation, or 1 for a constant feature. */
  scale: number[];
}

/**
 * Centres each column on its mean and divides it by its population standard
 * deviation (divisor n, ddof 0, as scikit-learn), so that every feature
 * weighs the same in the Euclidean distances of PCA and k-means.
 *
 * A constant column gets scale 1 (it becomes all zeros rather than NaN). As
 * in scikit-learn, "constant" includes a variance that is only rounding
 * noise: variance ≤ n·ε·variance + (n·ε·mean)², where the computed mean of
 * identical values can differ from them in the last bit.
 *
 * Means and variances are computed in two passes (mean, then deviations
 * from it) with the corrected two-pass formula: the summed deviations, which
 * would be 0 in exact arithmetic, correct both the mean and the variance for
 * the rounding of the first pass. The passes run on WebAssembly SIMD kernels
 * (`wasm/covariance.wat`), bit-identical to the scalar reference loops at the
 * end of this file; the first pass's sums double as the finiteness check.
 */
export class StandardScaler {
  private meanValues: Float64Array | null = null;
  private varianceValues: Float64Array | null = null;
  private scaleValues: Float64Array | null = null;
  private samples = 0;

  /** Learns per-column mean and scale from `X` (n×d, n ≥ 1). */
  fit(X: DenseMatrix): this {
    checkMatrix(X, 'StandardScaler.fit: X', { finite: false });
    const { data, rows: n, cols: d } = X;
    const { sums: mean, min, max } = d <= COVARIANCE_WASM_MAX_COLS ? sumsMinMaxWasm(data, n, d) : sumsMinMaxScalar(data, n, d);
    // A NaN or ±Infinity makes its column's sum non-finite: only then scan for it (and throw).
    if (!mean.every(Number.isFinite)) checkMatrix(X, 'StandardScaler.fit: X');
    for (let j = 0; j < d; j += 1) mean[j] = min[j] === max[j] ? min[j] : mean[j] / n;
    const { dev, squares: variance } = d <= COVARIANCE_WASM_MAX_COLS ? deviationsWasm(data, n, d, mean) : deviationsScalar(data, n, d, mean);
    const scale = new Float64Array(d);
    const eps = Number.EPSILON;
    for (let j = 0; j < d; j += 1) {
      const v = Math.max(0, (variance[j] - (dev[j] * dev[j]) / n) / n);
      mean[j] += dev[j] / n;
      const bound = n * eps * v + (n * mean[j] * eps) ** 2;
      const constant = min[j] === max[j] || v <= bound;
      variance[j] = min[j] === max[j] ? 0 : v;
      scale[j] = constant ? 1 : Math.sqrt(v);
    }
    this.meanValues = mean;
    this.varianceValues = variance;
    this.scaleValues = scale;
    this.samples = n;
    return this;
  }

  /** (X − mean) / scale, as a new n×d matrix. */
  transform(X: DenseMatrix): DenseMatrix {
    const { mean, scale } = this.fitted();
    checkMatrix(X, 'StandardScaler.transform: X', { minRows: 0, cols: mean.length, finite: false });
    const { data, rows: n, cols: d } = X;
    // Multiplying by 1/scale would be faster but not bit-identical to scikit-learn's division.
    const { values, finite } = d <= COVARIANCE_WASM_MAX_COLS ? standardiseWasm(data, n, d, mean, scale) : standardiseScalar(data, n, d, mean, scale);
    // A non-finite input value gives a non-finite result: only then scan for it (and throw).
    if (!finite) checkMatrix(X, 'StandardScaler.transform: X', { minRows: 0, cols: mean.length });
    return { data: values, rows: n, cols: d };
  }

  /** Fits on `X`, then transforms it. */
  fitTransform(X: DenseMatrix): DenseMatrix {
    return this.fit(X).transform(X);
  }

  /** X·scale + mean: back from standardised units to feature units (e.g. centroids). */
  inverseTransform(Z: DenseMatrix): DenseMatrix {
    const { mean, scale } = this.fitted();
    checkMatrix(Z, 'StandardScaler.inverseTransform: Z', { minRows: 0, cols: mean.length });
    const { data, rows: n, cols: d } = Z;
    const out = new Float64Array(n * d);
    for (let i = 0, p = 0; i < n; i += 1) for (let j = 0; j < d; j += 1, p += 1) out[p] = data[p] * scale[j] + mean[j];
    return { data: out, rows: n, cols: d };
  }

  /** Per-feature mean (a copy). */
  get mean(): Float64Array {
    return this.fitted().mean.slice();
  }

  /** Per-feature population variance (a copy). */
  get variance(): Float64Array {
    return this.fitted().variance.slice();
  }

  /** Per-feature divisor: standard deviation, 1 for constant features (a copy). */
  get scale(): Float64Array {
    return this.fitted().scale.slice();
  }

  /** Number of rows seen by `fit`. */
  get nSamples(): number {
    this.fitted();
    return this.samples;
  }

  toJSON(): StandardScalerJSON {
    const { mean, variance, scale } = this.fitted();
    return {
      format: STANDARD_SCALER_FORMAT,
      nSamples: this.samples,
      mean: Array.from(mean),
      variance: Array.from(variance),
      scale: Array.from(scale),
    };
  }

  /** Restores a fitted scaler; throws {@link InputError} on another format or inconsistent fields. */
  static fromJSON(json: unknown): StandardScaler {
    const j = json as Partial<StandardScalerJSON> | null;
    if (j?.format !== STANDARD_SCALER_FORMAT) {
      throw new InputError(`expected a ${STANDARD_SCALER_FORMAT} model, got format ${JSON.stringify(j?.format)}`);
    }
    const d = Array.isArray(j.mean) ? j.mean.length : -1;
    const ok = (a: unknown): a is number[] => Array.isArray(a) && a.length === d && a.every((x) => typeof x === 'number' && Number.isFinite(x));
    if (d < 1 || !ok(j.mean) || !ok(j.variance) || !ok(j.scale) || j.scale.some((s) => !(s > 0))) {
      throw new InputError(`${STANDARD_SCALER_FORMAT}: mean, variance and scale must be arrays of ${Math.max(d, 1)}+ finite numbers (scale > 0)`);
    }
    const scaler = new StandardScaler();
    scaler.meanValues = Float64Array.from(j.mean);
    scaler.varianceValues = Float64Array.from(j.variance);
    scaler.scaleValues = Float64Array.from(j.scale);
    scaler.samples = typeof j.nSamples === 'number' ? j.nSamples : 0;
    return scaler;
  }

  private fitted(): { mean: Float64Array; variance: Float64Array; scale: Float64Array } {
    if (!this.meanValues || !this.varianceValues || !this.scaleValues) {
      throw new Error('StandardScaler is not fitted: call fit() or fromJSON() first');
    }
    return { mean: this.meanValues, variance: this.varianceValues, scale: this.scaleValues };
  }
}

/**
 * Reference loop of the scaler's first pass (the WebAssembly kernel must
 * match it bit for bit): column sums, minima and maxima, row by row.
 */
export function sumsMinMaxScalar(data: Float64Array, n: number, d: number): { sums: Float64Array; min: Float64Array; max: Float64Array } {
  const sums = new Float64Array(d);
  const min = new Float64Array(d).fill(Infinity);
  const max = new Float64Array(d).fill(-Infinity);
  for (let i = 0, p = 0; i < n; i += 1) {
    for (let j = 0; j < d; j += 1, p += 1) {
      const x = data[p];
      sums[j] += x;
      if (x < min[j]) min[j] = x;
      if (x > max[j]) max[j] = x;
    }
  }
  return { sums, min, max };
}

/** Reference loop of the second pass: sums of x − mean and of its square, row by row. */
export function deviationsScalar(data: Float64Array, n: number, d: number, mean: Float64Array): { dev: Float64Array; squares: Float64Array } {
  const dev = new Float64Array(d);
  const squares = new Float64Array(d);
  for (let i = 0, p = 0; i < n; i += 1) {
    for (let j = 0; j < d; j += 1, p += 1) {
      const t = data[p] - mean[j];
      dev[j] += t;
      squares[j] += t * t;
    }
  }
  return { dev, squares };
}

/** Reference loop of transform: (x − mean) / scale, and whether every result is finite. */
export function standardiseScalar(
  data: Float64Array, n: number, d: number, mean: Float64Array, scale: Float64Array,
): { values: Float64Array; finite: boolean } {
  const out = new Float64Array(n * d);
  let check = 0;
  for (let i = 0, p = 0; i < n; i += 1) {
    for (let j = 0; j < d; j += 1, p += 1) {
      const v = (data[p] - mean[j]) / scale[j];
      out[p] = v;
      check += v - v;
    }
  }
  return { values: out, finite: check === 0 };
}
