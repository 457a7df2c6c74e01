/**
 * Choosing the number of segments: fit k-means for every candidate k, score
 * each clustering, and pick k by one documented rule.
 */
import { InputError } from '../errors.ts';
import type { KScanEntry } from '../segments/types.ts';
import type { LloydAssign, LloydKernelFactory } from './kernels/lloyd.ts';
import { KMeans, type KMeansOptions } from './kmeans.ts';
import type { DenseMatrix } from './matrix.ts';
import { calinskiHarabasz, daviesBouldin, silhouetteScore } from './metrics.ts';
import { bootstrapStability } from './stability.ts';

/** Candidates within this distance of the best silhouette count as equally well separated. */
export const K_CHOICE_SILHOUETTE_TOLERANCE = 0.02;
/** Smallest bootstrap stability (mean ARI) for a larger k to be preferred. */
export const K_CHOICE_MIN_STABILITY = 0.6;

/** The rule {@link chooseK} implements, in words (quoted by the README and `segments.json`). */
export const K_CHOICE_RULE =
  `the k with the highest mean silhouette; when several k are within ${K_CHOICE_SILHOUETTE_TOLERANCE} of the best silhouette, ` +
  `the largest of them whose bootstrap stability (mean adjusted Rand index) is at least ${K_CHOICE_MIN_STABILITY} ` +
  '(more detail for marketing without measurably worse separation); if none of them is that stable, the k with the highest silhouette';

/** Options of {@link scanK}. */
export interface ScanKOptions {
  /** k-means runs per k. Default 10. */
  nInit?: number;
  /** Seed of k-means, the silhouette sample and the bootstrap. Default 0. */
  seed?: number;
  /** Points scored by the silhouette (a seeded sample above it). Default 10,000. */
  silhouetteSampleSize?: number;
  /** Bootstrap resamples per k for the stability column; 0 skips it (stability NaN). Default 10. */
  stabilityResamples?: number;
  /** Rows drawn per bootstrap resample of the stability column. Default: all rows. */
  stabilitySampleSize?: number;
  /** Called before each k is fitted (progress reporting). */
  onK?: (k: number) => void;
  /** Assignment kernel for every k-means fit of the scan (e.g. the WebAssembly one); default the plain-JS kernel. */
  assign?: LloydAssign;
  /** Resident-kernel factory for every k-means fit of the scan (see {@link KMeansOptions.kernel}). */
  kernel?: LloydKernelFactory;
}

/** One k of the scan: its quality figures and the fitted model. */
export interface ScanKResult {
  entry: KScanEntry;
  model: KMeans;
}

/**
 * Fits k-means for every k in `ks` (each < n) and scores each clustering: silhouette
 * (on the same seeded sample for every k, so they compare), Calinski–Harabasz,
 * Davies–Bouldin, inertia, and bootstrap stability (mean ARI of refits with
 * min(nInit, 3) runs each, to keep the scan affordable). The separation
 * measures are NaN for k = 1 (defined only for 2 or more clusters).
 */
export function scanK(X: DenseMatrix, ks: number[], options: ScanKOptions = {}): ScanKResult[] {
  const { nInit = 10, seed = 0, silhouetteSampleSize = 10000, stabilityResamples = 10, stabilitySampleSize, onK, assign, kernel: factory } = options;
  const kernel = { ...(assign ? { assign } : {}), ...(factory ? { kernel: factory } : {}) };
  if (!Array.isArray(ks) || ks.length === 0) throw new InputError('the k scan needs at least one k');
  if (!Number.isSafeInteger(stabilityResamples) || stabilityResamples < 0) {
    throw new InputError(`stabilityResamples must be an integer ≥ 0, got ${stabilityResamples}`);
  }
  for (const k of ks) {
    if (!Number.isSafeInteger(k) || k < 1) throw new InputError(`every k of the scan must be an integer ≥ 1, got ${k}`);
    if (k >= X.rows) throw new InputError(`k = ${k} needs more than ${k} rows, got ${X.rows}`);
  }
  return ks.map((k) => {
    onK?.(k);
    const model = new KMeans({ k, nInit, seed, ...kernel }).fit(X);
    const labels = model.labels;
    const stability =
      stabilityResamples > 0
        ? bootstrapStability(X, (sample, s) => new KMeans({ k, nInit: Math.min(nInit, 3), seed: s, ...kernel }).fit(sample), labels, k, {
            resamples: stabilityResamples,
            seed,
            ...(stabilitySampleSize === undefined ? {} : { bootstrapSize: Math.min(stabilitySampleSize, X.rows) }),
          }).ari
        : NaN;
    // Separation measures need 2 to n − 1 clusters: not defined for k = 1, nor
    // when duplicate points leave fewer distinct clusters than k.
    const separable = countClusters(labels, k) >= 2;
    const entry: KScanEntry = {
      k,
      silhouette: separable ? silhouetteScore(X, labels, { sampleSize: silhouetteSampleSize, seed }) : NaN,
      calinski_harabasz: separable ? calinskiHarabasz(X, labels, k) : NaN,
      davies_bouldin: separable ? daviesBouldin(X, labels, model.centroids) : NaN,
      inertia: model.inertia,
      stability,
    };
    return { entry, model };
  });
}

function countClusters(labels: Int32Array, k: number): number {
  const seen = new Uint8Array(k);
  let count = 0;
  for (let i = 0; i < labels.length && count < k; i += 1) {
    if (seen[labels[i]] === 0) {
      seen[labels[i]] = 1;
      count += 1;
    }
  }
  return count;
}

/**
 * Picks k from a scan by {@link K_CHOICE_RULE}. Entries whose silhouette is
 * not a finite number are ignored; a NaN stability (not measured) never
 * counts as stable. On an exact tie of the best silhouette the smaller k wins.
 */
export function chooseK(entries: KScanEntry[]): number {
  const scored = entries.filter((e) => Number.isFinite(e.silhouette));
  if (scored.length === 0) throw new InputError('cannot choose k: no candidate k has a silhouette');
  let best = scored[0];
  for (const e of scored) if (e.silhouette > best.silhouette || (e.silhouette === best.silhouette && e.k < best.k)) best = e;
  let chosen: KScanEntry | null = null;
  for (const e of scored) {
    // The slack keeps "within 0.02" inclusive despite rounding (0.5 − 0.02 is not 0.48 in binary).
    const near = e.silhouette >= best.silhouette - K_CHOICE_SILHOUETTE_TOLERANCE - 1e-12;
    if (near && e.stability >= K_CHOICE_MIN_STABILITY && (chosen === null || e.k > chosen.k)) chosen = e;
  }
  return (chosen ?? best).k;
}
