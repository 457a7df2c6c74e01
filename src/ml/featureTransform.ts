import { InputError } from '../errors.ts';
import type { DenseMatrix } from './matrix.ts';

/** The format tag of a serialised {@link FeatureTransformer}. */
export const FEATURE_TRANSFORM_FORMAT = 'segmenta.feature-transform/v1';

/** How one feature is transformed before scaling. */
export interface FeatureTransformSpec {
  name: string;
  /** Apply sign(x)·log1p(|x|): for counts and money, whose distributions have long right tails. */
  log1p: boolean;
}

/** Serialised form of a fitted {@link FeatureTransformer}. */
export interface FeatureTransformJSON {
  format: typeof FEATURE_TRANSFORM_FORMAT;
  clipQuantile: number;
  features: Array<FeatureTransformSpec & { clipLow: number; clipHigh: number }>;
}

/**
 * Turns raw customer features into the matrix the scaler sees: signed log1p
 * for skewed features, then winsorising at the `clipQuantile` and
 * 1 − `clipQuantile` quantiles learnt in `fit`.
 *
 * Why winsorise: Online Retail has 80,000-unit orders and customers with
 * £280k revenue. Even after log1p a handful of such customers would pull a
 * centroid to themselves and form a segment of two. Clipping them to the
 * 99.5th percentile keeps them in the top segment, where marketing would put
 * them anyway; their true figures stay in `customers.csv` and the profiles.
 */
export class FeatureTransformer {
  readonly specs: FeatureTransformSpec[];
  readonly clipQuantile: number;
  private clipLow: Float64Array | null = null;
  private clipHigh: Float64Array | null = null;

  constructor(specs: FeatureTransformSpec[], options: { clipQuantile?: number } = {}) {
    const clipQuantile = options.clipQuantile ?? 0.005;
    if (!(clipQuantile >= 0 && clipQuantile < 0.5)) throw new InputError(`clip quantile must be in [0, 0.5), got ${clipQuantile}`);
    if (specs.length === 0) throw new InputError('at least one feature is needed for clustering, got none');
    this.specs = specs.map((s) => ({ ...s }));
    this.clipQuantile = clipQuantile;
  }

  /** Feature names in column order. */
  get featureNames(): string[] {
    return this.specs.map((s) => s.name);
  }

  /** Learns the clipping bounds from the (log-transformed) training columns. */
  fit(columns: Record<string, Float64Array>): this {
    const d = this.specs.length;
    this.clipLow = new Float64Array(d);
    this.clipHigh = new Float64Array(d);
    this.specs.forEach((spec, j) => {
      const values = Float64Array.from(requireColumn(columns, spec.name), (x) => (spec.log1p ? signedLog1p(x) : x));
      values.sort();
      this.clipLow![j] = quantileSorted(values, this.clipQuantile);
      this.clipHigh![j] = quantileSorted(values, 1 - this.clipQuantile);
    });
    return this;
  }

  /** Builds the row-major n×d matrix of transformed, clipped features. */
  transform(columns: Record<string, Float64Array>): DenseMatrix {
    if (!this.clipLow || !this.clipHigh) throw new Error('FeatureTransformer.transform called before fit');
    const d = this.specs.length;
    const first = requireColumn(columns, this.specs[0].name);
    const n = first.length;
    const data = new Float64Array(n * d);
    this.specs.forEach((spec, j) => {
      const column = requireColumn(columns, spec.name);
      const low = this.clipLow![j];
      const high = this.clipHigh![j];
      for (let i = 0; i < n; i += 1) {
        let x = column[i];
        if (Number.isNaN(x)) throw new InputError(`feature ${spec.name} has no value for row ${i}; clustering features must be defined for every customer`);
        if (spec.log1p) x = signedLog1p(x);
        data[i * d + j] = x < low ? low : x > high ? high : x;
      }
    });
    return { data, rows: n, cols: d };
  }

  /** Fits, then transforms the same columns. */
  fitTransform(columns: Record<string, Float64Array>): DenseMatrix {
    return this.fit(columns).transform(columns);
  }

  toJSON(): FeatureTransformJSON {
    if (!this.clipLow || !this.clipHigh) throw new Error('FeatureTransformer.toJSON called before fit');
    return {
      format: FEATURE_TRANSFORM_FORMAT,
      clipQuantile: this.clipQuantile,
      features: this.specs.map((s, j) => ({ ...s, clipLow: this.clipLow![j], clipHigh: this.clipHigh![j] })),
    };
  }

  static fromJSON(json: FeatureTransformJSON): FeatureTransformer {
    if (json?.format !== FEATURE_TRANSFORM_FORMAT) {
      throw new InputError(`expected a ${FEATURE_TRANSFORM_FORMAT} model, got ${JSON.stringify(json?.format)}`);
    }
    const transformer = new FeatureTransformer(
      json.features.map(({ name, log1p }) => ({ name, log1p })),
      { clipQuantile: json.clipQuantile },
    );
    transformer.clipLow = Float64Array.from(json.features, (f) => f.clipLow);
    transformer.clipHigh = Float64Array.from(json.features, (f) => f.clipHigh);
    return transformer;
  }
}

/** sign(x)·log1p(|x|): log-like for large values, defined for negative net revenue. */
export function signedLog1p(x: number): number {
  return x < 0 ? -Math.log1p(-x) : Math.log1p(x);
}

/** The q-quantile of sorted values, linear interpolation (numpy's default). */
export function quantileSorted(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const position = q * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, sorted.length - 1);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}

function requireColumn(columns: Record<string, Float64Array>, name: string): Float64Array {
  const column = columns[name];
  if (!column) throw new InputError(`unknown feature ${JSON.stringify(name)}; available: ${Object.keys(columns).join(', ')}`);
  return column;
}
