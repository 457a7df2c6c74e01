/**
 * What the BG/NBD and MBG/NBD models share: both describe a customer's
 * purchases while alive as Poisson with a gamma(r, α) distributed rate, and
 * dropout after a purchase with a beta(a, b) distributed probability p. They
 * differ in one point — MBG/NBD also lets a customer drop out at time zero,
 * right after the first purchase — which shifts b by one in the formulas and
 * gives customers without repeat purchases P(alive) < 1.
 *
 * The base class holds fitting, checks, predictions and serialisation; the
 * subclasses supply the likelihood and the offset of that shift.
 */

import { InputError } from '../../errors.ts';
import {
  aroundOne,
  showValue,
  checkCustomer,
  checkHorizon,
  checkRfmArrays,
  checkWeights,
  compress,
  finiteOrNull,
  fitMaximumLikelihood,
  formatNumber,
  readDocument,
  readOptionalNumber,
  readPositive,
  requireFitted,
  type CompressedRfm,
  type FitConvergence,
} from './common.ts';
import { betaGeoFamilyLikelihood, fitThreads } from './parallelTerms.ts';
import { logHyp2f1, logistic } from './specialFunctions.ts';

/** Parameters of the BG/NBD family: purchase rate ~ gamma(r, α), dropout probability ~ beta(a, b). */
export interface BetaGeoParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** Options of the BG/NBD-family fitters. */
export interface BetaGeoFitterOptions {
  /** L2 penalty on the parameters, added to the mean negative log-likelihood (default 0; lifetimes' penalizer_coef). */
  penalizer?: number;
  /** Nelder-Mead iteration budget (default 5,000). */
  maxIterations?: number;
  /** Threads the likelihood may use: 1, or 2 with a helper thread on many rows (default: 2 when the machine has them). The fit is the same. */
  threads?: number;
}

/** A fitted transaction model, as the CLV computation needs it. */
export interface TransactionModel {
  /** Expected purchases in the next t time units of a customer with this history. */
  expectedPurchases(t: number, frequency: number, recency: number, T: number): number;
}

/** Serialised form of a BG/NBD-family model. */
export interface BetaGeoDocument {
  format: string;
  params: BetaGeoParams;
  standardErrors: Record<keyof BetaGeoParams, number | null> | null;
  logLikelihood: number | null;
  nCustomers: number | null;
  nRepeaters: number | null;
  penalizer: number;
  convergence: FitConvergence | null;
  warnings: string[];
}

const PARAM_NAMES = ['r', 'alpha', 'a', 'b'] as const;

/** Variant-specific pieces. */
export interface BetaGeoVariant {
  /** "BG/NBD" or "MBG/NBD", for messages. */
  model: string;
  /** Serialisation tag. */
  format: string;
  /**
   * 0 for BG/NBD, 1 for MBG/NBD: the conditional expectation uses
   * ₂F₁(r+x, b+x+o; a+b+x−1+o; z) and the factor (a+b+x−1+o)/(a−1).
   */
  offset: 0 | 1;
  /** ln of the odds of having dropped out, so that P(alive) = 1/(1 + e^odds). */
  logDropoutOdds(params: BetaGeoParams, x: number, tx: number, T: number): number;
  /** Total negative log-likelihood of compressed data at (r, α, a, b). */
  negativeLogLikelihood(params: Float64Array, data: CompressedRfm): number;
  /** The same likelihood's row kernel in parallelTerms.ts, which fits use on many rows. */
  kernel: 'bgnbd' | 'mbgnbd';
}

/** Base of {@link BetaGeoFitter} and {@link ModifiedBetaGeoFitter}. */
export abstract class BetaGeoFamilyFitter implements TransactionModel {
  /** L2 penalty coefficient. */
  readonly penalizer: number;
  /** Nelder-Mead iteration budget. */
  readonly maxIterations: number;
  /** Threads the likelihood may use (see {@link BetaGeoFitterOptions.threads}). */
  readonly threads: number;
  /** Total log-likelihood at the fitted parameters (NaN for a model restored without it). */
  logLikelihood = NaN;
  /** Customers the model was fitted on. */
  nCustomers = NaN;
  /** Of those, customers with at least one repeat purchase. */
  nRepeaters = NaN;
  /** Standard errors of r, α, a, b (NaN when the Hessian was not positive definite). */
  standardErrors: BetaGeoParams | null = null;
  /** Covariance of (r, α, a, b), natural scale. */
  covariance: number[][] | null = null;
  /** How the optimisation ended. */
  convergence: FitConvergence | null = null;
  /** Non-fatal remarks about the fit. */
  warnings: string[] = [];
  protected fitted: BetaGeoParams | null = null;
  protected abstract readonly variant: BetaGeoVariant;

