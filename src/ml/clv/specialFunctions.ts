/**
 * Special functions for the customer-lifetime-value models: log-gamma,
 * log-beta, log-sum-exp helpers and the Gauss hypergeometric function ₂F₁.
 *
 * Everything works in log space where the models need it: the BG/NBD and
 * Gamma-Gamma likelihoods multiply gamma functions of arguments in the
 * hundreds (a customer's purchase count plus a shape), which overflow a double
 * long before their ratios do.
 */

const LN_SQRT_2PI = 0.9189385332046727417803297364056176398613974736377834128171515404;

/**
 * Lanczos coefficients for g = 607/128, n = 15 (P. Godfrey's set). With this
 * set the Lanczos sum reproduces Γ to about 1e-15 relative for real arguments
 * ≥ 0.5; arguments below that go through the reflection formula.
 */
const LANCZOS_G = 607 / 128;
const LANCZOS_COEFFICIENTS = [
  0.99999999999999709182, 57.156235665862923517, -59.597960355475491248, 14.136097974741747174,
  -0.49191381609762019978, 0.33994649984811888699e-4, 0.46523628927048575665e-4, -0.98374475304879564677e-4,
  0.15808870322491248884e-3, -0.21026444172410488319e-3, 0.2174396181152126432e-3, -0.16431810653676389022e-3,
  0.84418223983852743293e-4, -0.2619083840158140867e-4, 0.36899182659531622704e-5,
];

/**
 * ln|Γ(x)| for real x that is not a non-positive integer (where Γ has poles;
 * those return +Infinity). Lanczos approximation (g = 607/128, 15 terms) for
 * x ≥ 0.5, the reflection formula Γ(x)Γ(1−x) = π / sin(πx) below; absolute
 * error about 1e-14 for moderate x, relative error about 1e-15 for large x.
 */
