import { InputError } from '../errors.ts';
import type { FeatureTransformJSON } from '../ml/featureTransform.ts';
import type { LifecycleThresholds } from '../rules/lifecycle.ts';
import type { ModelValueSection } from '../value/model.ts';

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
  /** Customer-lifetime-value models (BG/NBD or MBG/NBD and Gamma-Gamma), when the run fitted them; score with `scoreValue` (src/value/model.ts). */
  value?: ModelValueSection;
}

/** Checks the format tag of a parsed model.json. */
export function checkModelDocument(json: unknown, source: string): ModelDocument {
  const format = (json as { format?: unknown } | null)?.format;
  if (format !== MODEL_FORMAT) {
    throw new InputError(`${source}: expected a segmenta model (format ${MODEL_FORMAT}), got format ${JSON.stringify(format)}`);
  }
  return json as ModelDocument;
}
