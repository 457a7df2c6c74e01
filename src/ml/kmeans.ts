/**
 * k-means clustering (Lloyd's algorithm with greedy k-means++ seeding), with
 * the semantics of scikit-learn's `KMeans`, deterministic from its seed.
 */
import { InputError } from '../errors.ts';
import { lloydAssign, type LloydAssign, type LloydKernelFactory, type PlusPlusSeeder } from './kernels/lloyd.ts';
import { checkMatrix, columnStats, type DenseMatrix } from './matrix.ts';
import { deriveSeed, Rng } from './rng.ts';

/** The format tag of a serialised {@link KMeans}. */
export const KMEANS_FORMAT = 'segmenta.kmeans/v1';

/** How the initial centroids of each run are chosen. */
export type KMeansInit = 'k-means++' | 'random';

/** Options of {@link KMeans}. */
export interface KMeansOptions {
  /** Number of clusters, an integer ≥ 1. */
  k: number;
  /** Number of runs from different seedings; the one with the lowest inertia wins. Default 10. */
  nInit?: number;
  /** Maximum Lloyd iterations per run. Default 300. */
  maxIter?: number;
  /**
   * Convergence tolerance relative to the data: a run stops when the total
   * squared centroid shift of an iteration is ≤ tol × the mean of the
   * per-feature variances. Default 1e-4. 0 runs until the centroids stop moving.
   */
  tol?: number;
  /** Seed of all random choices, an integer ≥ 0. Default 0. */
  seed?: number;
  /** Seeding: greedy k-means++ (default) or k distinct random points. */
  init?: KMeansInit;
  /**
   * The assignment kernel. Default: the plain-JS {@link lloydAssign}; any
   * function with the same contract (e.g. the WebAssembly kernel) may replace it.
   */
  assign?: LloydAssign;
  /**
   * Makes a kernel bound to the training X for the passes of one fit (all
   * runs, the seeding and every iteration), e.g. the WebAssembly kernel with
   * X copied in once; it must give the same results as `assign`. It is
   * disposed at the end of the fit. `predict` still uses `assign`.
   */
  kernel?: LloydKernelFactory;
}

/** Serialised form of a fitted {@link KMeans}. */
export interface KMeansJSON {
  format: typeof KMEANS_FORMAT;
  k: number;
  nInit: number;
  maxIter: number;
  tol: number;
  seed: number;
  init: KMeansInit;
  /** k rows of d coordinates, in canonical label order. */
  centroids: number[][];
  inertia: number;
  nIter: number;
}

/** The assignment passes of one fit over its X, from {@link KMeans.withKernel}. */
interface FitPasses {
  /**
   * A {@link LloydAssign} pass over the fit's X. With dist2 null the
   * distances need not be copied out: {@link distances} fetches them.
   */
  assign(C: Float64Array, k: number, labels: Int32Array, dist2: Float64Array | null, sums: Float64Array, counts: Float64Array): number;
  /** Puts the last pass's squared distances in the workspace's dist2. */
  distances(): void;
  /** k-means++ seeding steps over the fit's X. */
  seeder(): PlusPlusSeeder;
}

/** Buffers shared by the runs of one fit, so runs allocate nothing per iteration. */
interface Workspace {
  labels: Int32Array;
  previous: Int32Array;
  dist2: Float64Array;
  sums: Float64Array;
  counts: Float64Array;
  /** k-means++ buffers (n each), allocated by the first seeding that needs them. */
  seeding: Float64Array[] | null;
}

interface RunResult {
  centroids: Float64Array;
  labels: Int32Array;
  inertia: number;
  nIter: number;
}

