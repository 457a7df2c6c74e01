/**
 * Machinery shared by the customer-lifetime-value fitters: input checks,
 * maximum-likelihood fitting on log-parameters with convergence and boundary
 * checks, standard errors from the Hessian, and JSON helpers.
 */

import { InputError, show } from '../../errors.ts';
import { invertSymmetricPositiveDefinite, lbfgs, nelderMead, numericalGradient, numericalHessian } from './optimize.ts';

/** How a fit's optimisation ended (kept in the model for audit). */
export interface FitConvergence {
  status: string;
  /** Optimiser iterations over Nelder-Mead (with restarts) and the L-BFGS polish. */
  iterations: number;
  evaluations: number;
  /** ‖∇ mean negative log-likelihood‖∞ over the log-parameters at the optimum. */
  gradientNorm: number;
  message: string;
}

/** Customer-level data of a transaction model, checked and as Float64Arrays. */
export interface RfmData {
  frequency: Float64Array;
  recency: Float64Array;
  T: Float64Array;
}

/**
 * Checks frequency/recency/T arrays once for the BG/NBD family: equal length,
 * finite, frequency a non-negative integer, 0 ≤ recency ≤ T, recency 0 when
 * frequency is 0. Errors name the first offending customer and value.
 */
export function checkRfmArrays(
  model: string,
  frequency: ArrayLike<number>,
  recency: ArrayLike<number>,
  T: ArrayLike<number>,
): RfmData {
  if (frequency.length !== recency.length || frequency.length !== T.length) {
    throw new InputError(
      `${model}: frequency, recency and T differ in length: ${frequency.length}, ${recency.length}, ${T.length}`,
    );
  }
  const n = frequency.length;
  const out: RfmData = { frequency: new Float64Array(n), recency: new Float64Array(n), T: new Float64Array(n) };
  for (let i = 0; i < n; i += 1) {
    const x = Number(frequency[i]);
    const tx = Number(recency[i]);
    const age = Number(T[i]);
    checkCustomer(model, i, x, tx, age);
    out.frequency[i] = x;
    out.recency[i] = tx;
    out.T[i] = age;
  }
  return out;
}

/**
 * Checks the customer counts of grouped histories: one per row, each a
 * positive integer. Returns their sum, the number of customers.
 */
export function checkWeights(model: string, weights: ArrayLike<number>, rows: number): number {
  if (weights.length !== rows) throw new InputError(`${model}: ${weights.length} weights for ${rows} rows`);
  let total = 0;
  for (let i = 0; i < rows; i += 1) {
    const w = Number(weights[i]);
    if (!(Number.isInteger(w) && w >= 1)) throw new InputError(`${model}: weight must be a positive integer; got ${showValue(w)} at row ${i}`);
    total += w;
  }
  return total;
}

/** The single-customer form of {@link checkRfmArrays}, for predictions. */
export function checkCustomer(model: string, i: number | null, x: number, tx: number, age: number): void {
  const where = i === null ? '' : ` at customer ${i}`;
  if (!(Number.isInteger(x) && x >= 0)) {
    throw new InputError(`${model}: frequency must be a non-negative integer; got ${showValue(x)}${where}`);
  }
  if (!(Number.isFinite(age) && age >= 0)) throw new InputError(`${model}: T must be finite and ≥ 0; got ${showValue(age)}${where}`);
  // A relative slack absorbs the rounding of day counts divided by 7.
  if (!(Number.isFinite(tx) && tx >= 0 && tx <= age * (1 + 1e-12))) {
    throw new InputError(`${model}: recency must lie in [0, T]; got recency ${showValue(tx)} with T ${showValue(age)}${where}`);
  }
  if (x === 0 && tx !== 0) {
    throw new InputError(`${model}: recency must be 0 when frequency is 0; got recency ${showValue(tx)}${where}`);
  }
}

/** Checks a prediction horizon. */
export function checkHorizon(model: string, t: number): void {
  if (!(Number.isFinite(t) && t >= 0)) throw new InputError(`${model}: horizon t must be finite and ≥ 0; got ${showValue(t)}`);
}

/**
 * Customers collapsed to distinct (x, t_x, T) rows with counts. Frequencies
 * and times are also indexed into their distinct values, so that a likelihood
 * evaluation computes each log-gamma once per distinct frequency and each
 * ln(α + t) once per distinct time, leaving one exp and one log1p per row.
 */
