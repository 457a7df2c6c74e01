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
 * Distances are summed over coordinates in index order, so every kernel that
 * keeps that order per row (the WebAssembly one does) gets bit-identical
 * labels and distances. Nothing is allocated per call once the kernel for a
 * given d exists.
 */
export function lloydAssign(
  X: Float64Array, n: number, d: number, C: Float64Array, k: number,
  labels: Int32Array, dist2: Float64Array, sums: Float64Array, counts: Float64Array,
): number {
  const kernel = Number.isInteger(d) && d >= 1 && d <= MAX_UNROLLED_D ? unrolledKernel(d) : lloydAssignLoop;
  return kernel(X, n, d, C, k, labels, dist2, sums, counts);
}

/**
 * The generic kernel: the definition as plain loops. Used for d above
 * {@link MAX_UNROLLED_D}, and the reference the unrolled kernels must match
 * bit for bit.
 */
export function lloydAssignLoop(
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

/** Widest rows that get a generated kernel (customer features stay well below). */
export const MAX_UNROLLED_D = 32;

const unrolled = new Map<number, LloydAssign>();

/**
 * The kernel for a fixed d, generated once per d: the row's coordinates are
 * held in locals and the distance loop is written out, which V8 compiles to
 * straight-line code at 2–2.5× the speed of the generic loop (1M×8, k = 8).
 * The operations and their order are exactly those of
 * {@link lloydAssignLoop}; only constant indices are substituted.
 */
function unrolledKernel(d: number): LloydAssign {
  let kernel = unrolled.get(d);
  if (kernel) return kernel;
  const js = (f: (j: number) => string, sep = '\n'): string => Array.from({ length: d }, (_, j) => f(j)).join(sep);
  const body = `
    sums.fill(0, 0, k * ${d});
    counts.fill(0, 0, k);
    let inertia = 0;
    for (let i = 0, row = 0; i < n; i += 1, row += ${d}) {
      ${js((j) => `const x${j} = X[row + ${j}];`)}
      let best = Infinity;
      let label = 0;
      for (let c = 0, crow = 0; c < k; c += 1, crow += ${d}) {
        let t = 0;
        let s = 0;
        ${js((j) => `t = x${j} - C[crow + ${j}]; s += t * t;`)}
        if (s < best) {
          best = s;
          label = c;
        }
      }
      labels[i] = label;
      dist2[i] = best;
      inertia += best;
      counts[label] += 1;
      const srow = label * ${d};
      ${js((j) => `sums[srow + ${j}] += x${j};`)}
    }
    return inertia;`;
  // The generated source depends only on the integer d: no outside text reaches it.
  kernel = new Function('X', 'n', 'd', 'C', 'k', 'labels', 'dist2', 'sums', 'counts', body) as LloydAssign;
  unrolled.set(d, kernel);
  return kernel;
}
