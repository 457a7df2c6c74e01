/** The machine-learning kernels of segmenta: dense matrices, seeded randomness, estimators and metrics. */
export {
  type DenseMatrix,
  type ColumnStats,
  denseMatrix,
  fromColumns,
  fromRows,
  toRows,
  row,
  gatherRows,
  checkMatrix,
  columnStats,
} from './matrix.ts';
export { Rng, deriveSeed } from './rng.ts';
export { StandardScaler, STANDARD_SCALER_FORMAT, type StandardScalerJSON } from './standardScaler.ts';
export { PCA, PCA_FORMAT, type PCAOptions, type PCAJSON } from './pca.ts';
export { lloydAssign, lloydAssignLoop, MAX_UNROLLED_D, type LloydAssign } from './kernels/lloyd.ts';
export { KMeans, KMEANS_FORMAT, type KMeansOptions, type KMeansJSON, type KMeansInit } from './kmeans.ts';
export {
  silhouetteSamples,
  silhouetteScore,
  calinskiHarabasz,
  daviesBouldin,
  adjustedRandIndex,
  contingencyTable,
  jaccard,
  type SilhouetteOptions,
  type Contingency,
} from './metrics.ts';
export { bootstrapStability, type ClusterFitter, type StabilityOptions, type StabilityResult } from './stability.ts';
export {
  scanK,
  chooseK,
  K_CHOICE_RULE,
  K_CHOICE_SILHOUETTE_TOLERANCE,
  K_CHOICE_MIN_STABILITY,
  type ScanKOptions,
  type ScanKResult,
} from './kScan.ts';