export interface CompressedRfm {
  /** Frequency of each row. */
  x: Float64Array;
  /** Recency of each row (rescaled time). */
  tx: Float64Array;
  /** T of each row (rescaled time). */
  T: Float64Array;
  /** Customers in each row. */
  weight: Float64Array;
  /** Index into `levels` of each row's x. */
  level: Int32Array;
  /** Distinct frequencies, ascending. */
  levels: Float64Array;
  /** Index into `times` of each row's t_x and T. */
  txIndex: Int32Array;
  TIndex: Int32Array;
  /** Distinct values of t_x and T together (rescaled time). */
  times: Float64Array;
}

/**
 * Collapses identical customers (see {@link CompressedRfm}). With daily data
 * a million customers become a few hundred thousand rows over at most a few
 * hundred distinct frequencies and times.
 *
 * Rows keep the order of their first occurrence, so data that is already
 * distinct (histories grouped elsewhere, with their counts as `weights`)
 * compresses to itself and sums over it in the same order as over the
 * customers it stands for.
 *
 * @param timeScale factor applied to recency and T (the fitters rescale time so that max T = 10)
 * @param weights customers each input row stands for (default 1 each)
 */
export function compress(data: RfmData, timeScale: number, weights?: ArrayLike<number>): CompressedRfm {
  const n = data.frequency.length;
  const levelOf = new Map<number, number>();
  const timeOf = new Map<number, number>();
  const levelList: number[] = [];
  const timeList: number[] = [];
  const indexOf = (map: Map<number, number>, list: number[], value: number): number => {
    let index = map.get(value);
    if (index === undefined) {
      index = list.length;
      map.set(value, index);
      list.push(value);
    }
    return index;
  };
  const rowLevel = new Int32Array(n);
  const rowTx = new Int32Array(n);
  const rowT = new Int32Array(n);
  for (let i = 0; i < n; i += 1) {
    rowLevel[i] = indexOf(levelOf, levelList, data.frequency[i]);
    rowTx[i] = indexOf(timeOf, timeList, data.recency[i]);
    rowT[i] = indexOf(timeOf, timeList, data.T[i]);
  }
  // (level, t_x, T) indices packed into one exact integer key.
  const nTimes = timeList.length;
  const rows = new Map<number, number>();
  const first: number[] = [];
  const weight: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const key = (rowLevel[i] * nTimes + rowTx[i]) * nTimes + rowT[i];
    const row = rows.get(key);
    const w = weights === undefined ? 1 : weights[i];
    if (row === undefined) {
      rows.set(key, first.length);
      first.push(i);
      weight.push(w);
    } else {
      weight[row] += w;
    }
  }
  const m = first.length;
  const out: CompressedRfm = {
    x: new Float64Array(m),
    tx: new Float64Array(m),
    T: new Float64Array(m),
    weight: Float64Array.from(weight),
    level: new Int32Array(m),
    levels: Float64Array.from(levelList),
    txIndex: new Int32Array(m),
    TIndex: new Int32Array(m),
    times: Float64Array.from(timeList, (value) => value * timeScale),
  };
  for (let k = 0; k < m; k += 1) {
    const i = first[k];
    out.x[k] = data.frequency[i];
    out.tx[k] = data.recency[i] * timeScale;
    out.T[k] = data.T[i] * timeScale;
    out.level[k] = rowLevel[i];
    out.txIndex[k] = rowTx[i];
    out.TIndex[k] = rowT[i];
  }
  return out;
}

/** ln(α + t) for each distinct time of a {@link CompressedRfm}. */
export function logAlphaPlusTimes(alpha: number, times: Float64Array): Float64Array {
  const out = new Float64Array(times.length);
  for (let k = 0; k < times.length; k += 1) out[k] = Math.log(alpha + times[k]);
  return out;
}

/** Result of {@link fitMaximumLikelihood}. */
export interface MleResult {
  /** Estimates, natural scale. */
  params: Float64Array;
  /** Total log-likelihood at the estimates (penalty excluded). */
  logLikelihood: number;
  /** Standard errors, natural scale (delta method from the log-parameter Hessian); NaN when not available. */
  standardErrors: Float64Array;
  /** Covariance matrix, natural scale; null when the Hessian is not positive definite. */
  covariance: number[][] | null;
  convergence: FitConvergence;
  warnings: string[];
}

/** Specification of a maximum-likelihood fit. */
export interface MleProblem {
  /** Model name for messages, e.g. "BG/NBD". */
  model: string;
  paramNames: readonly string[];
  /** Total negative log-likelihood at natural parameters (may return non-finite values). */
  negativeLogLikelihood: (params: Float64Array) => number;
  /** Number of customers (the likelihood is averaged over them for the optimiser). */
  n: number;
  /** L2 penalty coefficient on the parameters (lifetimes' penalizer_coef). */
  penalizer: number;
  /** Starting log-parameters. */
  start: ArrayLike<number>;
  maxIterations: number;
  /** Factor to report a parameter on its own scale (α is fitted on rescaled time); 1 for the others. */
  reportScale?: ArrayLike<number>;
}

