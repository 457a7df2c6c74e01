/**
 * Unconstrained minimisers for the maximum-likelihood fits of the
 * customer-lifetime-value models: Nelder-Mead (derivative-free, restarted from
 * its best point until a restart no longer helps) and L-BFGS (with an analytic
 * gradient or central differences). Both report whether they converged and
 * why; the caller decides what a failure means.
 *
 * The models optimise over log-parameters, so there are no bounds to handle:
 * a non-finite objective value is treated as +Infinity (a point to move away
 * from), never as a crash.
 */

/** An objective: maps a point to a value (non-finite values count as +Infinity). */
export type Objective = (x: Float64Array) => number;
/** A gradient of an objective, written into `out`. */
export type Gradient = (x: Float64Array, out: Float64Array) => void;

/** Why a minimiser stopped. */
export type MinimizeStatus =
  /** Tolerances met. */
  | 'converged'
  /** The iteration or evaluation budget ran out first. */
  | 'max-iterations'
  /** The objective was not finite at the starting point. */
  | 'non-finite-start'
  /** The line search found no decrease although the gradient is not small (L-BFGS). */
  | 'line-search-failed';

/** What a minimiser returns. */
export interface MinimizeResult {
  /** Best point found. */
  x: Float64Array;
  /** Objective value at `x`. */
  f: number;
  /** True when `status` is `'converged'`. */
  converged: boolean;
  status: MinimizeStatus;
  /** One line describing the outcome, with the figures. */
  message: string;
  /** Iterations over all restarts. */
  iterations: number;
  /** Objective evaluations (gradient evaluations by differences included). */
  evaluations: number;
  /** Nelder-Mead restarts performed (0 for L-BFGS). */
  restarts: number;
  /** ‖gradient‖∞ at `x` when known (L-BFGS), otherwise NaN. */
  gradientNorm: number;
}

/** Options of {@link nelderMead}. */
export interface NelderMeadOptions {
  /** Iteration budget over all restarts (default 200 × dimension, at least 2,000). */
  maxIterations?: number;
  /** Simplex size at which to stop, ∞-norm of vertex offsets from the best vertex (default 1e-8). */
  xTolerance?: number;
  /** Spread of objective values at which to stop, absolute (default 1e-10). */
  fTolerance?: number;
  /** Initial simplex edge per coordinate (default 0.1 × max(1, |x0ᵢ|)). */
  initialStep?: number | ArrayLike<number>;
  /** Most restarts from the best point (default 10). */
  maxRestarts?: number;
}

/**
 * Nelder-Mead simplex minimiser with the dimension-adaptive coefficients of Gao
 * & Han (2012), which keep the method from stalling beyond a few dimensions.
 *
 * The simplex can collapse onto a non-stationary point (McKinnon's example) or
 * stop on a flat stretch, so after each convergence it restarts from the best
 * vertex with a fresh simplex of the initial size; it stops when a restart
 * improves the objective by no more than `fTolerance`.
 */