/**
 * k-means with scikit-learn's semantics:
 *
 * - **Seeding**: greedy k-means++ (as scikit-learn): the first centre is a
 *   uniformly drawn point; each next one is the best, by resulting
 *   potential, of 2 + ⌊ln k⌋ candidates drawn with probability proportional
 *   to the squared distance to the nearest centre so far.
 * - **Runs**: `nInit` runs, run r seeded with `deriveSeed(seed, r)`; the run
 *   with the lowest inertia wins (the earliest on an exact tie).
 * - **Convergence**: a run stops when the labels no longer change, or when
 *   the total squared centroid shift is ≤ tol × mean per-feature variance,
 *   or after `maxIter` iterations.
 * - **Empty clusters** are moved, in increasing label order, onto the points
 *   farthest from their current centroid (largest first, ties to the lowest
 *   row), taking the point out of its old cluster.
 * - **Canonical labels**: clusters are renumbered by first appearance in
 *   data order (row 0 is in cluster 0, the next row in another cluster
 *   starts cluster 1, …; clusters without points come last), so labels do
 *   not depend on which seeding found the partition. Labels and inertia are
 *   then recomputed from the final centroids, so `labels` is exactly
 *   `predict(X)` on the training data.
 */
export class KMeans {
  readonly k: number;
  readonly nInit: number;
  readonly maxIter: number;
  readonly tol: number;
  readonly seed: number;
  readonly init: KMeansInit;
  private readonly assign: LloydAssign;
  private readonly kernelFactory: LloydKernelFactory | undefined;
  private centroidValues: DenseMatrix | null = null;
  private labelValues: Int32Array | null = null;
  private inertiaValue = NaN;
  private iterations = 0;

  constructor(options: KMeansOptions) {
    const { k, nInit = 10, maxIter = 300, tol = 1e-4, seed = 0, init = 'k-means++', assign = lloydAssign, kernel } = options ?? ({} as KMeansOptions);
    if (!Number.isSafeInteger(k) || k < 1) throw new InputError(`k must be an integer ≥ 1, got ${k}`);
    if (!Number.isSafeInteger(nInit) || nInit < 1) throw new InputError(`nInit must be an integer ≥ 1, got ${nInit}`);
    if (!Number.isSafeInteger(maxIter) || maxIter < 1) throw new InputError(`maxIter must be an integer ≥ 1, got ${maxIter}`);
    if (typeof tol !== 'number' || !(tol >= 0) || !Number.isFinite(tol)) throw new InputError(`tol must be a finite number ≥ 0, got ${tol}`);
    if (!Number.isSafeInteger(seed) || seed < 0) throw new InputError(`seed must be an integer ≥ 0, got ${seed}`);
    if (init !== 'k-means++' && init !== 'random') throw new InputError(`init must be "k-means++" or "random", got ${JSON.stringify(init)}`);
    if (typeof assign !== 'function') throw new InputError('assign must be a Lloyd assignment kernel function');
    if (kernel !== undefined && typeof kernel !== 'function') throw new InputError('kernel must be a Lloyd kernel factory function');
    this.k = k;
    this.nInit = nInit;
    this.maxIter = maxIter;
    this.tol = tol;
    this.seed = seed;
    this.init = init;
    this.assign = assign;
    this.kernelFactory = kernel;
  }

  /**
   * Runs `body` with the assignment function of one fit on X: the factory's
   * resident kernel when there is one (disposed afterwards, also on error),
   * else `assign`.
   */
  private withKernel<T>(X: DenseMatrix, ws: Workspace, body: (passes: FitPasses) => T): T {
    const { data, rows: n, cols: d } = X;
    if (!this.kernelFactory) {
      const assign = this.assign;
      return body({
        assign: (C, k, labels, dist2, sums, counts) => assign(data, n, d, C, k, labels, dist2 ?? ws.dist2, sums, counts),
        // Every pass of a fit writes its distances to ws.dist2 already.
        distances: () => undefined,
        seeder: () => arraySeeder(X, assign, ws),
      });
    }
    const kernel = this.kernelFactory(data, n, d, this.k);
    try {
      // The kernel holds X already: the X argument of a LloydAssign call is that same X.
      const assign: LloydAssign = (_X, _n, _d, C, k, labels, dist2, sums, counts) => kernel.assign(C, labels, dist2, sums, counts, k);
      return body({
        assign: (C, k, labels, dist2, sums, counts) => kernel.assign(C, labels, dist2, sums, counts, k),
        distances: () => kernel.readDist2(ws.dist2),
        seeder: kernel.plusPlus ? () => kernel.plusPlus!() : () => arraySeeder(X, assign, ws),
      });
    } finally {
      kernel.dispose();
    }
  }