/** Largest |log-parameter| accepted as an interior optimum (e^±30 ≈ 1e±13). */
const LOG_PARAMETER_BOUND = 30;
/** Largest ‖∇ mean NLL‖∞ over log-parameters accepted as a stationary point. */
const GRADIENT_TOLERANCE = 1e-5;

/**
 * Maximises a likelihood over log-parameters: a coarse Nelder-Mead run, then
 * L-BFGS with difference gradients down to ‖∇‖ ≤ 1e-8; a full-precision
 * Nelder-Mead with restarts from the best point steps in when that fails. The optimiser minimises the
 * mean negative log-likelihood so that its tolerances do not depend on the
 * number of customers.
 *
 * Throws {@link InputError} when the optimum is not a stationary point
 * (did not converge) or a parameter ran off to 0 or ∞ (the data cannot
 * identify the model), with the figures.
 */
export function fitMaximumLikelihood(problem: MleProblem): MleResult {
  const { model, paramNames, n, penalizer } = problem;
  const natural = new Float64Array(paramNames.length);
  // The optimisers and the difference Hessian come back to points already evaluated
  // (the optimum, the Hessian's centre): at a million customers each evaluation is
  // milliseconds, and the likelihood is a pure function, so known values are reused.
  const known = new Map<string, number>();
  const objective = (logParams: Float64Array): number => {
    let penalty = 0;
    for (let i = 0; i < logParams.length; i += 1) {
      natural[i] = Math.exp(logParams[i]);
      penalty += natural[i] * natural[i];
    }
    // Shortest round-trip decimals: one key per distinct parameter vector.
    const key = natural.join(',');
    let value = known.get(key);
    if (value === undefined) {
      value = problem.negativeLogLikelihood(natural);
      known.set(key, value);
    }
    return value / n + penalizer * penalty;
  };
  // A coarse simplex run gets into the basin; L-BFGS with difference gradients then converges
  // in a few dozen evaluations (a full-precision simplex needs thousands, which at a million
  // customers is a minute). If that leaves a gradient that is not small, a full-precision
  // simplex with restarts from the best point takes over, and L-BFGS polishes again.
  let simplex = nelderMead(objective, problem.start, {
    maxIterations: problem.maxIterations,
    initialStep: 0.5,
    xTolerance: 1e-3,
    fTolerance: 1e-7,
    maxRestarts: 0,
  });
  const polishOptions = { maxIterations: Math.min(200, problem.maxIterations), gradientTolerance: 1e-8 };
  let polish = lbfgs(objective, simplex.x, polishOptions);
  let best = polish.f <= simplex.f ? polish : simplex;
  let gradientNorm = maxAbs(numericalGradient(objective, best.x));
  let iterations = simplex.iterations + polish.iterations;
  let evaluations = simplex.evaluations + polish.evaluations;
  if (!(gradientNorm <= GRADIENT_TOLERANCE) && Number.isFinite(best.f)) {
    simplex = nelderMead(objective, best.x, {
      maxIterations: problem.maxIterations,
      initialStep: 0.1,
      xTolerance: 1e-9,
      fTolerance: 1e-12,
    });
    polish = lbfgs(objective, simplex.x, polishOptions);
    best = polish.f <= simplex.f ? polish : simplex;
    gradientNorm = maxAbs(numericalGradient(objective, best.x));
    iterations += simplex.iterations + polish.iterations;
    evaluations += simplex.evaluations + polish.evaluations;
  }
  const convergence: FitConvergence = {
    status: gradientNorm <= GRADIENT_TOLERANCE && Number.isFinite(best.f) ? 'converged' : best.status,
    iterations,
    evaluations,
    gradientNorm,
    message: `Nelder-Mead ${simplex.message}; L-BFGS ${polish.message}`,
  };
  const reportScale = problem.reportScale ?? new Float64Array(paramNames.length).fill(1);
  const params = Float64Array.from(best.x, (value, i) => Math.exp(value) * reportScale[i]);
  const figures = paramNames.map((name, i) => `${name}=${formatNumber(params[i])}`).join(', ');

  for (let i = 0; i < best.x.length; i += 1) {
    if (Math.abs(best.x[i]) > LOG_PARAMETER_BOUND) {
      throw new InputError(
        `${model}: the data cannot identify the model: parameter ${paramNames[i]} ran off to ${formatNumber(params[i])} (${figures}); ` +
          'typically too few customers or repeat purchases, or no heterogeneity left to estimate' +
          (best.x[i] > 0 ? '; a penalizer > 0 keeps parameters from growing without bound' : ''),
      );
    }
  }
  if (convergence.status !== 'converged') {
    // Beyond e^±9 (1e±4, on time rescaled to max T = 10 and spend to mean 1) no parameter is plausible.
    const drifting = Array.from(best.x).some((value) => Math.abs(value) > 9);
    const growing = Array.from(best.x).some((value) => value > 9);
    throw new InputError(
      `${model}: the fit did not converge: |gradient| ${formatNumber(gradientNorm)} > ${GRADIENT_TOLERANCE} after ` +
        `${convergence.iterations} iterations, mean log-likelihood ${formatNumber(-best.f)} (${figures})` +
        (drifting ? '; parameters are drifting towards 0 or ∞, so the data probably cannot identify the model' : '') +
        (growing ? ' (a penalizer > 0 keeps parameters from growing without bound)' : ''),
    );
  }

  const warnings: string[] = [];
  // Hessian of the total penalised negative log-likelihood over log-parameters;
  // its inverse is the covariance of the log-parameters, which the delta method
  // takes to the natural scale: Cov(θ) = diag(θ) Cov(ln θ) diag(θ).
  const hessian = numericalHessian((logParams) => n * objective(logParams), best.x);
  const inverse = invertSymmetricPositiveDefinite(hessian);
  const k = paramNames.length;
  let covariance: number[][] | null = null;
  const standardErrors = new Float64Array(k).fill(NaN);
  if (inverse === null) {
    warnings.push(`${model}: the Hessian at the optimum is not positive definite; standard errors are not available`);
  } else {
    covariance = inverse.map((row, i) => row.map((value, j) => value * params[i] * params[j]));
    for (let i = 0; i < k; i += 1) standardErrors[i] = Math.sqrt(covariance[i][i]);
  }
  let penalty = 0;
  for (let i = 0; i < k; i += 1) penalty += Math.exp(2 * best.x[i]);
  const logLikelihood = -n * (best.f - penalizer * penalty);
  return { params, logLikelihood, standardErrors, covariance, convergence, warnings };
}

