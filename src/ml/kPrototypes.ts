/**
 * k-prototypes clustering for mixed numeric and categorical data (Huang 1998).
 *
 * Z. Huang, "Extensions to the k-means algorithm for clustering large data sets with categorical
 * values", Data Mining and Knowledge Discovery 2(3), 283–304, 1998 (k-prototypes first in
 * Huang 1997, PAKDD). B2B customers come with both kinds of attribute — employees and revenue are
 * numbers, industry section and Bundesland are categories — and k-means cannot average a
 * category, so each prototype holds a mean for the numeric part and a mode for the categorical one.
 *
 * Dissimilarity of object x and prototype c (Huang's eq. for k-prototypes):
 *
 *   d(x, c) = Σ_l (x_l − c_l)²  +  γ · Σ_j [x_j ≠ c_j]
 *
 * with the numeric columns standardised (z-scores learnt in `fit`), so no column dominates by its
 * unit. The cost minimised is Σ_i d(x_i, prototype of i's cluster).
 *
 * Choices this implementation makes, and why:
 * - **γ default.** Huang suggests γ between ⅓ and ⅔ of the average standard deviation of the
 *   numeric attributes; we take the middle, `0.5 · mean std` (as the reference Python `kmodes`
 *   package does), computed on the columns the distance sees. With standardisation on, every
 *   non-constant column has std 1, so γ = 0.5 · (share of non-constant columns), normally 0.5:
 *   one categorical mismatch costs as much as a gap of √0.5 ≈ 0.71 standard deviations on one
 *   numeric column. Without numeric columns γ is 1 (any positive value clusters the same).
 * - **Batch updates.** Huang's paper moves objects one at a time and updates the two prototypes
 *   involved at once. We assign all objects, then recompute all prototypes (Lloyd-style). Both
 *   decrease the same cost monotonically and stop in a local minimum; the batch form does not
 *   depend on row order and is easy to check by hand.
 * - **Initialisation: Huang's frequency-based method, seeded.** For each of the k initial
 *   prototypes draw, for every categorical attribute, a category with probability proportional
 *   to its frequency (Huang 1998 §3.3, method 2), and take the numeric part from a uniformly drawn
 *   row; then replace each candidate by the most similar object in the data that is not already
 *   chosen and not identical to one chosen (ties: lowest row index), so the k prototypes are
 *   distinct real objects. Cao's density method was not used because it is deterministic: the
 *   `nInit` restarts would all coincide.
 * - **Restarts.** `nInit` runs, the r-th drawing from the project's seeded generator
 *   (`src/ml/rng.ts`) at `deriveSeed(seed, r)`; the lowest cost wins, the earliest run on a tie.
 * - **Ties.** A mode is the most frequent category, the smallest code among equally frequent
 *   ones. An object equally near two prototypes goes to the one with the lower index.
 * - **Empty clusters.** A cluster left empty takes the object farthest from its own prototype
 *   (lowest index on a tie) among clusters with more than one member.
 */

import { InputError } from '../errors.ts';
import { deriveSeed, Rng } from './rng.ts';

/** Format tag of {@link KPrototypesJSON}. */
export const KPROTOTYPES_FORMAT = 'segmenta.kprototypes/v1';

/** Mixed data: n rows, p numeric columns (row-major n×p) and q categorical columns (row-major n×q). */
export interface MixedData {
  readonly n: number;
  readonly p: number;
  readonly q: number;
  /** n·p values, row-major; every value finite. */
  readonly numeric: Float64Array;
  /** n·q category codes ≥ 0, row-major. A code stands for a category; its size carries no meaning. */
  readonly categorical: Int32Array;
}

/** Options of {@link KPrototypes}. */
export interface KPrototypesOptions {
  /** Number of clusters, ≥ 1. */
  readonly k: number;
  /** Weight of one categorical mismatch; default `0.5 · mean std` of the numeric columns as the distance sees them. */
  readonly gamma?: number;
  /** Restarts from different seeded initialisations; default 10. */
  readonly nInit?: number;
  /** Most assign/update rounds per run; default 100. */
  readonly maxIter?: number;
  /** Integer seed ≥ 0; default 0. */
  readonly seed?: number;
  /** Standardise numeric columns to mean 0, std 1 (learnt in `fit`); default true. */
  readonly standardize?: boolean;
  /**
   * Start from these prototypes instead of the seeded initialisation (then one run): k·p numeric
   * values in the units of the input, k·q category codes.
   */
  readonly initialPrototypes?: { readonly numeric: Float64Array; readonly categorical: Int32Array };
}

