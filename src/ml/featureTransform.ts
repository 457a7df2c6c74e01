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
    const sources = this.specs.map((spec) => requireColumn(columns, spec.name));
    this.clipLow = new Float64Array(d);
    this.clipHigh = new Float64Array(d);
    const scratch = new Float64Array(sources[0].length);
    this.specs.forEach((spec, j) => {
      const column = sources[j];
      const values = column.length === scratch.length ? scratch : new Float64Array(column.length);
      if (spec.log1p) logColumn(column, values);
      else values.set(column);
      this.learnBounds(j, values);
    });
    return this;
  }

  /** Builds the row-major n×d matrix of transformed, clipped features. */
  transform(columns: Record<string, Float64Array>): DenseMatrix {
    if (!this.clipLow || !this.clipHigh) throw new Error('FeatureTransformer.transform called before fit');
    const sources = this.specs.map((spec) => requireColumn(columns, spec.name));
    const values = this.specs.map((spec, j) => (spec.log1p ? logged(sources[j]) : sources[j]));
    return this.clippedMatrix(sources, values, sources[0].length);
  }

  /**
   * Fits, then transforms the same columns: the same result (and the same
   * error) as `fit` then `transform`, but each column is log-transformed
   * once, which is most of the cost now that the quantiles need no sort.
   */
  fitTransform(columns: Record<string, Float64Array>): DenseMatrix {
    const d = this.specs.length;
    const sources = this.specs.map((spec) => requireColumn(columns, spec.name));
    this.clipLow = new Float64Array(d);
    this.clipHigh = new Float64Array(d);
    const scratch = new Float64Array(sources[0].length);
    const values = this.specs.map((spec, j) => {
      const transformed = spec.log1p ? logged(sources[j]) : sources[j];
      const work = transformed.length === scratch.length ? scratch : new Float64Array(transformed.length);
      work.set(transformed);
      this.learnBounds(j, work);
      return transformed;
    });
    return this.clippedMatrix(sources, values, sources[0].length);
  }

  /**
   * The n×d matrix of the transformed `values` clipped to the bounds, built
   * a block of rows at a time so the block stays in cache while every
   * feature is written into it (column by column over the whole matrix would
   * stream all of it through the cache once per feature). Throws, as
   * transform() always has, at the first undefined source value in feature
   * order, then row order.
   */
  private clippedMatrix(sources: Float64Array[], values: Float64Array[], n: number): DenseMatrix {
    const d = this.specs.length;
    const data = new Float64Array(n * d);
    const firstMissing = new Array<number>(d).fill(-1);
    const BLOCK = 2048;
    for (let start = 0; start < n; start += BLOCK) {
      const end = Math.min(n, start + BLOCK);
      for (let j = 0; j < d; j += 1) {
        const column = sources[j];
        const v = values[j];
        const low = this.clipLow![j];
        const high = this.clipHigh![j];
        // Past the end of a short column: NaN, as reading undefined has always stored.
        const last = Math.min(end, column.length);
        for (let i = start; i < last; i += 1) {
          const x = v[i];
          if (x !== x && firstMissing[j] < 0 && Number.isNaN(column[i])) firstMissing[j] = i;
          data[i * d + j] = x < low ? low : x > high ? high : x;
        }
        for (let i = last; i < end; i += 1) data[i * d + j] = NaN;
      }
    }
    const j = firstMissing.findIndex((row) => row >= 0);
    if (j >= 0) {
      throw new InputError(`feature ${this.specs[j].name} has no value for row ${firstMissing[j]}; clustering features must be defined for every customer`);
    }
    return { data, rows: n, cols: d };
  }

  /** Sets the clip bounds of feature j from its transformed values (reordered in place). */
  private learnBounds(j: number, values: Float64Array): void {
    const [low, high] = quantilesInPlace(values, [this.clipQuantile, 1 - this.clipQuantile]);
    this.clipLow![j] = low;
    this.clipHigh![j] = high;
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

/** Positive integers below this have their log1p looked up (counts: orders, products). */
const LOG_TABLE_SIZE = 4096;
let logTable: Float64Array | null = null;

/** signedLog1p of every value, as a new array. */
function logged(column: Float64Array): Float64Array {
  const out = new Float64Array(column.length);
  logColumn(column, out);
  return out;
}

/**
 * out[i] = signedLog1p(column[i]). Count features take few distinct small
 * integer values, whose log1p comes from a table filled by Math.log1p itself
 * (so the result is the same to the bit) instead of a call per customer.
 */
function logColumn(column: Float64Array, out: Float64Array): void {
  const table = (logTable ??= Float64Array.from({ length: LOG_TABLE_SIZE }, (_, i) => Math.log1p(i)));
  for (let i = 0; i < column.length; i += 1) {
    const x = column[i];
    const t = x | 0;
    // t > 0 leaves out −0, whose log1p is −0, not table[0].
    out[i] = t === x && t > 0 && t < LOG_TABLE_SIZE ? table[t] : signedLog1p(x);
  }
}

/** The q-quantile of sorted values, linear interpolation (numpy's default). */
export function quantileSorted(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const position = q * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, sorted.length - 1);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}

