/**
 * How reproducible a clustering is: refit it on bootstrap resamples and
 * measure how much the partitions agree.
 */
import { InputError } from '../errors.ts';
import { gatherRows, type DenseMatrix } from './matrix.ts';
import { adjustedRandIndex, contingencyTable } from './metrics.ts';
import { deriveSeed, Rng } from './rng.ts';

/** Fits a clustering on a resample; `seed` is derived per resample so the fits are reproducible. */
export type ClusterFitter = (sample: DenseMatrix, seed: number) => { predict(X: DenseMatrix): Int32Array };

/** Options of {@link bootstrapStability}. */
export interface StabilityOptions {
  /** Number of bootstrap resamples, an integer ≥ 1. Default 20. */
  resamples?: number;
  /** Seed of the resamples, the evaluation sample and the fits. Default 0. */
  seed?: number;
  /** At most this many points are compared (a seeded sample of them when n is larger). Default 20,000. */
  maxPoints?: number;
  /**
   * Rows per bootstrap resample, drawn with replacement. Default n (the
   * classical bootstrap); smaller (an m-out-of-n bootstrap) makes the refits
   * cheaper at large n and the measure more conservative.
   */
  bootstrapSize?: number;
}

/** Result of {@link bootstrapStability}. */
export interface StabilityResult {
  /** Mean adjusted Rand index between the reference labels and each refit's labels, on the evaluated points. */
  ari: number;
  /** The ARI of every resample, in resample order. */
  ariPerResample: number[];
  /**
   * Per reference cluster (index = label): the mean over resamples of the
   * largest Jaccard similarity with any cluster of the refit (Hennig's
   * clusterboot); NaN for a cluster with no point among the evaluated ones.
   */
  jaccard: number[];
}

/**
 * Bootstrap stability of a clustering of `X` into `k` clusters.
 *
 * Resample r draws a bootstrap sample of the rows, fits `fitFn` on it and
 * labels the evaluation points with the refit model. The evaluation points
 * are all rows when n ≤ `maxPoints`, otherwise one seeded sample of
 * `maxPoints` rows shared by all resamples, so that the comparison costs
 * O(maxPoints) and the whole measure stays linear in n (the fits are the
 * caller's own cost). Agreement with `referenceLabels` (in [0, k)) is
 * reported as ARI overall and as Jaccard per reference cluster.
 *
 * Seeds: the evaluation sample uses `deriveSeed(seed, 0)`, resample r draws
 * its rows with `deriveSeed(seed, 2r + 1)` and fits with `deriveSeed(seed, 2r + 2)`.
 */
export function bootstrapStability(
  X: DenseMatrix,
  fitFn: ClusterFitter,
  referenceLabels: Int32Array,
  k: number,
  options: StabilityOptions = {},
): StabilityResult {
  const { resamples = 20, seed = 0, maxPoints = 20000 } = options;
  const n = X.rows;
  const bootstrapSize = options.bootstrapSize ?? n;
  if (!Number.isSafeInteger(resamples) || resamples < 1) throw new InputError(`resamples must be an integer ≥ 1, got ${resamples}`);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new InputError(`seed must be an integer ≥ 0, got ${seed}`);
  if (!Number.isSafeInteger(maxPoints) || maxPoints < 2) throw new InputError(`maxPoints must be an integer ≥ 2, got ${maxPoints}`);
  if (!Number.isSafeInteger(bootstrapSize) || bootstrapSize < 1) throw new InputError(`bootstrapSize must be an integer ≥ 1, got ${bootstrapSize}`);
  if (!Number.isSafeInteger(k) || k < 1) throw new InputError(`k must be an integer ≥ 1, got ${k}`);
  if (n < 2) throw new InputError(`stability needs at least 2 rows, got ${n}`);
  if (referenceLabels.length !== n) throw new InputError(`stability: ${referenceLabels.length} reference labels for ${n} rows`);
  for (let i = 0; i < n; i += 1) {
    const l = referenceLabels[i];
    if (!(l >= 0 && l < k)) throw new InputError(`stability: reference label ${l} of row ${i} is outside [0, ${k})`);
  }

  let evaluated = X;
  let reference = referenceLabels;
  if (n > maxPoints) {
    const rows = new Rng(deriveSeed(seed, 0)).sampleWithoutReplacement(n, maxPoints);
    evaluated = gatherRows(X, rows);
    reference = Int32Array.from(rows, (i) => referenceLabels[i]);
  }

  const ariPerResample: number[] = [];
  const jaccardSum = new Float64Array(k);
  const jaccardCount = new Float64Array(k);
  for (let r = 0; r < resamples; r += 1) {
    const rows = new Rng(deriveSeed(seed, 2 * r + 1)).bootstrapIndices(n, bootstrapSize);
    const model = fitFn(gatherSample(X, rows), deriveSeed(seed, 2 * r + 2));
    const labels = model.predict(evaluated);
    if (labels.length !== evaluated.rows) throw new Error(`stability: the refit model returned ${labels.length} labels for ${evaluated.rows} rows`);
    ariPerResample.push(adjustedRandIndex(reference, labels));

    const { table, rows: refClusters, cols, rowSums, colSums, rowLabels } = contingencyTable(reference, labels);
    for (let i = 0; i < refClusters; i += 1) {
      let best = 0;
      for (let j = 0; j < cols; j += 1) {
        const both = table[i * cols + j];
        const similarity = both / (rowSums[i] + colSums[j] - both);
        if (similarity > best) best = similarity;
      }
      jaccardSum[rowLabels[i]] += best;
      jaccardCount[rowLabels[i]] += 1;
    }
  }
  let ariSum = 0;
  for (const a of ariPerResample) ariSum += a;
  return {
    ari: ariSum / resamples,
    ariPerResample,
    jaccard: Array.from(jaccardSum, (s, c) => (jaccardCount[c] > 0 ? s / jaccardCount[c] : NaN)),
  };
}

/**
 * The rows of X at `rows` (each < n, so unchecked), copied coordinate by
 * coordinate: for the few coordinates of a clustering space that is several
 * times faster than a subarray copy per row.
 */
function gatherSample(X: DenseMatrix, rows: ArrayLike<number>): DenseMatrix {
  const { data, cols: d } = X;
  const count = rows.length;
  const out = new Float64Array(count * d);
  for (let r = 0, o = 0; r < count; r += 1) {
    for (let j = 0, i = rows[r] * d; j < d; j += 1) out[o++] = data[i++];
  }
  return { data: out, rows: count, cols: d };
}