  constructor(options: BetaGeoFitterOptions = {}) {
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
  get params(): BetaGeoParams {
    return { ...requireFitted(this.variant.model, this.fitted) };
  }

  /**
   * Fits r, α, a, b by maximum likelihood.
   *
   * @param frequency repeat purchases per customer (non-negative integers)
   * @param recency time of the last purchase after the first, in the model's time unit (0 when frequency is 0)
   * @param T time from the first purchase to the end of the calibration period
   * @param weights customers each row stands for, when the rows are distinct
   *   histories with their counts (default: one customer per row). In the order
   *   of the histories' first customers, the fit is the one on the customers.
   * @throws InputError when there are no customers, no repeat customers, the
   *   optimiser does not converge, or a parameter runs off to 0 or ∞
   */
  fit(frequency: ArrayLike<number>, recency: ArrayLike<number>, T: ArrayLike<number>, weights?: ArrayLike<number>): this {
    const { model } = this.variant;
    const data = checkRfmArrays(model, frequency, recency, T);
    const rows = data.frequency.length;
    const n = weights === undefined ? rows : checkWeights(model, weights, rows);
    if (n === 0) throw new InputError(`${model}: no customers to fit`);
    let repeaters = 0;
    let maxT = 0;
    for (let i = 0; i < rows; i += 1) {
      if (data.frequency[i] > 0) repeaters += weights === undefined ? 1 : weights[i];
      maxT = Math.max(maxT, data.T[i]);
    }
    if (repeaters === 0) {
      throw new InputError(
        `${model}: no repeat customers among ${n}: the model needs customers with frequency > 0 to estimate purchase and dropout rates`,
      );
    }
    // Rescale time so that the longest T is 10 (as lifetimes does): α then
    // starts near its optimum's order of magnitude whatever the time unit.
    const timeScale = 10 / maxT;
    const compressed = compress(data, timeScale, weights);
    // Bit for bit the variant's likelihood, with half of the rows on a helper thread when there are many.
    const likelihood = betaGeoFamilyLikelihood(this.variant.kernel, compressed, this.threads);
    let result: ReturnType<typeof fitMaximumLikelihood>;
    try {
      result = fitMaximumLikelihood({
        model,
        paramNames: PARAM_NAMES,
        negativeLogLikelihood: (params) => likelihood.evaluate(params),
        n,
        penalizer: this.penalizer,
        start: [0, 0, 0, 0],
        maxIterations: this.maxIterations,
        reportScale: [1, 1 / timeScale, 1, 1],
      });
    } finally {
      likelihood.close();
    }
    const [r, alpha, a, b] = result.params;
    this.fitted = { r, alpha, a, b };
    // The likelihood of purchase times depends on the time unit (by −Σx·ln(scale)), so report it
    // on the caller's data and unit. (Like lifetimes, the penalty applies to the rescaled α.)
    this.logLikelihood = -this.variant.negativeLogLikelihood(Float64Array.of(r, alpha, a, b), compress(data, 1, weights));
    const [seR, seAlpha, seA, seB] = result.standardErrors;
    this.standardErrors = { r: seR, alpha: seAlpha, a: seA, b: seB };
    this.covariance = result.covariance;
    this.convergence = result.convergence;
    this.warnings = result.warnings;
    this.nCustomers = n;
    this.nRepeaters = repeaters;
    return this;
  }

  /** Total log-likelihood of customer data under the fitted parameters. */
  scoreLogLikelihood(frequency: ArrayLike<number>, recency: ArrayLike<number>, T: ArrayLike<number>): number {
    const { r, alpha, a, b } = requireFitted(this.variant.model, this.fitted);
    const data = checkRfmArrays(this.variant.model, frequency, recency, T);
    return -this.variant.negativeLogLikelihood(Float64Array.of(r, alpha, a, b), compress(data, 1));
  }

  /**
   * Probability that a customer with this history is still alive at the end
   * of the calibration period.
   */
  probabilityAlive(frequency: number, recency: number, T: number): number {
    const params = requireFitted(this.variant.model, this.fitted);
    checkCustomer(this.variant.model, null, frequency, recency, T);
    return logistic(-this.variant.logDropoutOdds(params, frequency, recency, T));
  }

  /**
   * Expected number of purchases in the next t time units of a customer with
   * x = frequency repeat purchases, the last at `recency`, first purchase T
   * time units ago (Fader, Hardie & Lee 2005, eq. 10; Batislam et al. 2007 for
   * MBG/NBD):
   *
   *   E = (a+b+x−1+o)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x+o; a+b+x−1+o; t/(α+T+t))] · P(alive)
   *
   * with o = 0 (BG/NBD) or 1 (MBG/NBD). ₂F₁ comes from {@link logHyp2f1},
   * with the power of (α+T)/(α+T+t) folded into its Euler transformation.
   */
  expectedPurchases(t: number, frequency: number, recency: number, T: number): number {
    const params = requireFitted(this.variant.model, this.fitted);
    checkHorizon(this.variant.model, t);
    checkCustomer(this.variant.model, null, frequency, recency, T);
    if (t === 0) return 0;
    // E ≥ 0; for horizons near 0 rounding can leave a −1e-300-sized value.
    const alive = logistic(-this.variant.logDropoutOdds(params, frequency, recency, T));
    return Math.max(0, this.expectedPurchasesIfAlive(t, frequency, T) * alive);
  }

  /**
   * The factor of {@link expectedPurchases} before P(alive):
   * (a+b+x−1+o)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(…)]. It does not depend
   * on recency, so customers who differ only in recency share it:
   * expectedPurchases(t, x, tₓ, T) = max(0, this × probabilityAlive(x, tₓ, T)).
   * Near t = 0 rounding can make it a −1e-300-sized value.
   */
  expectedPurchasesIfAlive(t: number, frequency: number, T: number): number {
    const params = requireFitted(this.variant.model, this.fitted);
    const { model } = this.variant;
    checkHorizon(model, t);
    checkCustomer(model, null, frequency, 0, T);
    if (t === 0) return 0;
    const { r, alpha, b } = params;
    const x = frequency;
    const o = this.variant.offset;
    const z = t / (alpha + T + t);
    let value: number;
    try {
      value = aroundOne(params.a, (a) => {
        const c = a + b + x - 1 + o;
        const q = logHyp2f1(r + x, b + x + o, c, z, r + x);
        // 1 − Q with Q = sign·e^logAbs, accurate when Q is close to 1 (short horizons).
        const oneMinusQ = q.sign > 0 ? -Math.expm1(q.logAbs) : 1 + Math.exp(q.logAbs);
        return (c / (a - 1)) * oneMinusQ;
      });
    } catch (error) {
      if (error instanceof RangeError) {
        throw new InputError(
          `${model}: cannot evaluate expected purchases for horizon t=${formatNumber(t)} with T=${formatNumber(T)}: ${error.message}`,
          { cause: error },
        );
      }
      throw error;
    }
    return value;
  }

  /** Expected number of purchases in the first t time units of a new customer (from the first purchase on, excluded). */
  expectedPurchasesNewCustomer(t: number): number {
    return this.expectedPurchases(t, 0, 0, 0);
  }

  /** Serialisable form (see {@link BetaGeoDocument}). */
  toJSON(): BetaGeoDocument {
    const params = requireFitted(this.variant.model, this.fitted);
    const se = this.standardErrors;
    return {
      format: this.variant.format,
      params: { ...params },
      standardErrors:
        se === null
          ? null
          : { r: finiteOrNull(se.r), alpha: finiteOrNull(se.alpha), a: finiteOrNull(se.a), b: finiteOrNull(se.b) },
      logLikelihood: finiteOrNull(this.logLikelihood),
      nCustomers: finiteOrNull(this.nCustomers),
      nRepeaters: finiteOrNull(this.nRepeaters),
      penalizer: this.penalizer,
      convergence: this.convergence === null ? null : { ...this.convergence },
      warnings: [...this.warnings],
    };
  }

  /** Restores the state written by {@link toJSON} into this (unfitted) instance. */
  protected restore(json: unknown): this {
    const { format } = this.variant;
    const document = readDocument(format, json);
    const params = document.params as Record<string, unknown>;
    this.fitted = {
      r: readPositive(format, params, 'r'),
      alpha: readPositive(format, params, 'alpha'),
      a: readPositive(format, params, 'a'),
      b: readPositive(format, params, 'b'),
    };
    const se = document.standardErrors as Record<string, unknown> | null | undefined;
    this.standardErrors =
      se && typeof se === 'object'
        ? {
            r: readOptionalNumber(se.r),
            alpha: readOptionalNumber(se.alpha),
            a: readOptionalNumber(se.a),
            b: readOptionalNumber(se.b),
          }
        : null;
    this.logLikelihood = readOptionalNumber(document.logLikelihood);
    this.nCustomers = readOptionalNumber(document.nCustomers);
    this.nRepeaters = readOptionalNumber(document.nRepeaters);
    this.convergence = (document.convergence as FitConvergence | null | undefined) ?? null;
    this.warnings = Array.isArray(document.warnings) ? document.warnings.map(String) : [];
    return this;
  }
}

/** Reads the penalizer of a serialised model (0 when absent). */
export function penalizerOf(json: unknown, format: string): number {
  const document = readDocument(format, json);
  const value = document.penalizer;
  return typeof value === 'number' ? value : 0;
}