/** Serialised fitted model. Numeric prototypes are in standardised units; `numericMeans`/`numericScales` undo that. */
export interface KPrototypesJSON {
  format: typeof KPROTOTYPES_FORMAT;
  k: number;
  p: number;
  q: number;
  gamma: number;
  standardize: boolean;
  numericMeans: number[];
  numericScales: number[];
  /** k rows of p numbers (standardised units). */
  centroids: number[][];
  /** k rows of q category codes. */
  modes: number[][];
  cost: number;
  iterations: number;
  converged: boolean;
}

// ---------------------------------------------------------------------------
// Validation and the pieces of the algorithm (exported for tests and for callers that need them).

function checkShape(data: MixedData, what: string): void {
  const { n, p, q } = data;
  for (const [name, v] of [['n', n], ['p', p], ['q', q]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new InputError(`${what}: ${name} must be an integer ≥ 0, got ${v}`);
  }
  if (data.numeric.length !== n * p) throw new InputError(`${what}: numeric has ${data.numeric.length} values, expected n·p = ${n * p}`);
  if (data.categorical.length !== n * q) {
    throw new InputError(`${what}: categorical has ${data.categorical.length} codes, expected n·q = ${n * q}`);
  }
  for (let t = 0; t < data.numeric.length; t += 1) {
    const x = data.numeric[t]!;
    if (!Number.isFinite(x)) throw new InputError(`${what}: numeric value ${x} at row ${Math.floor(t / p)}, column ${t % p} is not finite`);
  }
  for (let t = 0; t < data.categorical.length; t += 1) {
    const c = data.categorical[t]!;
    if (c < 0) {
      throw new InputError(`${what}: category code ${c} at row ${Math.floor(t / q)}, column ${t % q} is negative; encode a missing value as a category of its own`);
    }
  }
}

/**
 * Column means and standard deviations (population, divisor n). A constant column gets scale 1,
 * so it standardises to 0 everywhere and drops out of the distance instead of dividing by zero.
 */
export function standardization(numeric: Float64Array, n: number, p: number): { means: Float64Array; scales: Float64Array; stds: Float64Array } {
  const means = new Float64Array(p);
  const stds = new Float64Array(p);
  for (let i = 0; i < n; i += 1) for (let l = 0; l < p; l += 1) means[l]! += numeric[i * p + l]!;
  for (let l = 0; l < p; l += 1) means[l] = n > 0 ? means[l]! / n : 0;
  for (let i = 0; i < n; i += 1) {
    for (let l = 0; l < p; l += 1) {
      const d = numeric[i * p + l]! - means[l]!;
      stds[l]! += d * d;
    }
  }
  for (let l = 0; l < p; l += 1) stds[l] = n > 0 ? Math.sqrt(stds[l]! / n) : 0;
  const scales = stds.map((s) => (s > 0 ? s : 1));
  return { means, scales, stds };
}

function applyScaling(numeric: Float64Array, p: number, means: Float64Array, scales: Float64Array): Float64Array {
  const out = new Float64Array(numeric.length);
  for (let t = 0; t < numeric.length; t += 1) {
    const l = t % p;
    out[t] = (numeric[t]! - means[l]!) / scales[l]!;
  }
  return out;
}

/**
 * Huang's default γ: half the mean standard deviation of the numeric columns given (the columns
 * as the distance sees them, i.e. after standardisation when that is on). 1 when p = 0.
 */
export function defaultGamma(numeric: Float64Array, n: number, p: number): number {
  if (p === 0) return 1;
  const { stds } = standardization(numeric, n, p);
  let sum = 0;
  for (let l = 0; l < p; l += 1) sum += stds[l]!;
  const gamma = (0.5 * sum) / p;
  // All numeric columns constant: numeric part is 0 everywhere; any positive γ clusters the same.
  return gamma > 0 ? gamma : 1;
}

/**
 * Mixed dissimilarity of row `i` of (`num`, `cat`) and prototype `c` of (`cNum`, `cCat`):
 * squared Euclidean on the numeric part plus γ times the number of categorical mismatches.
 */
export function mixedDistance(
  num: Float64Array, cat: Int32Array, i: number,
  cNum: Float64Array, cCat: Int32Array, c: number,
  p: number, q: number, gamma: number,
): number {
  let squared = 0;
  for (let l = 0, a = i * p, b = c * p; l < p; l += 1) {
    const d = num[a + l]! - cNum[b + l]!;
    squared += d * d;
  }
  let mismatches = 0;
  for (let j = 0, a = i * q, b = c * q; j < q; j += 1) if (cat[a + j] !== cCat[b + j]) mismatches += 1;
  return squared + gamma * mismatches;
}

/**
 * Mode of each categorical column over the rows with `labels[i] === cluster`: the most frequent
 * code, the smallest code on a tie. Returns q codes, or `undefined` when the cluster is empty.
 */
export function clusterModes(cat: Int32Array, n: number, q: number, labels: Int32Array, cluster: number): Int32Array | undefined {
  const modes = new Int32Array(q);
  let members = 0;
  for (let j = 0; j < q; j += 1) {
    const counts = new Map<number, number>();
    members = 0;
    for (let i = 0; i < n; i += 1) {
      if (labels[i] !== cluster) continue;
      members += 1;
      const code = cat[i * q + j]!;
      counts.set(code, (counts.get(code) ?? 0) + 1);
    }
    let best = -1;
    let bestCount = 0;
    for (const [code, count] of counts) {
      if (count > bestCount || (count === bestCount && code < best)) {
        best = code;
        bestCount = count;
      }
    }
    modes[j] = best;
  }
  if (q === 0) for (let i = 0; i < n; i += 1) if (labels[i] === cluster) members += 1;
  return members === 0 ? undefined : modes;
}

interface RunResult {
  centroids: Float64Array;
  modes: Int32Array;
  labels: Int32Array;
  cost: number;
  iterations: number;
  converged: boolean;
}

/** Assigns every row to its nearest prototype (lowest index on ties); returns the total cost. */
function assign(
  num: Float64Array, cat: Int32Array, n: number, p: number, q: number, gamma: number,
  centroids: Float64Array, modes: Int32Array, k: number, labels: Int32Array, distances: Float64Array,
): number {
  let cost = 0;
  for (let i = 0; i < n; i += 1) {
    let best = 0;
    let bestD = Number.POSITIVE_INFINITY;
    for (let c = 0; c < k; c += 1) {
      const d = mixedDistance(num, cat, i, centroids, modes, c, p, q, gamma);
      if (d < bestD) {
        bestD = d;
        best = c;
      }
    }
    labels[i] = best;
    distances[i] = bestD;
    cost += bestD;
  }
  return cost;
}

/** Recomputes means and modes from the labels, first refilling empty clusters (see module doc). */
function update(
  num: Float64Array, cat: Int32Array, n: number, p: number, q: number, k: number,
  labels: Int32Array, distances: Float64Array, centroids: Float64Array, modes: Int32Array,
): void {
  const sizes = new Int32Array(k);
  for (let i = 0; i < n; i += 1) sizes[labels[i]!]! += 1;
  for (let c = 0; c < k; c += 1) {
    if (sizes[c]! > 0) continue;
    let far = -1;
    for (let i = 0; i < n; i += 1) {
      if (sizes[labels[i]!]! > 1 && (far < 0 || distances[i]! > distances[far]!)) far = i;
    }
    // k ≤ number of distinct rows ≤ n, so some cluster has two members while one is empty.
    sizes[labels[far]!]! -= 1;
    labels[far] = c;
    sizes[c] = 1;
    distances[far] = 0;
  }
  centroids.fill(0);
  for (let i = 0; i < n; i += 1) {
    const c = labels[i]!;
    for (let l = 0; l < p; l += 1) centroids[c * p + l]! += num[i * p + l]!;
  }
  for (let c = 0; c < k; c += 1) for (let l = 0; l < p; l += 1) centroids[c * p + l] = centroids[c * p + l]! / sizes[c]!;
  for (let c = 0; c < k; c += 1) modes.set(clusterModes(cat, n, q, labels, c)!, c * q);
}

function rowsEqual(num: Float64Array, cat: Int32Array, p: number, q: number, a: number, b: number): boolean {
  for (let l = 0; l < p; l += 1) if (num[a * p + l] !== num[b * p + l]) return false;
  for (let j = 0; j < q; j += 1) if (cat[a * q + j] !== cat[b * q + j]) return false;
  return true;
}

function countDistinctRows(num: Float64Array, cat: Int32Array, n: number, p: number, q: number, atLeast: number): number {
  const seen = new Set<string>();
  for (let i = 0; i < n && seen.size < atLeast; i += 1) {
    seen.add(`${Array.from(num.subarray(i * p, (i + 1) * p)).join(',')}|${Array.from(cat.subarray(i * q, (i + 1) * q)).join(',')}`);
  }
  return seen.size;
}

/** Huang's frequency-based initialisation, seeded (see module doc). Returns k distinct rows as prototypes. */
function huangInit(
  num: Float64Array, cat: Int32Array, n: number, p: number, q: number, k: number, gamma: number, rng: Rng,
): { centroids: Float64Array; modes: Int32Array } {
  // Category frequencies per attribute, codes in ascending order so a draw is a function of the seed only.
  const freqs: { codes: number[]; cumulative: number[] }[] = [];
  for (let j = 0; j < q; j += 1) {
    const counts = new Map<number, number>();
    for (let i = 0; i < n; i += 1) counts.set(cat[i * q + j]!, (counts.get(cat[i * q + j]!) ?? 0) + 1);
    const codes = [...counts.keys()].sort((a, b) => a - b);
    let running = 0;
    freqs.push({ codes, cumulative: codes.map((code) => (running += counts.get(code)!)) });
  }
  const candNum = new Float64Array(k * p);
  const candCat = new Int32Array(k * q);
  for (let c = 0; c < k; c += 1) {
    const row = rng.nextInt(n);
    candNum.set(num.subarray(row * p, (row + 1) * p), c * p);
    for (let j = 0; j < q; j += 1) {
      const { codes, cumulative } = freqs[j]!;
      const target = rng.nextInt(n);
      let t = 0;
      while (t < codes.length - 1 && cumulative[t]! <= target) t += 1;
      candCat[c * q + j] = codes[t]!;
    }
  }
  const chosen: number[] = [];
  const centroids = new Float64Array(k * p);
  const modes = new Int32Array(k * q);
  for (let c = 0; c < k; c += 1) {
    let best = -1;
    let bestD = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i += 1) {
      const d = mixedDistance(num, cat, i, candNum, candCat, c, p, q, gamma);
      if (d >= bestD) continue;
      if (chosen.some((r) => r === i || rowsEqual(num, cat, p, q, r, i))) continue;
      best = i;
      bestD = d;
    }
    chosen.push(best);
    centroids.set(num.subarray(best * p, (best + 1) * p), c * p);
    modes.set(cat.subarray(best * q, (best + 1) * q), c * q);
  }
  return { centroids, modes };
}

