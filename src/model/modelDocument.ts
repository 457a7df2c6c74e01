import { InputError } from '../errors.ts';
import type { FeatureTransformJSON } from '../ml/featureTransform.ts';
import type { LifecycleThresholds } from '../rules/lifecycle.ts';
import type { ModelValueSection } from '../value/model.ts';
import type { FirmographicModelSection } from '../segmentation/firmographicClustering.ts';

/** The format tag of `model.json`. */
export const MODEL_FORMAT = 'segmenta.model/v1';

/**
 * `model.json`: everything needed to score new customers exactly as
 * `discover` did — the estimator chain (feature transform → scaler → PCA →
 * k-means), the segment names, and where the model came from.
 */
export interface ModelDocument {
  format: typeof MODEL_FORMAT;
  segmenta_version: string;
  created_at: string;
  seed: number;
  as_of: string;
  input: { path: string; sha256: string; rows_used: number; customers: number };
  /** Features in the order the chain expects them. */
  features: string[];
  transform: FeatureTransformJSON;
  scaler: unknown;
  pca: unknown;
  kmeans: unknown;
  /** Cluster label of the k-means model → segment id (ordered by revenue). */
  label_to_segment: number[];
  segments: Array<{ id: number; name: string; size: number; centroid: Record<string, number> }>;
  lifecycle: LifecycleThresholds;
  /** ISO 4217 code of the amounts the model was trained on (a refresh without --currency takes it); absent when unknown. */
  currency?: string;
  /**
   * The training population, for measuring drift on a refresh. Absent in
   * models written before refresh existed; refresh then cannot measure drift.
   */
  reference?: DriftReference;
  /** Customer-lifetime-value models (BG/NBD or MBG/NBD and Gamma-Gamma), when the run fitted them; score with `scoreValue` (src/value/model.ts). */
  value?: ModelValueSection;
  /**
   * With `--segment-on firmographics|both`: the k-prototypes model that assigned the segments and how
   * customers are encoded for it. `kmeans` then holds the segments' mean PCA scores, which place them
   * on the map but do not assign customers; score with `scoreFirmographicSegments` (src/segmentation/firmographicClustering.ts).
   */
  firmographics?: FirmographicModelSection;
}

/**
 * One feature's training distribution in deciles: the distinct decile edges
 * and the share of training customers in each bin. Bins are (−∞, e₀],
 * (e₀, e₁], …, (eₘ₋₁, ∞); edges are deduplicated, so a feature with many
 * equal values (most customers have one order) has fewer, unequal bins —
 * which is why the shares are stored rather than assumed to be 10 % each.
 */
export interface FeatureReference {
  edges: number[];
  shares: number[];
}

/** What a refresh compares new data with: the model's training distribution and centroids. */
export interface DriftReference {
  method: 'deciles';
  /** Customers the model was trained on. */
  customers: number;
  /** Per clustering feature, its training deciles (raw feature values). */
  features: Record<string, FeatureReference>;
  /**
   * Per segment id, the mean of its training customers after the feature
   * transform and scaler (features in model order): the segment's centre in
   * the standardised feature space, where one unit is one training standard
   * deviation. PCA axes are refitted by every retrain, so centroid shifts are
   * measured before the rotation.
   */
  centroids: number[][];
}

/** Checks the format tag of a parsed model.json. */
export function checkModelDocument(json: unknown, source: string): ModelDocument {
  const format = (json as { format?: unknown } | null)?.format;
  if (format !== MODEL_FORMAT) {
    throw new InputError(`${source}: expected a segmenta model (format ${MODEL_FORMAT}), got format ${JSON.stringify(format)}`);
  }
  return json as ModelDocument;
}