/** Throws when a model is used before `fit` or `fromJSON`. */
export function requireFitted<T>(model: string, params: T | null): T {
  if (params === null) throw new Error(`${model} is not fitted: call fit() or fromJSON() first`);
  return params;
}

/** Reads a positive finite number from a parsed JSON object, or throws InputError. */
export function readPositive(format: string, object: Record<string, unknown>, name: string): number {
  const value = object[name];
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InputError(`${format}: params.${name} must be a positive finite number; got ${showValue(value)}`);
  }
  return value;
}

/** Checks the `format` tag of a serialised model and returns it as a record. */
export function readDocument(format: string, json: unknown): Record<string, unknown> {
  const document = typeof json === 'string' ? safeParse(format, json) : json;
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new InputError(`${format}: expected a JSON object; got ${showValue(document)}`);
  }
  const record = document as Record<string, unknown>;
  if (record.format !== format) {
    throw new InputError(`expected a model with format ${showValue(format)}; got format ${showValue(record.format)}`);
  }
  if (typeof record.params !== 'object' || record.params === null) {
    throw new InputError(`${format}: params must be an object; got ${showValue(record.params)}`);
  }
  return record;
}

/** A finite number or null (JSON has no NaN). */
export function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/** Reads an optional number (null → NaN). */
export function readOptionalNumber(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : NaN;
}

function safeParse(format: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InputError(`${format}: not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

function maxAbs(values: Float64Array): number {
  let m = 0;
  for (const value of values) m = Math.max(m, Math.abs(value));
  return m;
}

/** A value for an error message: numbers as they print, anything else quoted (see `show`). */
export function showValue(value: unknown): string {
  return typeof value === 'number' ? String(value) : show(value);
}

/** Six significant digits for messages. */
export function formatNumber(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(6))) : String(value);
}

/**
 * Evaluates f(a) where f has a removable singularity at a = 1 (the BG/NBD
 * expectations divide by a − 1, and 1 − ₂F₁(…) vanishes there too): within
 * 1e-6 of 1 it interpolates linearly between a = 1 ± 1e-6, where the direct
 * formula still has ~1e-10 relative accuracy.
 */
export function aroundOne(a: number, f: (a: number) => number): number {
  const delta = 1e-6;
  if (Math.abs(a - 1) >= delta) return f(a);
  const low = f(1 - delta);
  const high = f(1 + delta);
  return low + ((high - low) * (a - (1 - delta))) / (2 * delta);
}
