/**
 * What a refresh records about itself in `manifest.json` (under `refresh`):
 * where its model and previous run came from, the drift it measured, whether
 * it retrained and why, how segments carried over, who moved, and the
 * publish checks it passed.
 */
import type { RetrainMode } from '../config.ts';

/** Population stability of one clustering feature against the model's training deciles. */
export interface FeatureDrift {
  feature: string;
  /** Σ (actual − expected) · ln(actual / expected) over the decile bins. */
  psi: number;
  /** `stable` below 0.1, `moderate` below 0.25, `significant` from 0.25 (the usual reading of PSI). */
  level: 'stable' | 'moderate' | 'significant';
  /** Bins compared (fewer than 10 when deciles coincide, e.g. for order counts). */
  bins: number;
}

/** How far one segment's centre moved since the model was trained. */
export interface CentroidShift {
  segment_id: number;
  segment: string;
  /** Customers the saved model puts in the segment now. */
  customers: number;
  /**
   * Euclidean distance between the segment's centre at training and now, in
   * the model's standardised feature space (one unit = one training
   * standard deviation); null when the segment has no customers now.
   */
  shift: number | null;
}

/** Drift of the new data against the model's training population. */
export interface DriftReport {
  /** False for models written before refresh existed (no training deciles). */
  reference: boolean;
  psi: FeatureDrift[];
  max_psi: number | null;
  centroid_shift: CentroidShift[];
  max_centroid_shift: number | null;
  /** `--retrain auto` retrains when max_psi or max_centroid_shift reaches these. */
  thresholds: { psi: number; centroid_shift: number };
  /**
   * For a model found on firmographics (`--segment-on firmographics|both`):
   * drift of the firmographic numbers. Absent for a behaviour-only model.
   */
  firmographics?: FirmographicDrift;
}

/** Drift of the firmographic inputs of a k-prototypes model (src/refresh/firmographics.ts). */
export interface FirmographicDrift {
  /** What the model segments on; with `firmographics`, behavioural drift is reported but does not decide a retrain. */
  segment_on: 'firmographics' | 'both';
  /** Per numeric input (after ln(1 + x)): its mean now against the training mean, over the customers with a value. */
  numeric: Array<{
    input: string;
    training_mean: number;
    training_std: number;
    /** null when no customer has a value. */
    mean: number | null;
    /** Share of the customers with a value. */
    known_share: number;
    /** (mean − training_mean) / training_std; null when no customer has a value. */
    shift: number | null;
  }>;
  /** Largest |shift| of a numeric input. */
  max_numeric_shift: number | null;
  /** Per segment: distance between its saved prototype and its customers' mean now, on the firmographic numbers (training sd). */
  prototype_shift: Array<{ segment_id: number; segment: string; customers: number; shift: number | null }>;
  max_prototype_shift: number | null;
  /** `--retrain auto` retrains when max_numeric_shift or max_prototype_shift reaches this. */
  threshold: number;
  /** Inputs drift is not measured for (the categorical ones: model.json keeps no training distribution of them). */
  not_measured: string[];
}

/** Whether the refresh refitted the model, and why. */
export interface RetrainDecision {
  mode: RetrainMode;
  retrained: boolean;
  reason: string;
}

/** How one segment of this run relates to the previous run's segments. */
export interface SegmentMatch {
  segment_id: number;
  segment: string;
  previous_segment_id: number | null;
  previous_segment: string | null;
  /** Centroid distance to the matched previous segment (standardised feature space); null without a match or without a retrain. */
  distance: number | null;
  /** `kept`: the saved model's segment; `matched`: a retrained segment that took over a previous one; `new`: no previous segment matched. */
  status: 'kept' | 'matched' | 'new';
}

/** Label continuity: which segments carried over, which are new, which vanished. */
export interface Continuity {
  method: string;
  /** A match farther apart than this (standardised units) is not a continuation. */
  max_distance: number;
  matches: SegmentMatch[];
  new: Array<{ id: number; name: string }>;
  vanished: Array<{ id: number; name: string; customers: number }>;
}

/** One publish check and its outcome. */
export interface PublishCheck {
  name: 'segment_min_share' | 'segment_max_share' | 'customer_count' | 'all_scored';
  passed: boolean;
  detail: string;
}

/** Customers between the previous run and this one. */
export interface MigrationSummary {
  /** Customers in both runs (the sum of the migration matrix without its new/gone rows). */
  in_both: number;
  /** In both runs and in the segment with the same id. */
  stayed: number;
  /** In both runs, in another segment. */
  moved: number;
  /** Only in this run. */
  new_customers: number;
  /** Only in the previous run. */
  gone_customers: number;
}

/** A run directory a refresh read. */
export interface RunReference {
  dir: string;
  command: string;
  as_of: string;
  customers: number;
}

/** The `refresh` block of `manifest.json`. */
export interface RefreshManifest {
  /** The model that scored the customers (and, after a retrain, was replaced). */
  model: { dir: string; as_of: string; created_at: string; input_sha256: string };
  /** The run whose segments this one continues (migration, publish checks). */
  previous: RunReference;
  /** True when this run repeated an as-of already published in --out (it started from the same state again). */
  rerun: boolean;
  retrain: RetrainDecision;
  drift: DriftReport;
  continuity: Continuity;
  migration: MigrationSummary;
  checks: PublishCheck[];
  /** The warehouse file the run was appended to; null for a dry run. */
  warehouse: string | null;
}