  /** Clusters the rows of `X` (n×d, n ≥ k): the best of `nInit` seeded runs. */
  fit(X: DenseMatrix): this {
    this.checkTrainingData(X);
    const { rows: n, cols: d } = X;
    const tolerance = this.absoluteTolerance(X);
    const ws = workspace(n, d, this.k);
    // The winner's labels are copied out of the shared workspace.
    const bestLabels = new Int32Array(n);
    this.withKernel(X, ws, (passes) => {
      let best: RunResult | null = null;
      for (let r = 0; r < this.nInit; r += 1) {
        const rng = new Rng(deriveSeed(this.seed, r));
        const initial = this.init === 'k-means++' ? kmeansPlusPlus(X, this.k, rng, passes.seeder()) : randomCentroids(X, this.k, rng);
        const result = this.run(X, initial, tolerance, ws, passes);
        if (best === null || result.inertia < best.inertia) {
          bestLabels.set(result.labels);
          best = { ...result, labels: bestLabels };
        }
      }
      this.finish(X, best!, ws, passes);
    });
    return this;
  }

  /**
   * One Lloyd run from the given initial centroids (k×d), without seeding
   * and without restarts: for refreshing a model on new data from its old
   * centroids, and for comparing with other implementations.
   */
  fitFromCentroids(X: DenseMatrix, initial: DenseMatrix): this {
    this.checkTrainingData(X);
    checkMatrix(initial, 'KMeans.fitFromCentroids: initial centroids', { minRows: 0, cols: X.cols });
    if (initial.rows !== this.k) throw new InputError(`initial centroids must have k = ${this.k} rows, got ${initial.rows}`);
    const ws = workspace(X.rows, X.cols, this.k);
    const tolerance = this.absoluteTolerance(X);
    this.withKernel(X, ws, (passes) => {
      const result = this.run(X, initial.data.slice(), tolerance, ws, passes);
      this.finish(X, { ...result, labels: result.labels.slice() }, ws, passes);
    });
    return this;
  }

  /** The nearest centroid of each row of `X` (ties to the lowest label). */
  predict(X: DenseMatrix): Int32Array {
    const centroids = this.fitted();
    checkMatrix(X, 'KMeans.predict: X', { minRows: 0, cols: centroids.cols });
    const { rows: n, cols: d } = X;
    const labels = new Int32Array(n);
    this.assign(X.data, n, d, centroids.data, this.k, labels, new Float64Array(n), new Float64Array(this.k * d), new Float64Array(this.k));
    return labels;
  }

  /** Euclidean distance from every row of `X` to every centroid, n×k. */
  transform(X: DenseMatrix): DenseMatrix {
    const centroids = this.fitted();
    checkMatrix(X, 'KMeans.transform: X', { minRows: 0, cols: centroids.cols });
    const { data, rows: n, cols: d } = X;
    const k = this.k;
    const C = centroids.data;
    const out = new Float64Array(n * k);
    for (let i = 0; i < n; i += 1) {
      const row = i * d;
      for (let c = 0; c < k; c += 1) {
        const crow = c * d;
        let s = 0;
        for (let j = 0; j < d; j += 1) {
          const t = data[row + j] - C[crow + j];
          s += t * t;
        }
        out[i * k + c] = Math.sqrt(s);
      }
    }
    return { data: out, rows: n, cols: k };
  }

  /** Fits, then returns the training labels. */
  fitPredict(X: DenseMatrix): Int32Array {
    return this.fit(X).labels;
  }

  /** Cluster centres, k×d, in canonical label order (a copy). */
  get centroids(): DenseMatrix {
    const c = this.fitted();
    return { data: c.data.slice(), rows: c.rows, cols: c.cols };
  }