export function nelderMead(f: Objective, x0: ArrayLike<number>, options: NelderMeadOptions = {}): MinimizeResult {
  const n = x0.length;
  if (n === 0) throw new RangeError('nelderMead needs at least one variable');
  const maxIterations = options.maxIterations ?? Math.max(2000, 200 * n);
  const xTolerance = options.xTolerance ?? 1e-8;
  const fTolerance = options.fTolerance ?? 1e-10;
  const maxRestarts = options.maxRestarts ?? 10;
  const steps = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    const step = options.initialStep;
    steps[i] =
      step === undefined ? 0.1 * Math.max(1, Math.abs(x0[i])) : typeof step === 'number' ? step : Number(step[i]);
    if (!(steps[i] !== 0 && Number.isFinite(steps[i]))) {
      throw new RangeError(`nelderMead initialStep must be finite and non-zero; got ${steps[i]} for variable ${i}`);
    }
  }

  let evaluations = 0;
  const evaluate = (x: Float64Array): number => {
    evaluations += 1;
    const value = f(x);
    return Number.isFinite(value) ? value : Infinity;
  };

  let best: Float64Array = Float64Array.from(x0);
  let bestF = evaluate(best);
  if (bestF === Infinity) {
    return result(best, bestF, 'non-finite-start', 0, evaluations, 0, NaN, 'objective is not finite at the start');
  }

  // Adaptive coefficients (Gao & Han 2012); for n = 2 they are the classic 1, 2, 0.5, 0.5,
  // and for n = 1 (where the adaptive shrink factor would be 0) the classic ones are used.
  const m = Math.max(n, 2);
  const alpha = 1;
  const beta = 1 + 2 / m;
  const gamma = 0.75 - 1 / (2 * m);
  const delta = 1 - 1 / m;

  let iterations = 0;
  let restarts = 0;
  let status: MinimizeStatus = 'max-iterations';
  for (;;) {
    const run = simplexRun(best, bestF);
    const improvement = bestF - run.f;
    if (run.f <= bestF) {
      best = run.x;
      bestF = run.f;
    }
    if (!run.converged) {
      status = 'max-iterations';
      break;
    }
    // A restart that found nothing better confirms the point.
    if (restarts > 0 && improvement <= fTolerance) {
      status = 'converged';
      break;
    }
    if (restarts >= maxRestarts) {
      // Without restarts the simplex's own tolerances decide; otherwise every restart so far still
      // improved the value, so the point is not confirmed.
      status = maxRestarts === 0 ? 'converged' : 'max-iterations';
      break;
    }
    restarts += 1;
  }
  const message =
    status === 'converged'
      ? `converged after ${iterations} iterations and ${restarts} restarts, f=${bestF}`
      : `stopped after ${iterations} iterations and ${restarts} restarts without meeting the tolerances, f=${bestF}`;
  return result(best, bestF, status, iterations, evaluations, restarts, NaN, message);

  function simplexRun(start: Float64Array, startF: number): { x: Float64Array; f: number; converged: boolean } {
    const vertices: Float64Array[] = [Float64Array.from(start)];
    const values: number[] = [startF];
    for (let i = 0; i < n; i += 1) {
      const v = Float64Array.from(start);
      v[i] += steps[i];
      vertices.push(v);
      values.push(evaluate(v));
    }
    const order = Array.from({ length: n + 1 }, (_, i) => i);
    const centroid = new Float64Array(n);
    const reflected = new Float64Array(n);
    const trial = new Float64Array(n);
    while (iterations < maxIterations) {
      order.sort((i, j) => values[i] - values[j]);
      const bestIndex = order[0];
      const worstIndex = order[n];
      const secondWorstValue = values[order[n - 1]];
      if (hasConverged(vertices, values, order)) {
        return { x: Float64Array.from(vertices[bestIndex]), f: values[bestIndex], converged: true };
      }
      iterations += 1;
      centroid.fill(0);
      for (let k = 0; k < n; k += 1) {
        const v = vertices[order[k]];
        for (let i = 0; i < n; i += 1) centroid[i] += v[i] / n;
      }
      const worst = vertices[worstIndex];
      for (let i = 0; i < n; i += 1) reflected[i] = centroid[i] + alpha * (centroid[i] - worst[i]);
      const fr = evaluate(reflected);
      if (fr < values[bestIndex]) {
        for (let i = 0; i < n; i += 1) trial[i] = centroid[i] + beta * (reflected[i] - centroid[i]);
        const fe = evaluate(trial);
        if (fe < fr) replace(worstIndex, trial, fe);
        else replace(worstIndex, reflected, fr);
        continue;
      }
      if (fr < secondWorstValue) {
        replace(worstIndex, reflected, fr);
        continue;
      }
      // Contraction: outside if the reflection beat the worst vertex, inside otherwise.
      const outside = fr < values[worstIndex];
      for (let i = 0; i < n; i += 1) {
        trial[i] = outside ? centroid[i] + gamma * (reflected[i] - centroid[i]) : centroid[i] - gamma * (centroid[i] - worst[i]);
      }
      const fc = evaluate(trial);
      if (outside ? fc <= fr : fc < values[worstIndex]) {
        replace(worstIndex, trial, fc);
        continue;
      }
      // Shrink every vertex towards the best one.
      const bestVertex = vertices[bestIndex];
      for (let k = 0; k <= n; k += 1) {
        if (k === bestIndex) continue;
        const v = vertices[k];
        for (let i = 0; i < n; i += 1) v[i] = bestVertex[i] + delta * (v[i] - bestVertex[i]);
        values[k] = evaluate(v);
      }
    }
    order.sort((i, j) => values[i] - values[j]);
    return { x: Float64Array.from(vertices[order[0]]), f: values[order[0]], converged: false };

    function replace(index: number, point: Float64Array, value: number): void {
      vertices[index].set(point);
      values[index] = value;
    }
  }

  function hasConverged(vertices: Float64Array[], values: number[], order: number[]): boolean {
    const bestVertex = vertices[order[0]];
    const bestValue = values[order[0]];
    let xSpread = 0;
    let fSpread = 0;
    for (let k = 1; k <= n; k += 1) {
      const v = vertices[order[k]];
      for (let i = 0; i < n; i += 1) xSpread = Math.max(xSpread, Math.abs(v[i] - bestVertex[i]));
      fSpread = Math.max(fSpread, values[order[k]] - bestValue);
    }
    return xSpread <= xTolerance && fSpread <= fTolerance;
  }
}

