/**
 * The Gamma-Gamma model of monetary value (Fader, Hardie & Lee 2005, "RFM and
 * CLV: Using Iso-Value Curves for Customer Base Analysis"; Fader & Hardie's
 * note "The Gamma-Gamma Model of Monetary Value", 2013): a customer's
 * transaction values are gamma(p, ν) around their own mean p/ν, and ν is
 * gamma(q, γ) across customers. Fitted on repeat customers' mean repeat spend,
 * it shrinks each customer's observed mean towards the population mean, the
 * more so the fewer purchases it rests on, and together with a transaction
 * model gives customer lifetime value.
 *
 * The model assumes spend per transaction is independent of purchase
 * frequency; {@link frequencySpendCorrelation} checks that on the data.
 */

import { InputError } from '../../errors.ts';
import type { TransactionModel } from './betaGeoFamily.ts';
import {
  finiteOrNull,
  showValue,
  fitMaximumLikelihood,
  formatNumber,
  readDocument,
  readOptionalNumber,
  readPositive,
  requireFitted,
  type FitConvergence,
} from './common.ts';
import { fitThreads, gammaGammaLikelihood } from './parallelTerms.ts';
import { logGamma } from './specialFunctions.ts';

/** Format tag of a serialised {@link GammaGammaFitter}. */
export const GAMMA_GAMMA_FORMAT = 'segmenta.gammagamma/v1';

/** |ρ| above which the frequency–spend independence assumption is reported as doubtful. */
export const CORRELATION_WARNING_THRESHOLD = 0.3;

/** Gamma-Gamma parameters: shape p of spend per transaction; shape q and scale γ of its rate across customers (lifetimes calls γ "v"). */
export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

/** Options of {@link GammaGammaFitter}. */
export interface GammaGammaFitterOptions {
  /** L2 penalty on the parameters, added to the mean negative log-likelihood (default 0). */
  penalizer?: number;
  /** Nelder-Mead iteration budget (default 5,000). */
  maxIterations?: number;
  /** Threads the likelihood may use: 1, or 2 with a helper thread on many customers (default: 2 when the machine has them). The fit is the same. */
  threads?: number;
}

/** Options of {@link GammaGammaFitter.customerLifetimeValue}. */
export interface ClvOptions {
  /** Months to sum over (default 12). */
  months?: number;
  /** Discount rate per month (default 0.01). */
  discountRate?: number;
  /** Days in one time unit of the transaction model (1 for days, 7 for weeks). */
  timeUnitDays: number;
  /**
   * Days in a month (default 365.25 / 12 = 30.4375). lifetimes uses 30 for
   * daily and 4.345 weeks (30.415 days) for weekly models; pass those to
   * reproduce its figures.
   */
  daysPerMonth?: number;
}

/** Serialised form of a {@link GammaGammaFitter}. */
export interface GammaGammaDocument {
  format: string;
  params: GammaGammaParams;
  standardErrors: Record<keyof GammaGammaParams, number | null> | null;
  logLikelihood: number | null;
  nCustomers: number | null;
  frequencySpendCorrelation: number | null;
  penalizer: number;
  convergence: FitConvergence | null;
  warnings: string[];
}

/** Result of {@link frequencySpendCorrelation}. */
export interface FrequencySpendCorrelation {
  /** Pearson correlation between frequency and mean spend over repeat customers (NaN when undefined). */
  rho: number;
  /** Repeat customers it was computed on. */
  n: number;
  /** Set when |ρ| > 0.3: the Gamma-Gamma independence assumption is doubtful. */
  warning: string | null;
}

/**
 * Pearson correlation between purchase frequency and mean repeat spend over
 * repeat customers (frequency > 0). The Gamma-Gamma model assumes the two are
 * independent; a |ρ| above 0.3 comes with a warning.
 */