/**
 * The q-quantiles of `values`, each exactly what {@link quantileSorted} gives
 * on a sorted copy, found in O(n) instead of a sort: at a million customers
 * sorting every feature took most of the transform stage. `values` may be
 * reordered in place.
 *
 * Only the order statistics at ⌊q·(n − 1)⌋ and the next position are
 * needed: by sampling and one counting pass per quantile, else by selection.
 * Both compare with `<`, which does not order −0 before +0 as
 * `Float64Array.prototype.sort` does, so a zero they find gets the sign the
 * sorted array would have at that position. Values containing NaN (sorted
 * last) fall back to the sort.
 */
export function quantilesInPlace(values: Float64Array, qs: readonly number[]): number[] {
  const n = values.length;
  if (n === 0) return qs.map(() => NaN);
  const found = (n >= SAMPLING_MIN_VALUES ? bySampling(values, qs) : null) ?? bySelection(values, qs);
  if (found === null) {
    values.sort();
    return qs.map((q) => quantileSorted(values, q));
  }
  let zeros: { negatives: number; negativeZeros: number } | null = null;
  const exact = (k: number): number => {
    const v = found.get(k)!;
    if (v !== 0) return v;
    zeros ??= countZeros(values);
    return k >= zeros.negatives && k < zeros.negatives + zeros.negativeZeros ? -0 : 0;
  };
  return qs.map((q) => {
    const position = q * (n - 1);
    const lower = Math.floor(position);
    const upper = Math.min(lower + 1, n - 1);
    const a = exact(lower);
    const b = exact(upper);
    return a + (b - a) * (position - lower);
  });
}

/** Below this many values, selection alone is as quick as sampling first. */
const SAMPLING_MIN_VALUES = 16384;
/** Values drawn (evenly spaced) to place the windows around the wanted ranks. */
const SAMPLE_SIZE = 4096;
/** Most values a window may hold before sampling gives up for selection. */
const WINDOW_MAX = 1 << 16;

/**
 * The order statistics at ⌊q·(n − 1)⌋ and the next position (zeros of
 * either sign), found without reordering `values`: an evenly spaced sample
 * places a value window [lo, hi] around each wanted rank; one pass counts
 * the values below lo, equal to lo, equal to hi and above hi and keeps those
 * strictly between, whose sort then gives the exact ranks. Null when a rank
 * falls outside its window, a window holds too many values, or there is a
 * NaN (the counts then miss values): the caller selects instead.
 */
function bySampling(values: Float64Array, qs: readonly number[]): Map<number, number> | null {
  const n = values.length;
  const m = SAMPLE_SIZE;
  const sample = new Float64Array(m);
  for (let s = 0; s < m; s += 1) sample[s] = values[Math.floor((s * n) / m)];
  sample.sort();
  const found = new Map<number, number>();
  const inside = new Float64Array(WINDOW_MAX);
  for (const q of qs) {
    const k = Math.floor(q * (n - 1));
    const next = Math.min(k + 1, n - 1);
    const share = k / (n - 1);
    // Sample ranks around the expected one: four standard deviations of a binomial rank, plus a few.
    const spread = 4 * Math.sqrt(m * share * (1 - share)) + 4;
    const lo = sample[Math.max(0, Math.floor(share * (m - 1) - spread))];
    const hi = sample[Math.min(m - 1, Math.ceil(share * (m - 1) + spread) + 1)];
    if (!(lo <= hi)) return null;
    let below = 0;
    let equalLow = 0;
    let equalHigh = 0;
    let above = 0;
    let count = 0;
    for (let i = 0; i < n; i += 1) {
      const x = values[i];
      if (x < lo) below += 1;
      else if (x > hi) above += 1;
      else if (x === lo) equalLow += 1;
      else if (x === hi) equalHigh += 1;
      else if (x === x) {
        if (count === WINDOW_MAX) return null;
        inside[count] = x;
        count += 1;
      }
    }
    if (below + equalLow + count + equalHigh + above !== n) return null;
    const between = inside.subarray(0, count).sort();
    const at = (r: number): number | null => {
      let i = r - below;
      if (i < 0) return null;
      if (i < equalLow) return lo;
      i -= equalLow;
      if (i < count) return between[i];
      i -= count;
      return i < equalHigh ? hi : null;
    };
    const a = at(k);
    const b = at(next);
    if (a === null || b === null) return null;
    found.set(k, a);
    found.set(next, b);
  }
  return found;
}