/** Options of {@link lbfgs}. */
export interface LbfgsOptions {
  /** Analytic gradient; central differences of `f` when omitted. */
  gradient?: Gradient;
  /** Iteration budget (default 1,000). */
  maxIterations?: number;
  /** Stop when ‖gradient‖∞ ≤ this (default 1e-8). */
  gradientTolerance?: number;
  /** Stop when the decrease of f over an iteration is ≤ this × max(1, |f|) (default 1e-15). */
  fTolerance?: number;
  /** Number of correction pairs kept (default 10). */
  memory?: number;
}

/**
 * Limited-memory BFGS with a line search that enforces the strong Wolfe
 * conditions (Nocedal & Wright, algorithms 3.5–3.6, bisection zoom). Without
 * an analytic gradient it differentiates `f` by central differences with step
 * ∛ε·max(1, |xᵢ|), which leaves about 1e-10 relative error in the gradient:
 * enough to converge to ~1e-7 in ‖∇f‖ on well-scaled problems.
 */
export function lbfgs(f: Objective, x0: ArrayLike<number>, options: LbfgsOptions = {}): MinimizeResult {
  const n = x0.length;
  if (n === 0) throw new RangeError('lbfgs needs at least one variable');
  const maxIterations = options.maxIterations ?? 1000;
  const gradientTolerance = options.gradientTolerance ?? 1e-8;
  const fTolerance = options.fTolerance ?? 1e-15;
  const memory = options.memory ?? 10;
  let evaluations = 0;
  const value = (x: Float64Array): number => {
    evaluations += 1;
    const v = f(x);
    return Number.isFinite(v) ? v : Infinity;
  };
  const gradientAt =
    options.gradient ??
    ((x: Float64Array, out: Float64Array): void => {
      const g = numericalGradient(f, x);
      evaluations += 2 * n;
      out.set(g);
    });

  const x = Float64Array.from(x0);
  let fx = value(x);
  if (fx === Infinity) {
    return result(x, fx, 'non-finite-start', 0, evaluations, 0, NaN, 'objective is not finite at the start');
  }
  const g = new Float64Array(n);
  gradientAt(x, g);
  const sList: Float64Array[] = [];
  const yList: Float64Array[] = [];
  const rhoList: number[] = [];
  const direction = new Float64Array(n);
  const alphas = new Float64Array(memory);
  const xNew = new Float64Array(n);
  const gNew = new Float64Array(n);
  let status: MinimizeStatus = 'max-iterations';
  let iterations = 0;

  while (iterations < maxIterations) {
    if (normInf(g) <= gradientTolerance) {
      status = 'converged';
      break;
    }
    iterations += 1;
    // Two-loop recursion: direction = −H·g.
    direction.set(g);
    for (let k = sList.length - 1; k >= 0; k -= 1) {
      alphas[k] = rhoList[k] * dot(sList[k], direction);
      axpy(-alphas[k], yList[k], direction);
    }
    if (sList.length > 0) {
      const last = sList.length - 1;
      scale(direction, dot(sList[last], yList[last]) / dot(yList[last], yList[last]));
    } else {
      // First step: a unit-length move in the steepest-descent direction.
      scale(direction, 1 / Math.max(normInf(g), 1e-300));
    }
    for (let k = 0; k < sList.length; k += 1) {
      const b = rhoList[k] * dot(yList[k], direction);
      axpy(alphas[k] - b, sList[k], direction);
    }
    scale(direction, -1);
    let slope = dot(g, direction);
    if (!(slope < 0)) {
      // The curvature pairs went stale: fall back to steepest descent.
      sList.length = 0;
      yList.length = 0;
      rhoList.length = 0;
      direction.set(g);
      scale(direction, -1 / Math.max(normInf(g), 1e-300));
      slope = dot(g, direction);
    }
    const search = wolfeLineSearch(x, fx, direction, slope);
    if (!search.ok) {
      status = 'line-search-failed';
      break;
    }
    const decrease = fx - search.f;
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i += 1) {
      s[i] = xNew[i] - x[i];
      y[i] = gNew[i] - g[i];
    }
    x.set(xNew);
    g.set(gNew);
    fx = search.f;
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (sList.length === memory) {
        sList.shift();
        yList.shift();
        rhoList.shift();
      }
      sList.push(s);
      yList.push(y);
      rhoList.push(1 / sy);
    }
    if (decrease <= fTolerance * Math.max(1, Math.abs(fx))) {
      status = 'converged';
      break;
    }
  }
  const gradientNorm = normInf(g);
  const message =
    status === 'converged'
      ? `converged after ${iterations} iterations, f=${fx}, |gradient|=${gradientNorm}`
      : status === 'line-search-failed'
        ? `line search found no decrease after ${iterations} iterations, f=${fx}, |gradient|=${gradientNorm}`
        : `stopped after ${iterations} iterations without meeting the tolerances, f=${fx}, |gradient|=${gradientNorm}`;
  return result(x, fx, status, iterations, evaluations, 0, gradientNorm, message);

  function wolfeLineSearch(
    x: Float64Array,
    f0: number,
    d: Float64Array,
    slope0: number,
  ): { ok: boolean; f: number } {
    const c1 = 1e-4;
    const c2 = 0.9;
    // The value first; the gradient (2n evaluations by differences) only where the
    // sufficient-decrease test passed and the curvature test needs it.
    const valueAt = (step: number): number => {
      for (let i = 0; i < n; i += 1) xNew[i] = x[i] + step * d[i];
      return value(xNew);
    };
    const slopeHere = (): number => {
      gradientAt(xNew, gNew);
      return dot(gNew, d);
    };
    let previousStep = 0;
    let previousF = f0;
    let step = 1;
    for (let k = 0; k < 40; k += 1) {
      const fStep = valueAt(step);
      if (fStep === Infinity || fStep > f0 + c1 * step * slope0 || (k > 0 && fStep >= previousF)) {
        return zoom(previousStep, previousF, step);
      }
      const slope = slopeHere();
      if (Math.abs(slope) <= -c2 * slope0) return { ok: true, f: fStep };
      if (slope >= 0) return zoom(step, fStep, previousStep);
      previousStep = step;
      previousF = fStep;
      step *= 2;
    }
    return { ok: false, f: f0 };

    function zoom(low: number, fLow: number, high: number): { ok: boolean; f: number } {
      for (let k = 0; k < 40; k += 1) {
        const mid = 0.5 * (low + high);
        const fMid = valueAt(mid);
        if (fMid === Infinity || fMid > f0 + c1 * mid * slope0 || fMid >= fLow) {
          high = mid;
        } else {
          const slope = slopeHere();
          if (Math.abs(slope) <= -c2 * slope0) return { ok: true, f: fMid };
          if (slope * (high - low) >= 0) high = low;
          low = mid;
          fLow = fMid;
        }
      }
      // The interval collapsed: accept the best sufficient-decrease point if it moved at all.
      if (low > 0) {
        const fLowAgain = valueAt(low);
        slopeHere();
        return { ok: fLowAgain < f0, f: fLowAgain };
      }
      return { ok: false, f: f0 };
    }
  }
}