function runOnce(
  num: Float64Array, cat: Int32Array, n: number, p: number, q: number, k: number, gamma: number, maxIter: number,
  start: { centroids: Float64Array; modes: Int32Array },
): RunResult {
  const centroids = Float64Array.from(start.centroids);
  const modes = Int32Array.from(start.modes);
  const labels = new Int32Array(n);
  const distances = new Float64Array(n);
  let cost = assign(num, cat, n, p, q, gamma, centroids, modes, k, labels, distances);
  let iterations = 0;
  let converged = false;
  const previous = new Int32Array(n);
  while (iterations < maxIter) {
    iterations += 1;
    update(num, cat, n, p, q, k, labels, distances, centroids, modes);
    previous.set(labels);
    cost = assign(num, cat, n, p, q, gamma, centroids, modes, k, labels, distances);
    if (labels.every((label, i) => label === previous[i])) {
      converged = true;
      break;
    }
  }
  return { centroids, modes, labels, cost, iterations, converged };
}

// ---------------------------------------------------------------------------

/** What `fit` learns (numeric prototypes in standardised units). */
interface FittedState {
  p: number;
  q: number;
  gamma: number;
  means: Float64Array;
  scales: Float64Array;
  centroids: Float64Array;
  modes: Int32Array;
  cost: number;
  iterations: number;
  converged: boolean;
  /** Training labels; null for a model restored from JSON. */
  labels: Int32Array | null;
}

