/**
 * Clustering quality and agreement measures, with scikit-learn's
 * definitions: silhouette, Calinski–Harabasz, Davies–Bouldin, adjusted Rand
 * index, and the Jaccard similarity of two clusters.
 */
import { InputError } from '../errors.ts';
import { checkMatrix, gatherRows, type DenseMatrix } from './matrix.ts';
import { Rng } from './rng.ts';
import { silhouetteSumsWasm } from './wasm/lloydWasm.ts';

/** Labels renumbered 0..count−1 in order of first appearance, with the original label of each id. */
interface DenseLabels {
  ids: Int32Array;
  count: number;
  original: number[];
}

/** Labels below this (non-negative integers) are renumbered through an array instead of a Map. */
const SMALL_LABELS = 1 << 16;

function denseLabels(labels: ArrayLike<number>): DenseLabels {
  const ids = new Int32Array(labels.length);
  let small = true;
  let max = 0;
  for (let i = 0; i < labels.length && small; i += 1) {
    const l = labels[i];
    small = l >= 0 && l < SMALL_LABELS && (l | 0) === l;
    if (l > max) max = l;
  }
  if (small) {
    // Clusterings: the same renumbering by first appearance, without a Map lookup per point.
    const index = new Int32Array(max + 1).fill(-1);
    const original: number[] = [];
    for (let i = 0; i < labels.length; i += 1) {
      const l = labels[i];
      let id = index[l];
      if (id === -1) {
        id = original.length;
        index[l] = id;
        original.push(l);
      }
      ids[i] = id;
    }
    return { ids, count: original.length, original };
  }
  const index = new Map<number, number>();
  const original: number[] = [];
  for (let i = 0; i < labels.length; i += 1) {
    const l = labels[i];
    let id = index.get(l);
    if (id === undefined) {
      id = original.length;
      index.set(l, id);
      original.push(l);
    }
    ids[i] = id;
  }
  return { ids, count: original.length, original };
}

function checkLabels(X: DenseMatrix, labels: ArrayLike<number>, what: string): void {
  checkMatrix(X, `${what}: X`);
  if (labels.length !== X.rows) throw new InputError(`${what}: ${labels.length} labels for ${X.rows} rows`);
}

function checkLabelCount(count: number, n: number, what: string): void {
  if (count < 2 || count > n - 1) {
    throw new InputError(`${what}: needs between 2 and n − 1 = ${n - 1} clusters, got ${count}`);
  }
}

/**
 * Silhouette coefficient of every point: (b − a) / max(a, b), where a is the
 * mean distance to the other points of its cluster and b the smallest mean
 * distance to the points of another cluster; 0 for a point alone in its
 * cluster. Euclidean distances. O(n²·d) time and O(n·clusters) memory: for
 * small n; use {@link silhouetteScore} with a sample for large n.
 */
export function silhouetteSamples(X: DenseMatrix, labels: ArrayLike<number>): Float64Array {
  checkLabels(X, labels, 'silhouette');
  const { ids, count } = denseLabels(labels);
  checkLabelCount(count, X.rows, 'silhouette');
  return silhouetteOfDense(X.data, X.rows, X.cols, ids, count);
}

function silhouetteOfDense(data: Float64Array, n: number, d: number, ids: Int32Array, K: number): Float64Array {
  // sums[i*K + c]: total distance from point i to the points of cluster c,
  // added in point order, from the WebAssembly SIMD kernel.
  const sums = silhouetteSumsWasm(data, n, d, ids, K);
  const sizes = new Float64Array(K);
  for (let i = 0; i < n; i += 1) sizes[ids[i]] += 1;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    const own = ids[i];
    if (sizes[own] <= 1) continue; // sklearn: 0 for singletons
    const a = sums[i * K + own] / (sizes[own] - 1);
    let b = Infinity;
    for (let c = 0; c < K; c += 1) {
      if (c === own || sizes[c] === 0) continue;
      const m = sums[i * K + c] / sizes[c];
      if (m < b) b = m;
    }
    const denom = Math.max(a, b);
    out[i] = denom > 0 ? (b - a) / denom : 0;
  }
  return out;
}

/** Options of {@link silhouetteScore}. */
export interface SilhouetteOptions {
  /** Largest number of points evaluated; above it a seeded sample of this size is used. Default 10,000. */
  sampleSize?: number;
  /** Seed of the sample. Default 0. */
  seed?: number;
}

/**
 * Mean silhouette coefficient, in [−1, 1] (higher: tighter, better separated
 * clusters). Exact when n ≤ `sampleSize`; otherwise the exact silhouette of
 * a seeded sample of `sampleSize` points drawn without replacement, as
 * scikit-learn's `sample_size`, so the cost is O(sampleSize²·d) however large
 * n is. With the same seed every k of a scan is scored on the same sample.
 */