/** Options of {@link minimize}. */
export type MinimizeOptions =
  | ({ method?: 'nelder-mead' } & NelderMeadOptions)
  | ({ method: 'lbfgs' } & LbfgsOptions);

/** Minimises `f` from `x0` with the chosen method (default Nelder-Mead). */
export function minimize(f: Objective, x0: ArrayLike<number>, options: MinimizeOptions = {}): MinimizeResult {
  if (options.method === 'lbfgs') return lbfgs(f, x0, options);
  return nelderMead(f, x0, options);
}

/**
 * Central-difference gradient with step ∛ε·max(1, |xᵢ|) (ε = 2.2e-16), the
 * step that balances truncation against rounding error.
 */
export function numericalGradient(f: Objective, x: ArrayLike<number>): Float64Array {
  const n = x.length;
  const point = Float64Array.from(x);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    const h = 6.055454452393343e-6 * Math.max(1, Math.abs(point[i]));
    const xi = point[i];
    point[i] = xi + h;
    const up = f(point);
    point[i] = xi - h;
    const down = f(point);
    point[i] = xi;
    out[i] = (up - down) / (2 * h);
  }
  return out;
}

/**
 * Central-difference Hessian, symmetric by construction. The step is
 * ε^¼·max(1, |xᵢ|) ≈ 1.2e-4, the balance point for second differences.
 * Costs 2n² + 1 evaluations.
 */