/**
 * k-prototypes clustering. `new KPrototypes({ k }).fit(data)` learns the standardisation and the
 * prototypes; `predict` assigns new rows; `toJSON`/`fromJSON` persist a fitted model.
 */
export class KPrototypes {
  readonly k: number;
  readonly nInit: number;
  readonly maxIter: number;
  readonly seed: number;
  readonly standardize: boolean;
  private readonly gammaOption: number | undefined;
  private readonly initialPrototypes: KPrototypesOptions['initialPrototypes'];

  private fitted: FittedState | null = null;

  constructor(options: KPrototypesOptions) {
    const { k, gamma, nInit = 10, maxIter = 100, seed = 0, standardize = true } = options;
    if (!Number.isSafeInteger(k) || k < 1) throw new InputError(`k must be an integer ≥ 1, got ${k}`);
    if (gamma !== undefined && !(Number.isFinite(gamma) && gamma >= 0)) throw new InputError(`gamma must be a finite number ≥ 0, got ${gamma}`);
    if (!Number.isSafeInteger(nInit) || nInit < 1) throw new InputError(`nInit must be an integer ≥ 1, got ${nInit}`);
    if (!Number.isSafeInteger(maxIter) || maxIter < 0) throw new InputError(`maxIter must be an integer ≥ 0, got ${maxIter}`);
    if (!Number.isSafeInteger(seed) || seed < 0) throw new InputError(`seed must be an integer ≥ 0, got ${seed}`);
    this.k = k;
    this.gammaOption = gamma;
    this.nInit = nInit;
    this.maxIter = maxIter;
    this.seed = seed;
    this.standardize = standardize;
    this.initialPrototypes = options.initialPrototypes;
  }

