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
 * A Lloyd kernel bound to one X (e.g. with X resident in WebAssembly memory):
 * the same pass as {@link LloydAssign} without passing X again. `k` (at most
 * the k it was made for) lets k-means++ seeding run single-centroid passes
 * on the same kernel.
 */
export interface ResidentLloydKernel {
  /** With dist2 null, the distances are not copied out; {@link readDist2} gets them when needed. */
  assign(C: Float64Array, labels: Int32Array, dist2: Float64Array | null, sums: Float64Array, counts: Float64Array, k?: number): number;
  /** Copies the squared distances of the last `assign` out (for a pass made with dist2 null). */
  readDist2(dist2: Float64Array): void;
  /**
   * Optional: k-means++ seeding steps on the resident X, without copying
   * distances out per candidate. Must give the same bits as
   * {@link PlusPlusSeeder}'s definition.
   */
  plusPlus?(): PlusPlusSeeder;
  /** Releases the kernel; called once by whoever asked the factory for it. */
  dispose(): void;
}

/**
 * The steps of greedy k-means++ seeding over n rows, as k-means runs them.
 * Squared distances are summed over coordinates in index order (as the
 * Lloyd kernels do); every sum over rows is taken in row order.
 */
export interface PlusPlusSeeder {
  /** Sets the closest-centre distances to the squared distances to row `index` (the first centre). */
  first(index: number): void;
  /**
   * Running sums of the closest-centre distances in row order (the last is
   * the total). A view that is valid until the next call.
   */
  cumulative(): Float64Array;
  /**
   * Candidate row `index`: the minimum of each row's closest-centre distance
   * and its squared distance to the candidate, kept as the trial's; returns
   * their sum (the potential).
   */
  trial(index: number): number;
  /** Keeps the last trial's minima as the best trial of this round. */
  keepTrial(): void;
  /** Makes the best trial's minima the closest-centre distances (ends a round). */
  acceptBest(): void;
}

/**
 * Makes a {@link ResidentLloydKernel} for X (row-major n×d) and passes with up
 * to k centroids; k-means asks for one per fit and disposes it at the end.
 */
export type LloydKernelFactory = (X: Float64Array, n: number, d: number, k: number) => ResidentLloydKernel;

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
