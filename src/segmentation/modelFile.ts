import type { DiscoverOptions } from '../config.ts';
import type { IngestedInput } from '../ingest/index.ts';
import { MODEL_FORMAT, type ModelDocument } from '../model/modelDocument.ts';
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
  transformed: TransformChain;
  clustering: Clustering;
  segments: SegmentsDocument;
}): ModelDocument {
  const { options, input, staged, transformed, clustering, segments } = run;
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
  };
}
