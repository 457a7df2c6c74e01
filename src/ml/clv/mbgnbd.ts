/**
 * The MBG/NBD model (Batislam, Denizel & Filiztekin 2007): BG/NBD with one
 * more dropout opportunity, at time zero right after the first purchase. A
 * customer with no repeat purchase can therefore already be gone, and gets
 * P(alive) < 1 — BG/NBD's P(alive) = 1 for them overstates one-time buyers.
 */

import { logAlphaPlusTimes, type CompressedRfm } from './common.ts';
import { BetaGeoFamilyFitter, penalizerOf, type BetaGeoParams, type BetaGeoVariant } from './betaGeoFamily.ts';
import { log1pExp, logGamma } from './specialFunctions.ts';

/** Format tag of a serialised {@link ModifiedBetaGeoFitter}. */
export const MBGNBD_FORMAT = 'segmenta.mbgnbd/v1';

/**
 * Total MBG/NBD log-likelihood of customers at (r, α, a, b):
 *
 *   LLᵢ = lnΓ(r+x) − lnΓ(r) + r ln α + ln B(a, b+x+1) − ln B(a, b) − (r+x) ln(α+T)
 *         + ln(1 + a/(b+x) · ((α+T)/(α+tₓ))^(r+x))
 *
 * (for every x, including 0), the last term as softplus of its logarithm.
 */
export function modifiedBetaGeoNegativeLogLikelihood(params: Float64Array, data: CompressedRfm): number {
  const [r, alpha, a, b] = params;
  const levels = data.levels;
  const gammaTerms = new Float64Array(levels.length);
  const logB = new Float64Array(levels.length);
  const base = -logGamma(r) + logGamma(a + b) - logGamma(b) + r * Math.log(alpha);
  for (let k = 0; k < levels.length; k += 1) {
    const x = levels[k];
    gammaTerms[k] = base + logGamma(r + x) + logGamma(b + x + 1) - logGamma(a + b + x + 1);
    logB[k] = Math.log(b + x);
  }
  const logAlphaPlus = logAlphaPlusTimes(alpha, data.times);
  const logA = Math.log(a);
  let total = 0;
  for (let i = 0; i < data.x.length; i += 1) {
    const x = data.x[i];
    const level = data.level[i];
    const logAlphaT = logAlphaPlus[data.TIndex[i]];
    const odds = logA - logB[level] + (r + x) * (logAlphaT - logAlphaPlus[data.txIndex[i]]);
    total += data.weight[i] * (gammaTerms[level] - (r + x) * logAlphaT + log1pExp(odds));
  }
  return Number.isFinite(total) ? -total : Infinity;
}

const VARIANT: BetaGeoVariant = {
  model: 'MBG/NBD',
  format: MBGNBD_FORMAT,
  offset: 1,
  logDropoutOdds(params: BetaGeoParams, x: number, tx: number, T: number): number {
    const { r, alpha, a, b } = params;
    return Math.log(a) - Math.log(b + x) + (r + x) * Math.log1p((T - tx) / (alpha + tx));
  },
  negativeLogLikelihood: modifiedBetaGeoNegativeLogLikelihood,
  kernel: 'mbgnbd',
};

/**
 * MBG/NBD fitter; same interface as {@link BetaGeoFitter}.
 */
export class ModifiedBetaGeoFitter extends BetaGeoFamilyFitter {
  protected readonly variant = VARIANT;

  /** Restores a model written by `toJSON` (format `segmenta.mbgnbd/v1`). */
  static fromJSON(json: unknown): ModifiedBetaGeoFitter {
    return new ModifiedBetaGeoFitter({ penalizer: penalizerOf(json, MBGNBD_FORMAT) }).restore(json);
  }
}
