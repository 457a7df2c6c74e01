/**
 * The BG/NBD model (Fader, Hardie & Lee 2005, "Counting Your Customers the
 * Easy Way"): while alive a customer buys as a Poisson process with rate
 * λ ~ gamma(r, α); after each purchase they drop out with probability
 * p ~ beta(a, b). A customer with no repeat purchase is taken to be alive.
 */

import { logAlphaPlusTimes, type CompressedRfm } from './common.ts';
import { BetaGeoFamilyFitter, penalizerOf, type BetaGeoParams, type BetaGeoVariant } from './betaGeoFamily.ts';
import { logAddExp, logGamma } from './specialFunctions.ts';

/** Format tag of a serialised {@link BetaGeoFitter}. */
export const BGNBD_FORMAT = 'segmenta.bgnbd/v1';

/**
 * Total BG/NBD log-likelihood of customers at (r, α, a, b), FHL 2005 eq. 6:
 *
 *   LLᵢ = lnΓ(r+x) − lnΓ(r) + r ln α + ln B(a, b+x) − ln B(a, b) − (r+x) ln(α+T)
 *         + ln(1 + δ(x>0) · a/(b+x−1) · ((α+T)/(α+tₓ))^(r+x))
 *
 * The last two terms are summed as ln(e^A₃ + e^A₄) with
 * A₃ = −(r+x) ln(α+T), A₄ = ln a − ln(b+x−1) − (r+x) ln(α+tₓ), so that large
 * purchase counts cannot overflow the power. No hypergeometric function is
 * needed for the likelihood.
 */
export function betaGeoNegativeLogLikelihood(params: Float64Array, data: CompressedRfm): number {
  const [r, alpha, a, b] = params;
  const levels = data.levels;
  // Everything that depends on x alone, once per distinct x.
  const gammaTerms = new Float64Array(levels.length);
  const logB = new Float64Array(levels.length);
  const base = -logGamma(r) + logGamma(a + b) - logGamma(b) + r * Math.log(alpha);
  for (let k = 0; k < levels.length; k += 1) {
    const x = levels[k];
    gammaTerms[k] = base + logGamma(r + x) + logGamma(b + x) - logGamma(a + b + x);
    logB[k] = x > 0 ? Math.log(b + x - 1) : NaN;
  }
  const logAlphaPlus = logAlphaPlusTimes(alpha, data.times);
  const logA = Math.log(a);
  let total = 0;
  for (let i = 0; i < data.x.length; i += 1) {
    const x = data.x[i];
    const level = data.level[i];
    const a3 = -(r + x) * logAlphaPlus[data.TIndex[i]];
    const tail = x > 0 ? logAddExp(a3, logA - logB[level] - (r + x) * logAlphaPlus[data.txIndex[i]]) : a3;
    total += data.weight[i] * (gammaTerms[level] + tail);
  }
  return Number.isFinite(total) ? -total : Infinity;
}

const VARIANT: BetaGeoVariant = {
  model: 'BG/NBD',
  format: BGNBD_FORMAT,
  offset: 0,
  logDropoutOdds(params: BetaGeoParams, x: number, tx: number, T: number): number {
    // A customer without repeat purchases has had no chance to drop out.
    if (x === 0) return -Infinity;
    const { r, alpha, a, b } = params;
    return Math.log(a) - Math.log(b + x - 1) + (r + x) * Math.log1p((T - tx) / (alpha + tx));
  },
  negativeLogLikelihood: betaGeoNegativeLogLikelihood,
  kernel: 'bgnbd',
};

/**
 * BG/NBD fitter. Fit on per-customer frequency (repeat purchases), recency
 * and T in one time unit; predictions are in the same unit.
 *
 * @example
 * const model = new BetaGeoFitter().fit(summary.frequency, summary.recency, summary.T);
 * model.expectedPurchases(39, 2, 30.43, 38.86); // purchases in the next 39 weeks
 */
export class BetaGeoFitter extends BetaGeoFamilyFitter {
  protected readonly variant = VARIANT;

  /** Restores a model written by `toJSON` (format `segmenta.bgnbd/v1`). */
  static fromJSON(json: unknown): BetaGeoFitter {
    return new BetaGeoFitter({ penalizer: penalizerOf(json, BGNBD_FORMAT) }).restore(json);
  }
}