export function frequencySpendCorrelation(
  frequency: ArrayLike<number>,
  monetary: ArrayLike<number>,
): FrequencySpendCorrelation {
  if (frequency.length !== monetary.length) {
    throw new InputError(`frequency and monetary value differ in length: ${frequency.length} and ${monetary.length}`);
  }
  let n = 0;
  let meanX = 0;
  let meanY = 0;
  for (let i = 0; i < frequency.length; i += 1) {
    if (!(frequency[i] > 0)) continue;
    n += 1;
    meanX += (frequency[i] - meanX) / n;
    meanY += (monetary[i] - meanY) / n;
  }
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < frequency.length; i += 1) {
    if (!(frequency[i] > 0)) continue;
    const dx = frequency[i] - meanX;
    const dy = monetary[i] - meanY;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  const rho = sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN;
  const warning =
    Math.abs(rho) > CORRELATION_WARNING_THRESHOLD
      ? `Gamma-Gamma: frequency and mean spend of repeat customers are correlated (ρ = ${rho.toFixed(3)} over ${n} customers, |ρ| > ${CORRELATION_WARNING_THRESHOLD}); the model assumes they are independent`
      : null;
  return { rho, n, warning };
}

/**
 * Gamma-Gamma fitter.
 *
 * @example
 * const spend = new GammaGammaFitter().fit(summary.frequency, summary.monetary_value);
 * spend.customerLifetimeValue(bgnbd, 2, 30.43, 38.86, 22.35, { timeUnitDays: 7 });
 */
export class GammaGammaFitter {
  /** L2 penalty coefficient. */
  readonly penalizer: number;
  /** Nelder-Mead iteration budget. */
  readonly maxIterations: number;
  /** Threads the likelihood may use (see {@link GammaGammaFitterOptions.threads}). */
  readonly threads: number;
  /** Total log-likelihood at the fitted parameters (NaN for a model restored without it). */
  logLikelihood = NaN;
  /** Repeat customers the model was fitted on. */
  nCustomers = NaN;
  /** Pearson ρ between frequency and mean spend over those customers. */
  frequencySpendCorrelation = NaN;
  /** Standard errors of p, q, γ. */
  standardErrors: GammaGammaParams | null = null;
  /** Covariance of (p, q, γ). */
  covariance: number[][] | null = null;
  /** How the optimisation ended. */
  convergence: FitConvergence | null = null;
  /** Non-fatal remarks, e.g. the frequency–spend correlation warning. */
  warnings: string[] = [];
  private fitted: GammaGammaParams | null = null;

  constructor(options: GammaGammaFitterOptions = {}) {
    const penalizer = options.penalizer ?? 0;
    const maxIterations = options.maxIterations ?? 5000;
    if (!(Number.isFinite(penalizer) && penalizer >= 0)) {
      throw new InputError(`penalizer must be a finite number ≥ 0; got ${showValue(penalizer)}`);
    }
    if (!(Number.isInteger(maxIterations) && maxIterations >= 1)) {
      throw new InputError(`maxIterations must be an integer ≥ 1; got ${showValue(maxIterations)}`);
    }
    this.penalizer = penalizer;
    this.maxIterations = maxIterations;
    this.threads = options.threads ?? fitThreads();
  }

  /** Fitted parameters. Throws when the model is not fitted. */
  get params(): GammaGammaParams {
    return { ...requireFitted('Gamma-Gamma', this.fitted) };
  }

