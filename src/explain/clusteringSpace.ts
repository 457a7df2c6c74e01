/**
 * Places one customer in a run's clustering space, with the fitted chain
 * restored from `model.json` (feature transform → scaler → PCA → k-means):
 * the same arithmetic `discover` did, so the distances are the ones the
 * clustering saw, not an approximation in raw units.
 */
import { InputError, show } from '../errors.ts';
import { FeatureTransformer } from '../ml/featureTransform.ts';
import { KMeans } from '../ml/kmeans.ts';
import { PCA } from '../ml/pca.ts';
import { StandardScaler } from '../ml/standardScaler.ts';
import type { ModelDocument } from '../model/modelDocument.ts';
import { applyTransformChain } from '../segmentation/transformChain.ts';

/** The estimators of a run, restored from its `model.json`. */
export interface FittedChain {
  /** Clustering features, in the order the chain expects them. */
  features: string[];
  transformer: FeatureTransformer;
  scaler: StandardScaler;
  pca: PCA;
  kmeans: KMeans;
  /** k-means label → segment id (segment 0 has the most revenue). */
  labelToSegment: number[];
}

/**
 * Restores the estimator chain of a model document.
 *
 * @throws InputError when a part is missing or has another format, or when
 *   `label_to_segment` is not a permutation of the k-means labels.
 */
export function loadFittedChain(model: ModelDocument, source = 'model.json'): FittedChain {
  try {
    const transformer = FeatureTransformer.fromJSON(model.transform);
    const scaler = StandardScaler.fromJSON(model.scaler);
    const pca = PCA.fromJSON(model.pca);
    const kmeans = KMeans.fromJSON(model.kmeans);
    const mapping = model.label_to_segment;
    const k = kmeans.k;
    const isPermutation =
      Array.isArray(mapping) && mapping.length === k && [...mapping].sort((a, b) => a - b).every((id, i) => id === i);
    if (!isPermutation) throw new InputError(`label_to_segment must map the ${k} k-means labels to segment ids 0..${k - 1}`);
    if (transformer.featureNames.length !== pca.nFeatures || kmeans.centroids.cols !== pca.nComponents) {
      throw new InputError('the transform, PCA and k-means parts do not fit together (feature or component counts differ)');
    }
    return { features: transformer.featureNames, transformer, scaler, pca, kmeans, labelToSegment: [...mapping] };
  } catch (error) {
    if (error instanceof InputError) throw new InputError(`${source}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** A customer's distance to one segment's centroid, in the clustering space. */
export interface CentroidDistance {
  segmentId: number;
  distance: number;
}

/**
 * How much one feature moves the customer toward its own segment rather than
 * the runner-up: the difference of squared distances along that feature,
 * measured in standardised units after the PCA projection. The contributions
 * of all features add up to d²(runner-up) − d²(own).
 */
export interface FeatureMargin {
  feature: string;
  /** Customer's value after transform, scaling and projection onto the kept components. */
  customer: number;
  /** The own segment's centroid in the same units. */
  own: number;
  /** The runner-up's centroid in the same units. */
  runnerUp: number;
  /** (customer − runner-up)² − (customer − own)²: positive pulls toward the own segment. */
  contribution: number;
}

/** Where a customer sits in the clustering space. */
export interface Placement {
  /** Principal-component scores of the customer. */
  scores: number[];
  /** Distance to every segment's centroid, nearest first (ties by segment id). */
  distances: CentroidDistance[];
  /** Per feature, what separates `ownSegment` from the nearest other segment; empty with one segment. */
  margins: FeatureMargin[];
  /** The segment the margins are measured for. */
  ownSegment: number;
  /** The nearest segment other than `ownSegment`, or null with one segment. */
  runnerUp: number | null;
}

/**
 * Puts one customer through the fitted chain and measures its distance to
 * every centroid.
 *
 * @param values - the customer's raw feature values, by feature name (every clustering feature).
 * @param ownSegment - the segment the run assigned; the margins compare it with the nearest other
 *   segment. Defaults to the nearest segment.
 * @throws InputError when a clustering feature has no finite value.
 */
export function placeCustomer(chain: FittedChain, values: Record<string, number | null | undefined>, ownSegment?: number): Placement {
  const columns: Record<string, Float64Array> = {};
  for (const feature of chain.features) {
    const value = values[feature];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new InputError(`clustering feature ${show(feature)} has no value for this customer`);
    }
    columns[feature] = Float64Array.of(value);
  }
  const scores = applyTransformChain(chain, columns);
  const byLabel = chain.kmeans.transform(scores).data;
  const distances = Array.from(byLabel, (distance, label) => ({ segmentId: chain.labelToSegment[label], distance })).sort(
    (a, b) => a.distance - b.distance || a.segmentId - b.segmentId,
  );
  const own = ownSegment ?? distances[0].segmentId;
  if (!distances.some((d) => d.segmentId === own)) throw new InputError(`segment ${own} is not in the model`);
  const runnerUp = distances.find((d) => d.segmentId !== own)?.segmentId ?? null;

  let margins: FeatureMargin[] = [];
  if (runnerUp !== null) {
    // Back to standardised feature units: the projection keeps distances
    // within the kept components, so the per-feature terms add up exactly to
    // the difference of squared distances k-means compared.
    const projected = chain.pca.inverseTransform(scores).data;
    const centroids = chain.pca.inverseTransform(chain.kmeans.centroids);
    const d = centroids.cols;
    const ownRow = chain.labelToSegment.indexOf(own) * d;
    const runnerRow = chain.labelToSegment.indexOf(runnerUp) * d;
    margins = chain.features.map((feature, j) => {
      const customer = projected[j];
      const ownValue = centroids.data[ownRow + j];
      const runnerValue = centroids.data[runnerRow + j];
      return {
        feature,
        customer,
        own: ownValue,
        runnerUp: runnerValue,
        contribution: (customer - runnerValue) ** 2 - (customer - ownValue) ** 2,
      };
    });
  }
  return { scores: Array.from(scores.data), distances, margins, ownSegment: own, runnerUp };
}
