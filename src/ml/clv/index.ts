/**
 * Customer-lifetime-value models on typed arrays: summary statistics from
 * transactions, the BG/NBD and MBG/NBD transaction models, the Gamma-Gamma
 * spend model and customer lifetime value, with the optimiser and special
 * functions they rest on.
 */

export {
  rfmSummary,
  holdoutSummary,
  DAYS_PER_TIME_UNIT,
  type TimeUnit,
  type RfmSummary,
  type RfmSummaryOptions,
  type HoldoutSummary,
  type HoldoutOptions,
} from './rfmSummary.ts';
export {
  BetaGeoFamilyFitter,
  type BetaGeoParams,
  type BetaGeoFitterOptions,
  type BetaGeoDocument,
  type TransactionModel,
} from './betaGeoFamily.ts';
export { BetaGeoFitter, BGNBD_FORMAT, betaGeoNegativeLogLikelihood } from './bgnbd.ts';
export { ModifiedBetaGeoFitter, MBGNBD_FORMAT, modifiedBetaGeoNegativeLogLikelihood } from './mbgnbd.ts';
export {
  GammaGammaFitter,
  GAMMA_GAMMA_FORMAT,
  CORRELATION_WARNING_THRESHOLD,
  frequencySpendCorrelation,
  gammaGammaLogLikelihood,
  type GammaGammaParams,
  type GammaGammaFitterOptions,
  type GammaGammaDocument,
  type ClvOptions,
  type FrequencySpendCorrelation,
} from './gammaGamma.ts';
export { compress, type CompressedRfm, type FitConvergence } from './common.ts';
export {
  minimize,
  nelderMead,
  lbfgs,
  numericalGradient,
  numericalHessian,
  invertSymmetricPositiveDefinite,
  type MinimizeResult,
  type MinimizeStatus,
  type MinimizeOptions,
  type NelderMeadOptions,
  type LbfgsOptions,
  type Objective,
  type Gradient,
} from './optimize.ts';
export {
  logGamma,
  gammaSign,
  logBeta,
  logAddExp,
  logSumExp,
  log1pExp,
  logistic,
  hyp2f1,
  logHyp2f1,
  type SignedLog,
  type Hyp2f1Options,
} from './specialFunctions.ts';