  private get model(): FittedState {
    if (this.fitted === null) throw new Error('KPrototypes used before fit');
    return this.fitted;
  }

  /** Clusters `data`; keeps the best of `nInit` runs. Throws {@link InputError} for malformed data or k above the number of distinct rows. */
  fit(data: MixedData): this {
    checkShape(data, 'k-prototypes input');
    const { n, p, q } = data;
    const k = this.k;
    if (p + q === 0) throw new InputError('k-prototypes needs at least one numeric or categorical column');
    if (countDistinctRows(data.numeric, data.categorical, n, p, q, k) < k) {
      throw new InputError(`k = ${k} clusters need at least ${k} distinct rows; the data has fewer (n = ${n})`);
    }
    const { means, scales } = this.standardize
      ? standardization(data.numeric, n, p)
      : { means: new Float64Array(p), scales: new Float64Array(p).fill(1) };
    const num = this.standardize ? applyScaling(data.numeric, p, means, scales) : data.numeric;
    const gamma = this.gammaOption ?? defaultGamma(num, n, p);

    let best: RunResult | null = null;
    if (this.initialPrototypes !== undefined) {
      const init = this.initialPrototypes;
      if (init.numeric.length !== k * p || init.categorical.length !== k * q) {
        throw new InputError(`initial prototypes need ${k * p} numeric values and ${k * q} codes, got ${init.numeric.length} and ${init.categorical.length}`);
      }
      const centroids = this.standardize ? applyScaling(init.numeric, p, means, scales) : Float64Array.from(init.numeric);
      best = runOnce(num, data.categorical, n, p, q, k, gamma, this.maxIter, { centroids, modes: Int32Array.from(init.categorical) });
    } else {
      for (let run = 0; run < this.nInit; run += 1) {
        const start = huangInit(num, data.categorical, n, p, q, k, gamma, new Rng(deriveSeed(this.seed, run)));
        const result = runOnce(num, data.categorical, n, p, q, k, gamma, this.maxIter, start);
        if (best === null || result.cost < best.cost) best = result;
      }
    }
    const chosen = best!;
    this.fitted = {
      p, q, gamma, means, scales,
      centroids: chosen.centroids,
      modes: chosen.modes,
      cost: chosen.cost,
      iterations: chosen.iterations,
      converged: chosen.converged,
      labels: chosen.labels,
    };
    return this;
  }

  /** Cluster of each training row (not kept by {@link fromJSON}). */
  get labels(): Int32Array {
    const labels = this.model.labels;
    if (labels === null) throw new Error('labels are only known for a model fitted in this process; use predict');
    return labels;
  }

  /** Total dissimilarity of the training rows to their prototypes. */
  get cost(): number {
    return this.model.cost;
  }

  /** Assign/update rounds of the chosen run. */
  get iterations(): number {
    return this.model.iterations;
  }

  /** Whether the chosen run stopped because no row changed cluster (rather than at `maxIter`). */
  get converged(): boolean {
    return this.model.converged;
  }

  /** The categorical weight used. */
  get gamma(): number {
    return this.model.gamma;
  }

  /** Numeric prototypes, k×p row-major, in the units of the input. */
  get centroids(): Float64Array {
    const { centroids, means, scales, p } = this.model;
    return centroids.map((v, t) => v * scales[t % p]! + means[t % p]!);
  }

  /** Numeric prototypes, k×p row-major, in the standardised units the distance uses. */
  get standardizedCentroids(): Float64Array {
    return Float64Array.from(this.model.centroids);
  }