export function logGamma(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return Infinity;
  if (x <= 0 && Number.isInteger(x)) return Infinity;
  // Exact zeros at 1 and 2 so that lnΓ(1) and lnΓ(2) do not carry rounding noise.
  if (x === 1 || x === 2) return 0;
  if (x < 0.5) {
    // Reflection. sin(πx) is evaluated on the reduced argument to keep it accurate for large |x|.
    const s = sinPi(x);
    return Math.log(Math.PI / Math.abs(s)) - logGamma(1 - x);
  }
  const xm1 = x - 1;
  let sum = LANCZOS_COEFFICIENTS[0];
  for (let i = 1; i < LANCZOS_COEFFICIENTS.length; i += 1) sum += LANCZOS_COEFFICIENTS[i] / (xm1 + i);
  const t = xm1 + LANCZOS_G + 0.5;
  return LN_SQRT_2PI + (xm1 + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Sign of Γ(x): +1 for x > 0, alternating between the poles for x < 0 (NaN at the poles). */
export function gammaSign(x: number): number {
  if (x > 0) return 1;
  if (Number.isInteger(x) || Number.isNaN(x)) return NaN;
  // Γ is negative on (−1, 0), positive on (−2, −1), …
  return Math.floor(x) % 2 === 0 ? 1 : -1;
}

/** sin(πx) with the argument reduced first, exact at integers and half-integers. */
function sinPi(x: number): number {
  const r = x - 2 * Math.round(x / 2); // r in [-1, 1]
  if (r === 0 || r === 1 || r === -1) return 0;
  if (r === 0.5) return 1;
  if (r === -0.5) return -1;
  return Math.sin(Math.PI * r);
}

/** ln B(a, b) = lnΓ(a) + lnΓ(b) − lnΓ(a + b), for a, b > 0. */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/** ln(eˣ + eʸ) without overflow; −Infinity when both are −Infinity. */
export function logAddExp(x: number, y: number): number {
  const m = Math.max(x, y);
  if (m === -Infinity) return -Infinity;
  if (m === Infinity) return Infinity;
  return m + Math.log1p(Math.exp(-Math.abs(x - y)));
}

/** ln Σ exp(values[i]) without overflow; −Infinity for an empty list. */
export function logSumExp(values: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < values.length; i += 1) if (values[i] > m) m = values[i];
  if (m === -Infinity || m === Infinity) return m;
  let sum = 0;
  for (let i = 0; i < values.length; i += 1) sum += Math.exp(values[i] - m);
  return m + Math.log(sum);
}

/** ln(1 + eˣ) (softplus), accurate for large positive and negative x. */
export function log1pExp(x: number): number {
  if (x > 0) return x + Math.log1p(Math.exp(-x));
  return Math.log1p(Math.exp(x));
}

/** 1 / (1 + e⁻ˣ), without overflow for large |x|. */
export function logistic(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** A real number as sign × exp(logAbs), so that huge and tiny values survive. */
export interface SignedLog {
  /** ln of the absolute value (−Infinity for zero). */
  logAbs: number;
  /** +1, −1 or 0. */
  sign: number;
}

/** Options of {@link logHyp2f1}. */
export interface Hyp2f1Options {
  /** Largest number of series terms before giving up (default 10,000,000). */
  maxTerms?: number;
}

const SERIES_EPSILON = 1e-17;
const RESCALE_LIMIT = 1e250;
const LOG_RESCALE_LIMIT = Math.log(RESCALE_LIMIT);

/**
 * ln |(1 − z)ᵏ · ₂F₁(a, b; c; z)| and its sign, for real a, b, c and real z < 1.
 *
 * The optional prefactor exponent k lets the caller fold the (1 − z)ᵏ that the
 * BG/NBD formulas multiply ₂F₁ by into the transformation below, so that the
 * two large powers of (1 − z) that would cancel are never formed.
 *
 * Transformations, chosen so that the summed series always has a ratio that
 * tends to z ∈ [0, 1) and terms that decay at least like n^(−1)·zⁿ:
 * - z < 0: Pfaff, ₂F₁(a, b; c; z) = (1 − z)^(−a) ₂F₁(a, c − b; c; z/(z − 1)),
 *   whose argument lies in [0, 1).
 * - 0 ≤ z < 1 and c − a − b < 0: Euler, ₂F₁(a, b; c; z) =
 *   (1 − z)^(c−a−b) ₂F₁(c − a, c − b; c; z). The direct series' terms grow like
 *   n^(a+b−c−1) before zⁿ wins (for a customer with 100 purchases that hump is
 *   ~1e100 high); the Euler series' terms shrink like n^(c−a−b−1). This is the
 *   fallback `lifetimes` uses when scipy's ₂F₁ overflows, here applied always.
 * - otherwise the direct Gauss series.
 *
 * The series is summed with a running scale so that intermediate terms cannot
 * overflow, and stops once a bound on the remaining tail (the current term
 * times 1/(1 − max(ratio, z)), valid once the term ratios have settled to one
 * sign) is below 1e-17 of the sum. The cost grows like 1/(1 − z): about 40
 * terms at z = 0.5 and a few million at z = 1 − 1e-5; beyond `maxTerms` it
 * throws a RangeError naming z. Accuracy is about 1e-15 relative for z ≤ 0.9
 * and degrades with the number of terms (≈ 1e-11 at z = 1 − 1e-5), since each
 * term is built from the previous one.
 */
export function logHyp2f1(a: number, b: number, c: number, z: number, k = 0, options: Hyp2f1Options = {}): SignedLog {
  if (![a, b, c, z, k].every(Number.isFinite)) {
    throw new RangeError(`hyp2f1 needs finite arguments; got a=${a}, b=${b}, c=${c}, z=${z}, k=${k}`);
  }
  if (!(z < 1)) throw new RangeError(`hyp2f1 is implemented for z < 1; got z=${z}`);
  const maxTerms = options.maxTerms ?? 10_000_000;
  const log1mz = Math.log1p(-z);
  if (z < 0) {
    // Pfaff: (1−z)^k F(a,b;c;z) = (1−z)^(k−a) F(a, c−b; c; w), w = z/(z−1) = −z/(1−z) ∈ (0, 1).
    const w = -z / (1 - z);
    const inner = logHyp2f1(a, c - b, c, w, 0, options);
    return { logAbs: inner.logAbs + (k - a) * log1mz, sign: inner.sign };
  }
  if (z === 0) return { logAbs: 0, sign: 1 };
  const s = c - a - b;
  if (s < 0) {
    const series = gaussSeries(c - a, c - b, c, z, maxTerms);
    return { logAbs: series.logAbs + (k + s) * log1mz, sign: series.sign };
  }
  const series = gaussSeries(a, b, c, z, maxTerms);
  return { logAbs: series.logAbs + k * log1mz, sign: series.sign };
}

/** ₂F₁(a, b; c; z) for real z < 1, as a plain number (see {@link logHyp2f1}). */
export function hyp2f1(a: number, b: number, c: number, z: number, options: Hyp2f1Options = {}): number {
  const { logAbs, sign } = logHyp2f1(a, b, c, z, 0, options);
  return sign * Math.exp(logAbs);
}

/**
 * Σₙ (a)ₙ(b)ₙ / ((c)ₙ n!) zⁿ for 0 < z < 1, in scaled arithmetic. The terms
 * after the leading 1 are summed on their own so that a result close to 1
 * keeps full relative accuracy in its logarithm (log1p of the tail), which the
 * BG/NBD expectation needs for short horizons, where it takes 1 − ₂F₁·(…).
 */
function gaussSeries(a: number, b: number, c: number, z: number, maxTerms: number): SignedLog {
  // After n0 every factor (a+n), (b+n), (c+n) has its final sign, so the term
  // ratios no longer change sign and the tail bound below holds.
  const n0 = Math.max(0, Math.ceil(-a), Math.ceil(-b), Math.ceil(-c)) + 1;
  let term = 1;
  let tail = 0; // Σ of the terms after the leading 1
  let one = 1; // the leading 1 in the current scale
  let logScale = 0; // true value = (one + tail) · exp(logScale), likewise term
  const finish = (): SignedLog => {
    if (logScale === 0) {
      const total = 1 + tail;
      return tail > -1 ? { logAbs: Math.log1p(tail), sign: 1 } : { logAbs: Math.log(Math.abs(total)), sign: Math.sign(total) };
    }
    const total = one + tail;
    return { logAbs: Math.log(Math.abs(total)) + logScale, sign: Math.sign(total) };
  };
  for (let n = 0; n < maxTerms; n += 1) {
    const denominator = (c + n) * (n + 1);
    if (denominator === 0) {
      throw new RangeError(`hyp2f1 has a pole at c=${c} (a non-positive integer) unless the series ends first`);
    }
    const ratio = ((a + n) * (b + n) * z) / denominator;
    term *= ratio;
    if (term === 0) return finish(); // a or b is a non-positive integer: the series is a polynomial
    tail += term;
    if (Math.abs(tail) > RESCALE_LIMIT || Math.abs(term) > RESCALE_LIMIT) {
      tail /= RESCALE_LIMIT;
      term /= RESCALE_LIMIT;
      one /= RESCALE_LIMIT;
      logScale += LOG_RESCALE_LIMIT;
    }
    if (n >= n0) {
      const nextRatio = Math.abs(((a + n + 1) * (b + n + 1) * z) / ((c + n + 1) * (n + 2)));
      const bound = Math.max(nextRatio, z);
      if (bound < 1 && (Math.abs(term) * bound) / (1 - bound) <= SERIES_EPSILON * Math.abs(one + tail)) return finish();
    }
  }
  if (Math.abs(term) <= SERIES_EPSILON * Math.abs(one + tail)) return finish();
  throw new RangeError(
    `hyp2f1 series did not converge in ${maxTerms} terms (a=${a}, b=${b}, c=${c}, z=${z}); z is too close to 1`,
  );
}
