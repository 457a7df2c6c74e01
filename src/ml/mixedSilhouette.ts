/**
 * The silhouette for mixed numeric and categorical data, so that k can be
 * chosen for k-prototypes by the same kind of evidence as for k-means.
 *
 * The distance between two rows is the square root of Huang's k-prototypes
 * dissimilarity (src/ml/kPrototypes.ts):
 *
 *   dist(x, y) = √( Σ_l (x_l − y_l)²  +  γ · Σ_j [x_j ≠ y_j] )
 *
 * With no categorical columns this is the Euclidean distance, so the figure
 * is the ordinary silhouette (Rousseeuw 1987) there — the same measure
 * k-means is judged by — and the square root keeps it a metric (a sum of a
 * squared Euclidean and a scaled Hamming distance, under a root, satisfies the
 * triangle inequality), as the silhouette assumes. This is the mixed-data
 * silhouette of the Gower/k-prototypes literature with Huang's weights.
 */
import { InputError } from '../errors.ts';
import type { MixedData } from './kPrototypes.ts';
import { Rng } from './rng.ts';

/** Options of {@link mixedSilhouetteScore}. */
export interface MixedSilhouetteOptions {
  /** Weight of one categorical mismatch (the clustering's γ). */
  gamma: number;
  /** Largest number of rows scored; above it, a seeded sample of this size (as scikit-learn's `sample_size`). Default 10,000. */
  sampleSize?: number;
  /** Seed of the sample. Default 0. */
  seed?: number;
}

/** The mixed distance of rows `a` and `b` (see the module doc). */
export function mixedPairDistance(data: MixedData, a: number, b: number, gamma: number): number {
  const { p, q, numeric, categorical } = data;
  let squared = 0;
  for (let l = 0; l < p; l += 1) {
    const d = numeric[a * p + l]! - numeric[b * p + l]!;
    squared += d * d;
  }
  let mismatches = 0;
  for (let j = 0; j < q; j += 1) if (categorical[a * q + j] !== categorical[b * q + j]) mismatches += 1;
  return Math.sqrt(squared + gamma * mismatches);
}

/**
 * Silhouette of every row of `data` under the mixed distance: (b − a) /
 * max(a, b), a = mean distance to the other rows of its cluster, b = the
 * smallest mean distance to the rows of another cluster; 0 for a row alone
 * in its cluster (scikit-learn's convention). O(n²·(p + q)).
 */
export function mixedSilhouetteSamples(data: MixedData, labels: ArrayLike<number>, gamma: number): Float64Array {
  const n = data.n;
  if (labels.length !== n) throw new InputError(`silhouette: ${labels.length} labels for ${n} rows`);
  const ids = new Map<number, number>();
  const dense = new Int32Array(n);
  for (let i = 0; i < n; i += 1) {
    const label = labels[i]!;
    if (!ids.has(label)) ids.set(label, ids.size);
    dense[i] = ids.get(label)!;
  }
  const K = ids.size;
  if (K < 2 || K > n - 1) throw new InputError(`silhouette: needs between 2 and n − 1 = ${n - 1} clusters, got ${K}`);
  const sizes = new Float64Array(K);
  for (let i = 0; i < n; i += 1) sizes[dense[i]!]! += 1;
  const sums = new Float64Array(n * K);
  for (let i = 0; i < n; i += 1) {
    for (let j = i + 1; j < n; j += 1) {
      const d = mixedPairDistance(data, i, j, gamma);
      sums[i * K + dense[j]!]! += d;
      sums[j * K + dense[i]!]! += d;
    }
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    const own = dense[i]!;
    if (sizes[own]! <= 1) continue;
    const a = sums[i * K + own]! / (sizes[own]! - 1);
    let b = Infinity;
    for (let c = 0; c < K; c += 1) {
      if (c === own) continue;
      const m = sums[i * K + c]! / sizes[c]!;
      if (m < b) b = m;
    }
    const denominator = Math.max(a, b);
    out[i] = denominator > 0 ? (b - a) / denominator : 0;
  }
  return out;
}

/**
 * Mean mixed silhouette, in [−1, 1]: exact when n ≤ `sampleSize`, otherwise
 * the exact silhouette of a seeded sample drawn without replacement (the same
 * sample for every k of a scan with the same seed, so the figures compare).
 */
export function mixedSilhouetteScore(data: MixedData, labels: ArrayLike<number>, options: MixedSilhouetteOptions): number {
  const { gamma, sampleSize = 10000, seed = 0 } = options;
  if (!(Number.isFinite(gamma) && gamma >= 0)) throw new InputError(`silhouette gamma must be a finite number ≥ 0, got ${gamma}`);
  if (!Number.isSafeInteger(sampleSize) || sampleSize < 2) throw new InputError(`silhouette sampleSize must be an integer ≥ 2, got ${sampleSize}`);
  let subset = data;
  let subsetLabels: ArrayLike<number> = labels;
  if (data.n > sampleSize) {
    const rows = new Rng(seed).sampleWithoutReplacement(data.n, sampleSize);
    subset = gatherMixedRows(data, rows);
    subsetLabels = Int32Array.from(rows, (i) => labels[i]!);
  }
  const samples = mixedSilhouetteSamples(subset, subsetLabels, gamma);
  let sum = 0;
  for (let i = 0; i < samples.length; i += 1) sum += samples[i]!;
  return sum / samples.length;
}

/** The given rows of mixed data, in the given order. */
export function gatherMixedRows(data: MixedData, rows: ArrayLike<number>): MixedData {
  const { p, q } = data;
  const m = rows.length;
  const numeric = new Float64Array(m * p);
  const categorical = new Int32Array(m * q);
  for (let r = 0; r < m; r += 1) {
    const i = rows[r]!;
    numeric.set(data.numeric.subarray(i * p, (i + 1) * p), r * p);
    categorical.set(data.categorical.subarray(i * q, (i + 1) * q), r * q);
  }
  return { n: m, p, q, numeric, categorical };
}