/**
 * The order statistics at ⌊q·(n − 1)⌋ and the next position (zeros of
 * either sign) by selection, reordering `values`; null if there is a NaN.
 * The lower positions are selected from the largest down, each within the
 * part left of the previous one; the next position's value is then the
 * minimum of what lies between the two.
 */
function bySelection(values: Float64Array, qs: readonly number[]): Map<number, number> | null {
  const n = values.length;
  for (let i = 0; i < n; i += 1) if (Number.isNaN(values[i])) return null;
  const lowers = [...new Set(qs.map((q) => Math.floor(q * (n - 1))))].sort((x, y) => y - x);
  const found = new Map<number, number>();
  let end = n; // everything at or after `end` is ≥ everything before it
  for (const k of lowers) {
    selectInPlace(values, k, 0, end - 1);
    found.set(k, values[k]);
    if (k + 1 < end) {
      let next = values[k + 1];
      for (let i = k + 2; i < end; i += 1) if (values[i] < next) next = values[i];
      found.set(k + 1, next);
    }
    end = k;
  }
  return found;
}

/** Negative values and negative zeros in `values`: where −0 sits in sorted order. */
function countZeros(values: Float64Array): { negatives: number; negativeZeros: number } {
  let negatives = 0;
  let negativeZeros = 0;
  for (let i = 0; i < values.length; i += 1) {
    const x = values[i];
    if (x < 0) negatives += 1;
    else if (x === 0 && 1 / x < 0) negativeZeros += 1;
  }
  return { negatives, negativeZeros };
}

/** Ranges this short are finished by insertion sort. */
const SELECT_SMALL = 16;

/**
 * Moves the k-th smallest of a[lo..hi] to a[k], smaller-or-equal values
 * before it and greater-or-equal after (Hoare partitioning around a
 * median-of-three pivot, which copes with many equal values). After more
 * rounds than a good pivot sequence needs it sorts the rest of the range,
 * so the worst case is O(n log n).
 */
function selectInPlace(a: Float64Array, k: number, lo: number, hi: number): void {
  let rounds = 2 * Math.ceil(Math.log2(hi - lo + 2)) + 8;
  while (hi - lo >= SELECT_SMALL) {
    if (rounds-- === 0) {
      a.subarray(lo, hi + 1).sort();
      return;
    }
    const mid = lo + ((hi - lo) >> 1);
    if (a[mid] < a[lo]) swap(a, mid, lo);
    if (a[hi] < a[lo]) swap(a, hi, lo);
    if (a[hi] < a[mid]) swap(a, hi, mid);
    const pivot = a[mid];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i += 1;
      while (pivot < a[j]) j -= 1;
      if (i <= j) {
        swap(a, i, j);
        i += 1;
        j -= 1;
      }
    }
    // a[lo..j] ≤ pivot ≤ a[i..hi], and everything strictly between equals the pivot.
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
  for (let i = lo + 1; i <= hi; i += 1) {
    const x = a[i];
    let p = i - 1;
    while (p >= lo && x < a[p]) {
      a[p + 1] = a[p];
      p -= 1;
    }
    a[p + 1] = x;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

function requireColumn(columns: Record<string, Float64Array>, name: string): Float64Array {
  const column = columns[name];
  if (!column) throw new InputError(`unknown feature ${JSON.stringify(name)}; available: ${Object.keys(columns).join(', ')}`);
  return column;
}