  /**
   * Fits p, q, γ by maximum likelihood on the repeat customers (frequency > 0);
   * customers without repeat purchases carry no spend information and are
   * skipped.
   *
   * @param frequency repeat purchases per customer
   * @param monetary mean spend over the repeat purchases (must be > 0 for repeat customers)
   * @throws InputError when there are no repeat customers, a repeat customer's
   *   mean spend is not positive, or the fit does not converge
   */
  fit(frequency: ArrayLike<number>, monetary: ArrayLike<number>): this {
    if (frequency.length !== monetary.length) {
      throw new InputError(`Gamma-Gamma: frequency and monetary value differ in length: ${frequency.length} and ${monetary.length}`);
    }
    const xs: number[] = [];
    const ms: number[] = [];
    for (let i = 0; i < frequency.length; i += 1) {
      const x = Number(frequency[i]);
      const m = Number(monetary[i]);
      if (!(Number.isInteger(x) && x >= 0)) {
        throw new InputError(`Gamma-Gamma: frequency must be a non-negative integer; got ${showValue(x)} at customer ${i}`);
      }
      if (x === 0) continue;
      if (!(Number.isFinite(m) && m > 0)) {
        throw new InputError(
          `Gamma-Gamma: mean repeat spend must be positive and finite for repeat customers; got ${showValue(m)} at customer ${i}`,
        );
      }
      xs.push(x);
      ms.push(m);
    }
    const n = xs.length;
    if (n === 0) {
      throw new InputError(`Gamma-Gamma: no repeat customers (frequency > 0) among ${frequency.length}: nothing to fit spend on`);
    }
    const x = Float64Array.from(xs);
    const m = Float64Array.from(ms);
    // Fit on spend in units of its mean, so γ starts near its optimum's order of magnitude.
    let meanSpend = 0;
    for (let i = 0; i < n; i += 1) meanSpend += m[i] / n;
    const scaled = prepare(x, Float64Array.from(m, (value) => value / meanSpend));
    // Bit for bit preparedLogLikelihood, with half of the rows on a helper thread when there are many.
    const likelihood = gammaGammaLikelihood(scaled, this.threads);
    let result: ReturnType<typeof fitMaximumLikelihood>;
    try {
      result = fitMaximumLikelihood({
        model: 'Gamma-Gamma',
        paramNames: ['p', 'q', 'gamma'],
        negativeLogLikelihood: (params) => -likelihood.evaluate(params),
        n,
        penalizer: this.penalizer,
        start: [0, 0, 0],
        maxIterations: this.maxIterations,
        reportScale: [1, 1, meanSpend],
      });
    } finally {
      likelihood.close();
    }
    const [p, q, gamma] = result.params;
    this.fitted = { p, q, gamma };
    this.logLikelihood = gammaGammaLogLikelihood(p, q, gamma, x, m);
    const [seP, seQ, seGamma] = result.standardErrors;
    this.standardErrors = { p: seP, q: seQ, gamma: seGamma };
    this.covariance = result.covariance;
    this.convergence = result.convergence;
    this.nCustomers = n;
    const correlation = frequencySpendCorrelation(x, m);
    this.frequencySpendCorrelation = correlation.rho;
    this.warnings = [...result.warnings, ...(correlation.warning === null ? [] : [correlation.warning])];
    if (q <= 1) {
      this.warnings.push(
        `Gamma-Gamma: q = ${formatNumber(q)} ≤ 1: the population mean spend is infinite, so customers without repeat purchases get no expected spend`,
      );
    }
    return this;
  }

  /**
   * Expected mean spend per transaction of a customer with `frequency` repeat
   * purchases averaging `monetary` (FHL 2005, eq. 5):
   *
   *   E(M | x, m̄) = p(γ + x·m̄) / (px + q − 1)
   *             = (1 − w)·γp/(q − 1) + w·m̄,  w = px / (px + q − 1).
   *
   * For frequency 0 this is the population mean γp/(q − 1), which needs q > 1.
   */
  conditionalExpectedAverageProfit(frequency: number, monetary: number): number {
    const { p, q, gamma } = requireFitted('Gamma-Gamma', this.fitted);
    if (!(Number.isInteger(frequency) && frequency >= 0)) {
      throw new InputError(`Gamma-Gamma: frequency must be a non-negative integer; got ${showValue(frequency)}`);
    }
    const m = frequency === 0 ? 0 : monetary;
    if (frequency > 0 && !(Number.isFinite(m) && m >= 0)) {
      throw new InputError(`Gamma-Gamma: mean spend must be finite and ≥ 0; got ${showValue(monetary)}`);
    }
    const denominator = p * frequency + q - 1;
    if (!(denominator > 0)) {
      throw new InputError(
        `Gamma-Gamma: expected spend is infinite for frequency ${frequency} because q = ${formatNumber(q)} (needs p·x + q > 1)`,
      );
    }
    return (p * (gamma + frequency * m)) / denominator;
  }