  /** Categorical prototypes (modes), k×q row-major. */
  get modes(): Int32Array {
    return Int32Array.from(this.model.modes);
  }

  /** Nearest prototype of each row (lowest index on ties), using the standardisation learnt in `fit`. */
  predict(data: MixedData): Int32Array {
    const { p, q, gamma, means, scales, centroids, modes } = this.model;
    checkShape(data, 'k-prototypes predict input');
    if (data.p !== p || data.q !== q) {
      throw new InputError(`model was fitted on ${p} numeric and ${q} categorical columns, got ${data.p} and ${data.q}`);
    }
    const num = applyScaling(data.numeric, p, means, scales);
    const labels = new Int32Array(data.n);
    assign(num, data.categorical, data.n, p, q, gamma, centroids, modes, this.k, labels, new Float64Array(data.n));
    return labels;
  }

  /** The fitted model as plain JSON (format {@link KPROTOTYPES_FORMAT}). */
  toJSON(): KPrototypesJSON {
    const m = this.model;
    const rows = <T extends Float64Array | Int32Array>(flat: T, width: number): number[][] =>
      Array.from({ length: this.k }, (_, c) => Array.from(flat.subarray(c * width, (c + 1) * width)));
    return {
      format: KPROTOTYPES_FORMAT,
      k: this.k,
      p: m.p,
      q: m.q,
      gamma: m.gamma,
      standardize: this.standardize,
      numericMeans: Array.from(m.means),
      numericScales: Array.from(m.scales),
      centroids: rows(m.centroids, m.p),
      modes: rows(m.modes, m.q),
      cost: m.cost,
      iterations: m.iterations,
      converged: m.converged,
    };
  }

  /** Restores a model written by {@link toJSON}; throws {@link InputError} naming the first problem. */
  static fromJSON(json: unknown): KPrototypes {
    const bad = (what: string): never => {
      throw new InputError(`not a ${KPROTOTYPES_FORMAT} model: ${what}`);
    };
    if (typeof json !== 'object' || json === null) return bad('expected an object');
    const o = json as Record<string, unknown>;
    if (o.format !== KPROTOTYPES_FORMAT) return bad(`format is ${JSON.stringify(o.format)}`);
    const int = (name: string, min: number): number => {
      const v = o[name];
      return Number.isSafeInteger(v) && (v as number) >= min ? (v as number) : bad(`${name} must be an integer ≥ ${min}`);
    };
    const k = int('k', 1);
    const p = int('p', 0);
    const q = int('q', 0);
    const iterations = int('iterations', 0);
    const finite = (name: string, v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : bad(`${name} must be a finite number`));
    const gamma = finite('gamma', o.gamma);
    const cost = finite('cost', o.cost);
    if (typeof o.standardize !== 'boolean') return bad('standardize must be true or false');
    if (typeof o.converged !== 'boolean') return bad('converged must be true or false');
    const vector = (name: string, length: number): number[] => {
      const v = o[name];
      if (!Array.isArray(v) || v.length !== length) return bad(`${name} must be an array of ${length} numbers`);
      return v.map((x, i) => finite(`${name}[${i}]`, x));
    };
    const matrix = (name: string, width: number, integer: boolean): number[] => {
      const v = o[name];
      if (!Array.isArray(v) || v.length !== k) return bad(`${name} must have ${k} rows`);
      return v.flatMap((row, c) => {
        if (!Array.isArray(row) || row.length !== width) return bad(`${name}[${c}] must have ${width} values`);
        return row.map((x, j) => {
          const value = finite(`${name}[${c}][${j}]`, x);
          if (integer && !(Number.isInteger(value) && value >= 0 && value <= 2147483647)) bad(`${name}[${c}][${j}] must be a category code ≥ 0`);
          return value;
        });
      });
    };
    const means = vector('numericMeans', p);
    const scales = vector('numericScales', p);
    if (scales.some((s) => !(s > 0))) return bad('numericScales must be positive');
    const model = new KPrototypes({ k, gamma, standardize: o.standardize, nInit: 1 });
    model.fitted = {
      p, q, gamma,
      means: Float64Array.from(means),
      scales: Float64Array.from(scales),
      centroids: Float64Array.from(matrix('centroids', p, false)),
      modes: Int32Array.from(matrix('modes', q, true)),
      cost,
      iterations,
      converged: o.converged,
      labels: null,
    };
    return model;
  }
}
