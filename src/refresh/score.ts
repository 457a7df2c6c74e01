/**
 * Scores customers with a saved model: the fitted chain from `model.json`
 * (feature transform → scaler → PCA → k-means) applied to the new features,
 * the same arithmetic discover did, so a customer with the same features
 * lands in the same segment.
 */
import type { CustomerFeatureMatrix } from '../features/build.ts';
import type { DenseMatrix } from '../ml/matrix.ts';
import { calinskiHarabasz, daviesBouldin, silhouetteScore } from '../ml/metrics.ts';
import type { FittedChain } from '../explain/clusteringSpace.ts';
import type { Clustering } from '../segmentation/cluster.ts';
import { applyTransformChain, type TransformChain } from '../segmentation/transformChain.ts';
import type { KScanEntry } from '../segments/types.ts';

/** Customers placed by the saved model. */
export interface ScoredCustomers {
  /** The saved chain with the customers' PCA scores, shaped like a freshly fitted one. */
  transformed: TransformChain;
  /** k-means label per customer (customer_id order); the k-prototypes label for a model found on firmographics (pipelines/refresh.ts). */
  labels: Int32Array;
  /** Segment id per customer, through the model's label_to_segment. */
  segmentIds: Int32Array;
  /** Distance of each customer to its centroid, in the PCA space (to its prototype, √ of the mixed dissimilarity, for a firmographic model). */
  distances: Float64Array;
}

/** The rule recorded in segments.json when the saved model was kept. */
export const KEPT_MODEL_RULE = 'the saved model, not refitted (see the refresh block of manifest.json for why)';

/** Puts every customer through the saved chain and assigns the nearest centroid. */
export function scoreCustomers(chain: FittedChain, features: CustomerFeatureMatrix): ScoredCustomers {
  const scores = applyTransformChain(chain, features.columns);
  const labels = chain.kmeans.predict(scores);
  const segmentIds = Int32Array.from(labels, (label) => chain.labelToSegment[label]);
  const distances = distancesToCentroid(scores, labels, chain.kmeans.centroids);
  return {
    transformed: {
      selection: { features: [...chain.features], dropped: [] },
      transformer: chain.transformer,
      scaler: chain.scaler,
      pca: chain.pca,
      scores,
    },
    labels,
    segmentIds,
    distances,
  };
}

/**
 * The saved model's clustering of the current customers, with its quality
 * measured on them (silhouette on the same seeded sample size as discover).
 * Stability is not measured: nothing was refitted, so there is nothing to
 * resample; it is NaN (null in JSON).
 */
export function keptClustering(
  chain: FittedChain,
  scored: ScoredCustomers,
  options: { seed: number; silhouetteSample: number; requestedK: string },
): Clustering {
  const X = scored.transformed.scores;
  const k = chain.kmeans.k;
  const centroids = chain.kmeans.centroids;
  const nonEmpty = new Set(scored.labels).size;
  let inertia = 0;
  for (const d of scored.distances) inertia += d * d;
  const entry: KScanEntry = {
    k,
    silhouette: nonEmpty >= 2 && X.rows > nonEmpty ? silhouetteScore(X, scored.labels, { sampleSize: options.silhouetteSample, seed: options.seed }) : NaN,
    calinski_harabasz: nonEmpty >= 2 && X.rows > nonEmpty ? calinskiHarabasz(X, scored.labels, k) : NaN,
    davies_bouldin: nonEmpty >= 2 && X.rows > nonEmpty ? daviesBouldin(X, scored.labels, centroids) : NaN,
    inertia,
    stability: NaN,
  };
  return {
    k,
    model: chain.kmeans,
    segmentIds: scored.segmentIds,
    labelToSegment: [...chain.labelToSegment],
    distances: scored.distances,
    quality: { silhouette: entry.silhouette, calinski_harabasz: entry.calinski_harabasz, davies_bouldin: entry.davies_bouldin, inertia, stability: NaN },
    scan: [entry],
    choice: { rule: KEPT_MODEL_RULE, requested: options.requestedK, chosen: k },
    segmentStability: new Array<number>(k).fill(NaN),
  };
}

function distancesToCentroid(X: DenseMatrix, labels: Int32Array, centroids: DenseMatrix): Float64Array {
  const { data, rows, cols } = X;
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i += 1) {
    const c = labels[i] * cols;
    let sum = 0;
    for (let j = 0; j < cols; j += 1) sum += (data[i * cols + j] - centroids.data[c + j]) ** 2;
    out[i] = Math.sqrt(sum);
  }
  return out;
}