  /**
   * Customer lifetime value over `months` months with lifetimes'
   * discounted-cash-flow formula:
   *
   *   CLV = Σᵢ₌₁..months  E(M | x, m̄) · [N(i·τ) − N((i−1)·τ)] / (1 + d)ⁱ
   *
   * where N(t) is the transaction model's expected purchases in the next t
   * time units, τ the month length in those units (daysPerMonth /
   * timeUnitDays) and d the monthly discount rate.
   */
  customerLifetimeValue(
    transactionModel: TransactionModel,
    frequency: number,
    recency: number,
    T: number,
    monetary: number,
    options: ClvOptions,
  ): number {
    const { months, discountRate, monthLength } = checkClvOptions(options);
    const spend = this.conditionalExpectedAverageProfit(frequency, monetary);
    let value = 0;
    let previous = 0;
    for (let i = 1; i <= months; i += 1) {
      const cumulative = transactionModel.expectedPurchases(i * monthLength, frequency, recency, T);
      value += (spend * (cumulative - previous)) / (1 + discountRate) ** i;
      previous = cumulative;
    }
    return value;
  }

  /** {@link customerLifetimeValue} for every customer of aligned arrays. */
  customerLifetimeValues(
    transactionModel: TransactionModel,
    frequency: ArrayLike<number>,
    recency: ArrayLike<number>,
    T: ArrayLike<number>,
    monetary: ArrayLike<number>,
    options: ClvOptions,
  ): Float64Array {
    const n = frequency.length;
    if (recency.length !== n || T.length !== n || monetary.length !== n) {
      throw new InputError(
        `customer arrays differ in length: frequency ${n}, recency ${recency.length}, T ${T.length}, monetary ${monetary.length}`,
      );
    }
    checkClvOptions(options);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i += 1) {
      out[i] = this.customerLifetimeValue(transactionModel, frequency[i], recency[i], T[i], monetary[i], options);
    }
    return out;
  }

  /** Serialisable form (see {@link GammaGammaDocument}). */
  toJSON(): GammaGammaDocument {
    const params = requireFitted('Gamma-Gamma', this.fitted);
    const se = this.standardErrors;
    return {
      format: GAMMA_GAMMA_FORMAT,
      params: { ...params },
      standardErrors: se === null ? null : { p: finiteOrNull(se.p), q: finiteOrNull(se.q), gamma: finiteOrNull(se.gamma) },
      logLikelihood: finiteOrNull(this.logLikelihood),
      nCustomers: finiteOrNull(this.nCustomers),
      frequencySpendCorrelation: finiteOrNull(this.frequencySpendCorrelation),
      penalizer: this.penalizer,
      convergence: this.convergence === null ? null : { ...this.convergence },
      warnings: [...this.warnings],
    };
  }

  /** Restores a model written by `toJSON` (format `segmenta.gammagamma/v1`). */
  static fromJSON(json: unknown): GammaGammaFitter {
    const document = readDocument(GAMMA_GAMMA_FORMAT, json);
    const params = document.params as Record<string, unknown>;
    const penalizer = typeof document.penalizer === 'number' ? document.penalizer : 0;
    const model = new GammaGammaFitter({ penalizer });
    model.fitted = {
      p: readPositive(GAMMA_GAMMA_FORMAT, params, 'p'),
      q: readPositive(GAMMA_GAMMA_FORMAT, params, 'q'),
      gamma: readPositive(GAMMA_GAMMA_FORMAT, params, 'gamma'),
    };
    const se = document.standardErrors as Record<string, unknown> | null | undefined;
    model.standardErrors =
      se && typeof se === 'object'
        ? { p: readOptionalNumber(se.p), q: readOptionalNumber(se.q), gamma: readOptionalNumber(se.gamma) }
        : null;
    model.logLikelihood = readOptionalNumber(document.logLikelihood);
    model.nCustomers = readOptionalNumber(document.nCustomers);
    model.frequencySpendCorrelation = readOptionalNumber(document.frequencySpendCorrelation);
    model.convergence = (document.convergence as FitConvergence | null | undefined) ?? null;
    model.warnings = Array.isArray(document.warnings) ? document.warnings.map(String) : [];
    return model;
  }
}