  /**
   * The training rows' labels (only after `fit`/`fitFromCentroids`, not
   * after `fromJSON`). The model's own array, not a copy: do not modify it.
   */
  get labels(): Int32Array {
    this.fitted();
    if (!this.labelValues) throw new Error('KMeans.labels are only known after fit(); a model from fromJSON() has none');
    return this.labelValues;
  }

  /** Sum of squared distances of the training rows to their centroid. */
  get inertia(): number {
    this.fitted();
    return this.inertiaValue;
  }

  /** Lloyd iterations of the winning run. */
  get nIter(): number {
    this.fitted();
    return this.iterations;
  }

  toJSON(): KMeansJSON {
    const c = this.fitted();
    const centroids: number[][] = [];
    for (let i = 0; i < c.rows; i += 1) centroids.push(Array.from(c.data.subarray(i * c.cols, (i + 1) * c.cols)));
    return {
      format: KMEANS_FORMAT,
      k: this.k,
      nInit: this.nInit,
      maxIter: this.maxIter,
      tol: this.tol,
      seed: this.seed,
      init: this.init,
      centroids,
      inertia: this.inertiaValue,
      nIter: this.iterations,
    };
  }

  /** Restores a fitted model (centroids, not training labels); throws {@link InputError} on another format. */
  static fromJSON(json: unknown, options: { assign?: LloydAssign } = {}): KMeans {
    const j = json as Partial<KMeansJSON> | null;
    if (j?.format !== KMEANS_FORMAT) throw new InputError(`expected a ${KMEANS_FORMAT} model, got format ${JSON.stringify(j?.format)}`);
    const model = new KMeans({ k: j.k!, nInit: j.nInit, maxIter: j.maxIter, tol: j.tol, seed: j.seed, init: j.init, ...options });
    const rows = j.centroids;
    const d = Array.isArray(rows) && Array.isArray(rows[0]) ? rows[0].length : 0;
    if (
      !Array.isArray(rows) || rows.length !== model.k || d < 1 ||
      !rows.every((r) => Array.isArray(r) && r.length === d && r.every((x) => typeof x === 'number' && Number.isFinite(x)))
    ) {
      throw new InputError(`${KMEANS_FORMAT}: centroids must be k = ${model.k} rows of the same number of finite coordinates`);
    }
    const data = new Float64Array(model.k * d);
    rows.forEach((r, c) => data.set(r, c * d));
    model.centroidValues = { data, rows: model.k, cols: d };
    model.inertiaValue = typeof j.inertia === 'number' ? j.inertia : NaN;
    model.iterations = typeof j.nIter === 'number' ? j.nIter : 0;
    return model;
  }

  private checkTrainingData(X: DenseMatrix): void {
    checkMatrix(X, 'KMeans.fit: X');
    if (X.rows < this.k) throw new InputError(`k-means with k = ${this.k} needs at least ${this.k} rows, got ${X.rows}`);
  }

  private absoluteTolerance(X: DenseMatrix): number {
    if (this.tol === 0) return 0;
    const { variance } = columnStats(X);
    let sum = 0;
    for (let j = 0; j < variance.length; j += 1) sum += variance[j];
    return (sum / variance.length) * this.tol;
  }

