import { InputError, show } from '../errors.ts';
import type { CustomerFeatureMatrix } from '../features/build.ts';
import { FeatureTransformer } from '../ml/featureTransform.ts';
import type { DenseMatrix } from '../ml/matrix.ts';
import { PCA } from '../ml/pca.ts';
import { StandardScaler } from '../ml/standardScaler.ts';
import { DEFAULT_CLUSTER_FEATURES, FEATURES, isFeatureName } from '../segments/features.ts';

/** Clustering features actually used, and those left out with the reason. */
export interface FeatureSelection {
  features: string[];
  dropped: Array<{ feature: string; reason: string }>;
}

/** The fitted chain feature transform → scaler → PCA, and the customers' PCA scores. */
export interface TransformChain {
  selection: FeatureSelection;
  transformer: FeatureTransformer;
  scaler: StandardScaler;
  pca: PCA;
  /** Customers × principal components: the space k-means works in. */
  scores: DenseMatrix;
}

/**
 * Picks the clustering features: `--features a,b,c` or the registry's
 * default set. Features that carry no information in this input (constant,
 * e.g. units_per_order without a quantity column) or are undefined for some
 * customers are left out with the reason — unless the user asked for them,
 * which is then an error.
 */
export function selectClusteringFeatures(features: CustomerFeatureMatrix, requested?: string): FeatureSelection {
  if (features.n < 3) {
    throw new InputError(`segmentation needs at least 3 customers with a purchase in the window, but the input has ${features.n}`);
  }
  const explicit = requested !== undefined;
  const names = explicit
    ? requested.split(',').map((s) => s.trim()).filter(Boolean)
    : [...DEFAULT_CLUSTER_FEATURES];
  const selected: string[] = [];
  const dropped: FeatureSelection['dropped'] = [];
  for (const name of names) {
    if (!isFeatureName(name) || !features.columns[name]) {
      throw new InputError(`--features: unknown feature ${show(name)}, expected some of ${Object.keys(features.columns).join(', ')}`);
    }
    const values = features.columns[name];
    let missing = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < values.length; i += 1) {
      const x = values[i];
      if (Number.isNaN(x)) missing += 1;
      else {
        if (x < min) min = x;
        if (x > max) max = x;
      }
    }
    const reason = missing > 0 ? `undefined for ${missing} customers` : min === max ? 'the same value for every customer' : null;
    if (reason === null) selected.push(name);
    else if (explicit) throw new InputError(`--features: ${name} cannot be used for clustering on this input: ${reason}`);
    else dropped.push({ feature: name, reason });
  }
  if (selected.length === 0) {
    throw new InputError(`no feature can be used for clustering on this input (${dropped.map((d) => `${d.feature}: ${d.reason}`).join('; ')})`);
  }
  return { features: selected, dropped };
}

/** Fits the chain on the customers and returns it with their PCA scores. */
export function fitTransformChain(features: CustomerFeatureMatrix, selection: FeatureSelection, options: { pcaVariance: number }): TransformChain {
  const transformer = new FeatureTransformer(
    selection.features.map((name) => ({ name, log1p: isFeatureName(name) && FEATURES[name].transform === 'log1p' })),
  );
  const transformed = transformer.fitTransform(features.columns);
  const scaler = new StandardScaler();
  const scaled = scaler.fitTransform(transformed);
  const pca = new PCA({ varianceThreshold: options.pcaVariance });
  const scores = pca.fitTransform(scaled);
  return { selection, transformer, scaler, pca, scores };
}

/** Applies a fitted chain to feature columns (new customers, or a refresh). */
export function applyTransformChain(chain: Pick<TransformChain, 'transformer' | 'scaler' | 'pca'>, columns: Record<string, Float64Array>): DenseMatrix {
  return chain.pca.transform(chain.scaler.transform(chain.transformer.transform(columns)));
}