export function numericalHessian(f: Objective, x: ArrayLike<number>, step?: number): number[][] {
  const n = x.length;
  const point = Float64Array.from(x);
  const h = new Float64Array(n);
  for (let i = 0; i < n; i += 1) h[i] = (step ?? 1.220703125e-4) * Math.max(1, Math.abs(point[i]));
  const f0 = f(point);
  const hessian: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const at = (i: number, di: number, j: number, dj: number): number => {
    const xi = point[i];
    const xj = point[j];
    point[i] = xi + di;
    point[j] = (i === j ? point[j] : xj) + dj;
    const value = f(point);
    point[i] = xi;
    point[j] = xj;
    return value;
  };
  for (let i = 0; i < n; i += 1) {
    const up = at(i, h[i], i, 0);
    const down = at(i, -h[i], i, 0);
    hessian[i][i] = (up - 2 * f0 + down) / (h[i] * h[i]);
    for (let j = 0; j < i; j += 1) {
      const pp = at(i, h[i], j, h[j]);
      const pm = at(i, h[i], j, -h[j]);
      const mp = at(i, -h[i], j, h[j]);
      const mm = at(i, -h[i], j, -h[j]);
      const value = (pp - pm - mp + mm) / (4 * h[i] * h[j]);
      hessian[i][j] = value;
      hessian[j][i] = value;
    }
  }
  return hessian;
}

/**
 * Inverse of a symmetric positive-definite matrix by Cholesky factorisation;
 * null when the matrix is not positive definite (the point is not a strict
 * minimum, so there is no covariance to report).
 */
export function invertSymmetricPositiveDefinite(matrix: number[][]): number[][] | null {
  const n = matrix.length;
  const l: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let j = 0; j < n; j += 1) {
    let diagonal = matrix[j][j];
    for (let k = 0; k < j; k += 1) diagonal -= l[j][k] * l[j][k];
    if (!(diagonal > 0) || !Number.isFinite(diagonal)) return null;
    l[j][j] = Math.sqrt(diagonal);
    for (let i = j + 1; i < n; i += 1) {
      let sum = matrix[i][j];
      for (let k = 0; k < j; k += 1) sum -= l[i][k] * l[j][k];
      l[i][j] = sum / l[j][j];
    }
  }
  // Invert L (lower triangular), then A⁻¹ = L⁻ᵀ L⁻¹.
  const inverseL: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i += 1) {
    inverseL[i][i] = 1 / l[i][i];
    for (let j = 0; j < i; j += 1) {
      let sum = 0;
      for (let k = j; k < i; k += 1) sum -= l[i][k] * inverseL[k][j];
      inverseL[i][j] = sum / l[i][i];
    }
  }
  const inverse: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i += 1) {
    for (let j = 0; j <= i; j += 1) {
      let sum = 0;
      for (let k = i; k < n; k += 1) sum += inverseL[k][i] * inverseL[k][j];
      inverse[i][j] = sum;
      inverse[j][i] = sum;
    }
  }
  return inverse;
}

function result(
  x: Float64Array,
  f: number,
  status: MinimizeStatus,
  iterations: number,
  evaluations: number,
  restarts: number,
  gradientNorm: number,
  message: string,
): MinimizeResult {
  return { x, f, converged: status === 'converged', status, message, iterations, evaluations, restarts, gradientNorm };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i += 1) s += a[i] * b[i];
  return s;
}

function axpy(alpha: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i += 1) y[i] += alpha * x[i];
}

function scale(x: Float64Array, factor: number): void {
  for (let i = 0; i < x.length; i += 1) x[i] *= factor;
}

function normInf(x: Float64Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i += 1) m = Math.max(m, Math.abs(x[i]));
  return m;
}