  /** One Lloyd run; labels are left in `ws.labels`, consistent with the returned centroids. */
  private run(X: DenseMatrix, initial: Float64Array, tolerance: number, ws: Workspace, passes: FitPasses): RunResult {
    const { data, rows: n, cols: d } = X;
    const k = this.k;
    const { labels, previous, dist2, sums, counts } = ws;
    let C = initial;
    let next: Float64Array = new Float64Array(k * d);
    previous.fill(-1);
    let inertia = 0;
    let iter = 0;
    let consistent = false;
    while (iter < this.maxIter) {
      iter += 1;
      // The distances are only needed to refill an empty cluster: fetched then.
      inertia = passes.assign(C, k, labels, null, sums, counts);
      if (hasEmptyCluster(counts, k)) {
        passes.distances();
        relocateEmptyClusters(data, d, k, labels, dist2, sums, counts);
      }
      let shift = 0;
      let moved = false;
      for (let c = 0; c < k; c += 1) {
        const cnt = counts[c];
        for (let j = c * d, end = j + d; j < end; j += 1) {
          // A cluster left empty by relocation keeps its centre until it is refilled.
          const v = cnt > 0 ? sums[j] / cnt : C[j];
          const t = v - C[j];
          shift += t * t;
          if (v !== C[j]) moved = true;
          next[j] = v;
        }
      }
      const swap = C;
      C = next;
      next = swap;
      if (!moved) {
        // The labels were computed from these very centroids.
        consistent = true;
        break;
      }
      if (sameLabels(labels, previous, n) || shift <= tolerance) break;
      previous.set(labels);
    }
    if (!consistent) inertia = passes.assign(C, k, labels, null, sums, counts);
    return { centroids: C, labels, inertia, nIter: iter };
  }

  /** Renumbers the winning run's clusters canonically and recomputes labels and inertia from its centroids. */
  private finish(X: DenseMatrix, best: RunResult, ws: Workspace, passes: FitPasses): void {
    const { rows: n, cols: d } = X;
    const k = this.k;
    const order = new Int32Array(k).fill(-1);
    let nextLabel = 0;
    for (let i = 0; i < n && nextLabel < k; i += 1) {
      const l = best.labels[i];
      if (order[l] === -1) order[l] = nextLabel++;
    }
    for (let c = 0; c < k; c += 1) if (order[c] === -1) order[c] = nextLabel++;
    const centroids = new Float64Array(k * d);
    for (let c = 0; c < k; c += 1) centroids.set(best.centroids.subarray(c * d, (c + 1) * d), order[c] * d);
    const labels = best.labels;
    this.inertiaValue = passes.assign(centroids, k, labels, null, ws.sums, ws.counts);
    this.centroidValues = { data: centroids, rows: k, cols: d };
    this.labelValues = labels;
    this.iterations = best.nIter;
  }

  private fitted(): DenseMatrix {
    if (!this.centroidValues) throw new Error('KMeans is not fitted: call fit() or fromJSON() first');
    return this.centroidValues;
  }
}

function workspace(n: number, d: number, k: number): Workspace {
  return {
    labels: new Int32Array(n),
    previous: new Int32Array(n),
    dist2: new Float64Array(n),
    sums: new Float64Array(k * d),
    counts: new Float64Array(k),
    seeding: null,
  };
}

function hasEmptyCluster(counts: Float64Array, k: number): boolean {
  for (let c = 0; c < k; c += 1) if (counts[c] === 0) return true;
  return false;
}