/**
 * Total Gamma-Gamma log-likelihood of repeat customers' mean spend m̄ over x
 * transactions (the density of m̄, FHL 2005 appendix):
 *
 *   LLᵢ = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln γ + (px−1) ln m̄ + px ln x − (px+q) ln(γ + x m̄)
 *
 * Returns −Infinity where it is not finite, so optimisers back away.
 */
export function gammaGammaLogLikelihood(
  p: number,
  q: number,
  gamma: number,
  frequency: ArrayLike<number>,
  monetary: ArrayLike<number>,
): number {
  return preparedLogLikelihood(p, q, gamma, prepare(frequency, monetary));
}

/** Spend data with everything that does not depend on the parameters computed once. */
interface PreparedSpend {
  x: Float64Array;
  logM: Float64Array;
  xm: Float64Array;
  level: Int32Array;
  levels: Float64Array;
}

function prepare(frequency: ArrayLike<number>, monetary: ArrayLike<number>): PreparedSpend {
  const n = frequency.length;
  const levelOf = new Map<number, number>();
  const levels: number[] = [];
  const out = { x: new Float64Array(n), logM: new Float64Array(n), xm: new Float64Array(n), level: new Int32Array(n) };
  for (let i = 0; i < n; i += 1) {
    const x = frequency[i];
    let level = levelOf.get(x);
    if (level === undefined) {
      level = levels.length;
      levelOf.set(x, level);
      levels.push(x);
    }
    out.x[i] = x;
    out.logM[i] = Math.log(monetary[i]);
    out.xm[i] = x * monetary[i];
    out.level[i] = level;
  }
  return { ...out, levels: Float64Array.from(levels) };
}

/** One log per customer and evaluation; the log-gamma terms once per distinct frequency. */
function preparedLogLikelihood(p: number, q: number, gamma: number, data: PreparedSpend): number {
  const base = -logGamma(q) + q * Math.log(gamma);
  const perLevel = new Float64Array(data.levels.length);
  for (let k = 0; k < perLevel.length; k += 1) {
    const px = p * data.levels[k];
    perLevel[k] = base + logGamma(px + q) - logGamma(px) + px * Math.log(data.levels[k]);
  }
  let total = 0;
  for (let i = 0; i < data.x.length; i += 1) {
    const px = p * data.x[i];
    total += perLevel[data.level[i]] + (px - 1) * data.logM[i] - (px + q) * Math.log(gamma + data.xm[i]);
  }
  return Number.isFinite(total) ? total : -Infinity;
}

function checkClvOptions(options: ClvOptions): { months: number; discountRate: number; monthLength: number } {
  const months = options.months ?? 12;
  const discountRate = options.discountRate ?? 0.01;
  const daysPerMonth = options.daysPerMonth ?? 365.25 / 12;
  const { timeUnitDays } = options;
  if (!(Number.isInteger(months) && months >= 1)) throw new InputError(`months must be an integer ≥ 1; got ${showValue(months)}`);
  if (!(Number.isFinite(discountRate) && discountRate > -1)) {
    throw new InputError(`discountRate must be a finite monthly rate > −1; got ${showValue(discountRate)}`);
  }
  if (!(Number.isFinite(timeUnitDays) && timeUnitDays > 0)) {
    throw new InputError(`timeUnitDays must be a positive number of days (1 for days, 7 for weeks); got ${showValue(timeUnitDays)}`);
  }
  if (!(Number.isFinite(daysPerMonth) && daysPerMonth > 0)) {
    throw new InputError(`daysPerMonth must be a positive number; got ${showValue(daysPerMonth)}`);
  }
  return { months, discountRate, monthLength: daysPerMonth / timeUnitDays };
}
