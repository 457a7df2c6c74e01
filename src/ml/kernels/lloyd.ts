/**
 * The hot loop of k-means as a pure function on typed arrays, so that an
 * implementation with the same signature (the WebAssembly kernel in
 * `src/ml/wasm/`) can replace it without touching the estimator.
 */

/** The signature every Lloyd assignment kernel implements (see {@link lloydAssign}). */
export type LloydAssign = (
  X: Float64Array, n: number, d: number, C: Float64Array, k: number,
  labels: Int32Array, dist2: Float64Array, sums: Float64Array, counts: Float64Array,
) => number;

/**
 * One Lloyd assignment pass: labels, squared distance to the nearest
 * centroid, per-cluster coordinate sums and counts; returns inertia.
 *
 * - `X`: n×d points, row-major; `C`: k×d centroids, row-major.
 * - Writes `labels[i]` (nearest centroid, ties to the lowest index) and
 *   `dist2[i]` (its squared Euclidean distance) for i < n.
 * - Zeroes, then fills `sums` (k×d: sum of the points of each cluster) and
 *   `counts` (k: points per cluster).
 * - Returns the inertia Σ dist2, summed in row order.
 *
 * Distances are summed over coordinates in index order, so a kernel that
 * keeps that order per row (the WebAssembly one does) gets bit-identical
 * labels and distances. No allocation; plain loops V8 compiles to tight code.
 */
export function lloydAssign(
  X: Float64Array, n: number, d: number, C: Float64Array, k: number,
  labels: Int32Array, dist2: Float64Array, sums: Float64Array, counts: Float64Array,
): number {
  sums.fill(0, 0, k * d);
  counts.fill(0, 0, k);
  let inertia = 0;
  let row = 0;
  for (let i = 0; i < n; i += 1, row += d) {
    let best = Infinity;
    let label = 0;
    let crow = 0;
    for (let c = 0; c < k; c += 1, crow += d) {
      let s = 0;
      for (let j = 0; j < d; j += 1) {
        const t = X[row + j] - C[crow + j];
        s += t * t;
      }
      // Strict < keeps ties on the lowest index.
      if (s < best) {
        best = s;
        label = c;
      }
    }
    labels[i] = label;
    dist2[i] = best;
    inertia += best;
    counts[label] += 1;
    const srow = label * d;
    for (let j = 0; j < d; j += 1) sums[srow + j] += X[row + j];
  }
  return inertia;
}
