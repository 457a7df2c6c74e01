import { runCurrency } from '../publish/manifest.ts';
import type { DiscoverOptions } from '../config.ts';
import type { CustomerFeatureMatrix } from '../features/build.ts';
import type { IngestedInput } from '../ingest/index.ts';
import { quantileSorted } from '../ml/featureTransform.ts';
import { MODEL_FORMAT, type DriftReference, type FeatureReference, type ModelDocument } from '../model/modelDocument.ts';
import type { StagedLines } from '../staging/index.ts';
import type { SegmentsDocument } from '../segments/types.ts';
import { SEGMENTA_VERSION } from '../version.ts';
import type { Clustering } from './cluster.ts';
import type { TransformChain } from './transformChain.ts';

/** Serialises the fitted chain and the segment names into `model.json`. */
export function buildModelDocument(run: {
  options: DiscoverOptions;
  input: IngestedInput;
  staged: StagedLines;
  features: CustomerFeatureMatrix;
  transformed: TransformChain;
  clustering: Clustering;
  segments: SegmentsDocument;
}): ModelDocument {
  const { options, input, staged, features, transformed, clustering, segments } = run;
  const currency = runCurrency(options.currency, staged.dataQuality);
  return {
    format: MODEL_FORMAT,
    segmenta_version: SEGMENTA_VERSION,
    created_at: new Date().toISOString(),
    seed: options.seed,
    as_of: staged.asOf,
    input: { path: input.path, sha256: input.sha256, rows_used: staged.rows.used, customers: segments.segments.reduce((a, s) => a + s.size, 0) },
    features: transformed.selection.features,
    transform: transformed.transformer.toJSON(),
    scaler: transformed.scaler.toJSON(),
    pca: transformed.pca.toJSON(),
    kmeans: clustering.model.toJSON(),
    label_to_segment: clustering.labelToSegment,
    segments: segments.segments.map((s) => ({
      id: s.id,
      name: s.name,
      size: s.size,
      centroid: Object.fromEntries(transformed.selection.features.map((f) => [f, s.profile[f]])),
    })),
    lifecycle: { inactiveDays: options.inactiveDays, atRiskDays: options.atRiskDays, newDays: options.newDays },
    ...(currency ? { currency } : {}),
    reference: buildDriftReference(features, transformed, clustering.segmentIds, clustering.k),
  };
}

/**
 * The training population a refresh measures drift against: decile bins of
 * every clustering feature (for the population stability index) and every
 * segment's centre in the standardised feature space (for centroid shift).
 */
export function buildDriftReference(
  features: CustomerFeatureMatrix,
  chain: Pick<TransformChain, 'selection' | 'transformer' | 'scaler'>,
  segmentIds: Int32Array,
  k: number,
): DriftReference {
  const names = chain.selection.features;
  const reference: Record<string, FeatureReference> = {};
  for (const name of names) reference[name] = featureDeciles(features.columns[name]);
  return {
    method: 'deciles',
    customers: features.n,
    features: reference,
    centroids: segmentCentroids(standardisedFeatures(chain, features.columns), segmentIds, k).map((c) => c.map((x) => round(x, 6))),
  };
}

/** Customers × features after the chain's feature transform and scaler (no PCA rotation). */
export function standardisedFeatures(
  chain: Pick<TransformChain, 'transformer' | 'scaler'>,
  columns: Record<string, Float64Array>,
): { data: Float64Array; rows: number; cols: number } {
  return chain.scaler.transform(chain.transformer.transform(columns));
}

/** Mean row of every segment id in 0..k−1 (NaN for a segment without rows). */
export function segmentCentroids(X: { data: Float64Array; rows: number; cols: number }, segmentIds: ArrayLike<number>, k: number): number[][] {
  const sums = Array.from({ length: k }, () => new Float64Array(X.cols));
  const counts = new Float64Array(k);
  for (let i = 0; i < X.rows; i += 1) {
    const id = segmentIds[i];
    counts[id] += 1;
    for (let j = 0; j < X.cols; j += 1) sums[id][j] += X.data[i * X.cols + j];
  }
  return sums.map((sum, id) => Array.from(sum, (s) => (counts[id] > 0 ? s / counts[id] : NaN)));
}

/**
 * Decile edges of one feature (NaN skipped), deduplicated, and the share of
 * values in each bin under {@link referenceBin}.
 */
export function featureDeciles(values: Float64Array): FeatureReference {
  const finite = withoutNaN(values).sort();
  const edges: number[] = [];
  for (let q = 1; q <= 9; q += 1) {
    const edge = quantileSorted(finite, q / 10);
    if (Number.isFinite(edge) && (edges.length === 0 || edge > edges[edges.length - 1])) edges.push(edge);
  }
  return { edges, shares: binShares(edges, finite).map((s) => round(s, 6)) };
}

/** A copy of `values` without NaN; a plain loop, as `filter` with a callback took longer than the sort after it. */
function withoutNaN(values: Float64Array): Float64Array {
  const out = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i += 1) {
    const x = values[i];
    if (!Number.isNaN(x)) out[n++] = x;
  }
  return n === values.length ? out : out.slice(0, n);
}

/** The bin of x: the number of edges strictly below it, so bins are (−∞, e₀], (e₀, e₁], …, (eₘ₋₁, ∞). */
export function referenceBin(edges: readonly number[], x: number): number {
  let low = 0;
  let high = edges.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (x > edges[mid]) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Share of the (non-NaN) values in each of the edges.length + 1 bins. */
export function binShares(edges: readonly number[], values: ArrayLike<number>): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  let n = 0;
  for (let i = 0; i < values.length; i += 1) {
    const x = values[i];
    if (Number.isNaN(x)) continue;
    counts[referenceBin(edges, x)] += 1;
    n += 1;
  }
  return counts.map((c) => (n > 0 ? c / n : 0));
}

function round(x: number, digits: number): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