export function silhouetteScore(X: DenseMatrix, labels: ArrayLike<number>, options: SilhouetteOptions = {}): number {
  const { sampleSize = 10000, seed = 0 } = options;
  if (!Number.isSafeInteger(sampleSize) || sampleSize < 2) throw new InputError(`silhouette sampleSize must be an integer ≥ 2, got ${sampleSize}`);
  checkLabels(X, labels, 'silhouette');
  let data = X;
  let subset: ArrayLike<number> = labels;
  if (X.rows > sampleSize) {
    const rows = new Rng(seed).sampleWithoutReplacement(X.rows, sampleSize);
    data = gatherRows(X, rows);
    subset = Int32Array.from(rows, (i) => labels[i]);
  }
  const { ids, count } = denseLabels(subset);
  checkLabelCount(count, data.rows, 'silhouette');
  const samples = silhouetteOfDense(data.data, data.rows, data.cols, ids, count);
  let sum = 0;
  for (let i = 0; i < samples.length; i += 1) sum += samples[i];
  return sum / samples.length;
}

function checkLabelRange(labels: ArrayLike<number>, k: number, what: string): void {
  for (let i = 0; i < labels.length; i += 1) {
    const l = labels[i];
    if (!(Number.isInteger(l) && l >= 0 && l < k)) throw new InputError(`${what}: label ${l} of row ${i} is outside [0, ${k})`);
  }
}

/**
 * Calinski–Harabasz index: between-cluster dispersion / within-cluster
 * dispersion, each divided by its degrees of freedom (higher is better).
 * Labels are in [0, k); clusters without points do not count. 1 when every
 * point sits on its cluster mean (as scikit-learn).
 */
export function calinskiHarabasz(X: DenseMatrix, labels: ArrayLike<number>, k: number): number {
  checkLabels(X, labels, 'Calinski-Harabasz');
  checkLabelRange(labels, k, 'Calinski-Harabasz');
  const { data, rows: n, cols: d } = X;
  const mean = new Float64Array(d);
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  for (let i = 0; i < n; i += 1) {
    const l = labels[i];
    counts[l] += 1;
    for (let j = 0; j < d; j += 1) {
      mean[j] += data[i * d + j];
      sums[l * d + j] += data[i * d + j];
    }
  }
  let clusters = 0;
  for (let c = 0; c < k; c += 1) if (counts[c] > 0) clusters += 1;
  checkLabelCount(clusters, n, 'Calinski-Harabasz');
  for (let j = 0; j < d; j += 1) mean[j] /= n;
  for (let c = 0; c < k; c += 1) if (counts[c] > 0) for (let j = 0; j < d; j += 1) sums[c * d + j] /= counts[c];
  const centres = sums;
  let between = 0;
  for (let c = 0; c < k; c += 1) {
    if (counts[c] === 0) continue;
    let s = 0;
    for (let j = 0; j < d; j += 1) s += (centres[c * d + j] - mean[j]) ** 2;
    between += counts[c] * s;
  }
  let within = 0;
  for (let i = 0; i < n; i += 1) {
    const l = labels[i];
    for (let j = 0; j < d; j += 1) within += (data[i * d + j] - centres[l * d + j]) ** 2;
  }
  return within === 0 ? 1 : (between * (n - clusters)) / (within * (clusters - 1));
}

/**
 * Davies–Bouldin index: the mean over clusters of the worst ratio
 * (sᵢ + sⱼ) / ‖cᵢ − cⱼ‖, where s is the mean distance of a cluster's points
 * to its centroid (lower is better, 0 is best). Uses the given centroids
 * (k×d, label c ↔ row c); clusters without points do not count. 0 when all
 * spreads or all centroid distances are zero (as scikit-learn).
 */
export function daviesBouldin(X: DenseMatrix, labels: ArrayLike<number>, centroids: DenseMatrix): number {
  checkLabels(X, labels, 'Davies-Bouldin');
  checkMatrix(centroids, 'Davies-Bouldin: centroids', { cols: X.cols });
  const k = centroids.rows;
  checkLabelRange(labels, k, 'Davies-Bouldin');
  const { data, rows: n, cols: d } = X;
  const C = centroids.data;
  const spread = new Float64Array(k);
  const counts = new Float64Array(k);
  for (let i = 0; i < n; i += 1) {
    const l = labels[i];
    let s = 0;
    for (let j = 0; j < d; j += 1) s += (data[i * d + j] - C[l * d + j]) ** 2;
    spread[l] += Math.sqrt(s);
    counts[l] += 1;
  }
  const present: number[] = [];
  for (let c = 0; c < k; c += 1) if (counts[c] > 0) present.push(c);
  checkLabelCount(present.length, n, 'Davies-Bouldin');
  for (const c of present) spread[c] /= counts[c];
  let anySpread = false;
  let anyGap = false;
  let total = 0;
  for (const a of present) {
    if (spread[a] > 0) anySpread = true;
    let worst = 0;
    for (const b of present) {
      if (a === b) continue;
      let s = 0;
      for (let j = 0; j < d; j += 1) s += (C[a * d + j] - C[b * d + j]) ** 2;
      const gap = Math.sqrt(s);
      if (gap === 0) continue; // coinciding centroids: sklearn treats the distance as infinite
      anyGap = true;
      const ratio = (spread[a] + spread[b]) / gap;
      if (ratio > worst) worst = ratio;
    }
    total += worst;
  }
  return anySpread && anyGap ? total / present.length : 0;
}