function sameLabels(a: Int32Array, b: Int32Array, n: number): boolean {
  for (let i = 0; i < n; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Gives every empty cluster one point: the points farthest from their
 * centroid (largest squared distance first, ties to the lowest row), in
 * increasing cluster order. Updates `sums` and `counts` as if the point had
 * been assigned there (the labels are recomputed by the next pass anyway).
 */
function relocateEmptyClusters(
  X: Float64Array, d: number, k: number,
  labels: Int32Array, dist2: Float64Array, sums: Float64Array, counts: Float64Array,
): void {
  let empty = 0;
  for (let c = 0; c < k; c += 1) if (counts[c] === 0) empty += 1;
  if (empty === 0) return;
  const n = labels.length;
  const taken = new Set<number>();
  for (let c = 0; c < k; c += 1) {
    if (counts[c] !== 0) continue;
    let far = -1;
    let farDist = -1;
    for (let i = 0; i < n; i += 1) {
      if (dist2[i] > farDist && !taken.has(i)) {
        far = i;
        farDist = dist2[i];
      }
    }
    taken.add(far);
    const from = labels[far];
    const row = far * d;
    if (counts[from] > 0) {
      counts[from] -= 1;
      for (let j = 0; j < d; j += 1) sums[from * d + j] -= X[row + j];
    }
    // The donor may now be empty: its centre stays where it was (see run()).
    if (counts[from] === 0) sums.fill(0, from * d, (from + 1) * d);
    counts[c] = 1;
    for (let j = 0; j < d; j += 1) sums[c * d + j] = X[row + j];
    labels[far] = c;
  }
}

/**
 * The k-means++ seeding steps on the plain arrays of the workspace, with
 * the distances to a candidate from the assignment kernel with a single
 * centroid (so a faster kernel speeds up seeding too).
 */
function arraySeeder(X: DenseMatrix, assign: LloydAssign, ws: Workspace): PlusPlusSeeder {
  const { data, rows: n, cols: d } = X;
  // ws.dist2 receives the distances to one candidate; ws.labels, ws.sums and ws.counts are scratch.
  const toCandidate = ws.dist2;
  ws.seeding ??= Array.from({ length: 4 }, () => new Float64Array(n));
  let [closest, candidate, bestCandidate] = ws.seeding;
  const cumulative = ws.seeding[3];
  const distancesTo = (index: number): void => {
    assign(data, n, d, data.subarray(index * d, (index + 1) * d), 1, ws.labels, toCandidate, ws.sums, ws.counts);
  };
  return {
    first(index) {
      distancesTo(index);
      closest.set(toCandidate);
    },
    cumulative() {
      let total = 0;
      for (let i = 0; i < n; i += 1) {
        total += closest[i];
        cumulative[i] = total;
      }
      return cumulative;
    },
    trial(index) {
      distancesTo(index);
      let potential = 0;
      for (let i = 0; i < n; i += 1) {
        const m = toCandidate[i] < closest[i] ? toCandidate[i] : closest[i];
        candidate[i] = m;
        potential += m;
      }
      return potential;
    },
    keepTrial() {
      const swap = bestCandidate;
      bestCandidate = candidate;
      candidate = swap;
    },
    acceptBest() {
      const swap = closest;
      closest = bestCandidate;
      bestCandidate = swap;
    },
  };
}

/**
 * Greedy k-means++ seeding (as scikit-learn's `_kmeans_plusplus`). Returns
 * k×d centroids.
 */
function kmeansPlusPlus(X: DenseMatrix, k: number, rng: Rng, seeder: PlusPlusSeeder): Float64Array {
  const { data, rows: n, cols: d } = X;
  const centroids = new Float64Array(k * d);
  const trials = 2 + Math.floor(Math.log(k));

  const first = rng.nextInt(n);
  centroids.set(data.subarray(first * d, (first + 1) * d), 0);
  seeder.first(first);

  for (let c = 1; c < k; c += 1) {
    const cumulative = seeder.cumulative();
    const total = cumulative[n - 1];
    let bestPotential = Infinity;
    let bestIndex = -1;
    for (let t = 0; t < trials; t += 1) {
      // Draw a row with probability ∝ closest[i]: the first row whose cumulative sum reaches r.
      const r = rng.next() * total;
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cumulative[mid] < r) lo = mid + 1;
        else hi = mid;
      }
      const index = lo;
      const potential = seeder.trial(index);
      if (potential < bestPotential) {
        bestPotential = potential;
        bestIndex = index;
        seeder.keepTrial();
      }
    }
    centroids.set(data.subarray(bestIndex * d, (bestIndex + 1) * d), c * d);
    seeder.acceptBest();
  }
  return centroids;
}

/** k distinct rows drawn uniformly, as centroids. */
function randomCentroids(X: DenseMatrix, k: number, rng: Rng): Float64Array {
  const { data, rows: n, cols: d } = X;
  const rows = rng.sampleWithoutReplacement(n, k);
  const centroids = new Float64Array(k * d);
  for (let c = 0; c < k; c += 1) centroids.set(data.subarray(rows[c] * d, (rows[c] + 1) * d), c * d);
  return centroids;
}