/** Cross-tabulation of two labelings: `table[i * cols + j]` points with the i-th label of `a` and the j-th of `b`. */
export interface Contingency {
  table: Float64Array;
  rows: number;
  cols: number;
  /** Points per label of `a` (table row sums). */
  rowSums: Float64Array;
  /** Points per label of `b` (table column sums). */
  colSums: Float64Array;
  /** The label of `a` behind each table row (labels in order of first appearance). */
  rowLabels: number[];
  /** The label of `b` behind each table column. */
  colLabels: number[];
}

/** Largest rows×cols of a dense contingency table (32 MiB of doubles). */
const DENSE_TABLE_LIMIT = 1 << 22;

/**
 * The contingency table of two labelings of the same points, dense: for
 * labelings with few labels each (clusterings), as the table has one cell
 * per pair of labels.
 */
export function contingencyTable(a: ArrayLike<number>, b: ArrayLike<number>): Contingency {
  if (a.length !== b.length) throw new InputError(`labelings differ in length: ${a.length} and ${b.length}`);
  const da = denseLabels(a);
  const db = denseLabels(b);
  const rows = da.count;
  const cols = db.count;
  if (rows * cols > DENSE_TABLE_LIMIT) throw new InputError(`contingency table of ${rows}×${cols} labels is too large for a dense table`);
  const table = new Float64Array(rows * cols);
  const rowSums = new Float64Array(rows);
  const colSums = new Float64Array(cols);
  for (let i = 0; i < a.length; i += 1) {
    table[da.ids[i] * cols + db.ids[i]] += 1;
    rowSums[da.ids[i]] += 1;
    colSums[db.ids[i]] += 1;
  }
  return { table, rows, cols, rowSums, colSums, rowLabels: da.original, colLabels: db.original };
}

/**
 * Adjusted Rand index of two labelings of the same points: 1 for identical
 * partitions (whatever the label names, including both "all one cluster"),
 * about 0 for independent ones, negative below chance. scikit-learn's
 * pair-confusion form of the contingency-table formula (Hubert & Arabie).
 */
export function adjustedRandIndex(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new InputError(`labelings differ in length: ${a.length} and ${b.length}`);
  const n = a.length;
  const da = denseLabels(a);
  const db = denseLabels(b);
  const rowSums = new Float64Array(da.count);
  const colSums = new Float64Array(db.count);
  for (let i = 0; i < n; i += 1) {
    rowSums[da.ids[i]] += 1;
    colSums[db.ids[i]] += 1;
  }
  let sumSquares = 0;
  if (da.count * db.count <= DENSE_TABLE_LIMIT) {
    const table = new Float64Array(da.count * db.count);
    for (let i = 0; i < n; i += 1) table[da.ids[i] * db.count + db.ids[i]] += 1;
    for (let p = 0; p < table.length; p += 1) sumSquares += table[p] * table[p];
  } else {
    // Many labels (e.g. near-singleton clusterings): only the non-empty cells, in a map.
    const cells = new Map<number, number>();
    for (let i = 0; i < n; i += 1) {
      const key = da.ids[i] * db.count + db.ids[i];
      cells.set(key, (cells.get(key) ?? 0) + 1);
    }
    for (const v of cells.values()) sumSquares += v * v;
  }
  let rowSquares = 0;
  for (let i = 0; i < rowSums.length; i += 1) rowSquares += rowSums[i] * rowSums[i];
  let colSquares = 0;
  for (let j = 0; j < colSums.length; j += 1) colSquares += colSums[j] * colSums[j];
  // Ordered pairs of distinct points: together in both (tp), only in b (fp), only in a (fn), in neither (tn).
  const tp = sumSquares - n;
  const fp = colSquares - sumSquares;
  const fn = rowSquares - sumSquares;
  const tn = n * n - fp - fn - sumSquares;
  if (fn === 0 && fp === 0) return 1;
  return (2 * (tp * tn - fn * fp)) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn));
}

/**
 * Jaccard similarity |A ∩ B| / |A ∪ B| of two sets of member indices (any
 * order, duplicates ignored); 1 when both are empty.
 */
export function jaccard(aMembers: ArrayLike<number>, bMembers: ArrayLike<number>): number {
  const a = new Set<number>(Array.from(aMembers));
  const b = new Set<number>(Array.from(bMembers));
  if (a.size === 0 && b.size === 0) return 1;
  let both = 0;
  for (const x of b) if (a.has(x)) both += 1;
  return both / (a.size + b.size - both);
}
