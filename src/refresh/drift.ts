/**
 * Drift of new data against the population a model was trained on, and the
 * `--retrain auto` rule built on it.
 *
 * Two measures, both against the model's training state (stored in
 * `model.json` under `reference` by discover and by every retrain):
 *
 * - the population stability index of every clustering feature over the
 *   training deciles: has the mix of customers changed?
 * - the centroid shift of every segment in the standardised feature space:
 *   do the customers the model puts in a segment still look like the ones it
 *   was trained on?
 */
import type { RetrainMode } from '../config.ts';
import type { CustomerFeatureMatrix } from '../features/build.ts';
import type { FeatureReference, ModelDocument } from '../model/modelDocument.ts';
import { binShares, segmentCentroids, standardisedFeatures } from '../segmentation/modelFile.ts';
import type { TransformChain } from '../segmentation/transformChain.ts';
import type { CentroidShift, DriftReport, FeatureDrift, RetrainDecision } from './types.ts';

/**
 * Share given to a bin that holds no customers on one side, so ln(a/e) stays
 * finite. 10⁻⁴ is the common choice: an empty bin that held 10 % of the
 * training customers then adds about 0.69 — a significant shift on its own,
 * as it should be.
 */
export const PSI_EMPTY_BIN_SHARE = 1e-4;

/**
 * `--retrain auto` retrains when any clustering feature's PSI reaches this:
 * the conventional line above which a population counts as significantly
 * shifted (below 0.1 stable, 0.1–0.25 moderate).
 */
export const RETRAIN_PSI = 0.25;

/**
 * `--retrain auto` retrains when any segment's centre has moved this far
 * from where it was at training, in training standard deviations. Half a
 * standard deviation is the distance at which a segment's typical customer
 * reads differently (e.g. a third more orders, a month less recency) —
 * measured on Online Retail, month-on-month shifts stay around 0.1–0.3 while
 * the customer mix is stable.
 */
export const RETRAIN_CENTROID_SHIFT = 0.5;

/** The PSI levels of {@link FeatureDrift.level}. */
export function psiLevel(psi: number): FeatureDrift['level'] {
  return psi < 0.1 ? 'stable' : psi < RETRAIN_PSI ? 'moderate' : 'significant';
}

/**
 * Population stability index of `values` against a feature's training
 * deciles: Σ (a − e) · ln(a / e) over the bins, with a = the share of the
 * new values and e = the training share in the bin (empty bins count as
 * {@link PSI_EMPTY_BIN_SHARE}). 0 when the distributions agree bin for bin.
 */
export function populationStabilityIndex(reference: FeatureReference, values: ArrayLike<number>): number {
  const actual = binShares(reference.edges, values);
  let psi = 0;
  for (let b = 0; b < actual.length; b += 1) {
    const e = Math.max(reference.shares[b] ?? 0, PSI_EMPTY_BIN_SHARE);
    const a = Math.max(actual[b], PSI_EMPTY_BIN_SHARE);
    // Both empty: the bin says nothing (deduplicated deciles leave none, but older hand-edited models might).
    if (actual[b] === 0 && (reference.shares[b] ?? 0) === 0) continue;
    psi += (a - e) * Math.log(a / e);
  }
  return psi;
}

/**
 * Measures drift of the current customers against the model's training
 * population. `segmentIds` are the segments the saved model gives the
 * current customers (customer_id order, like the feature columns).
 */
export function measureDrift(
  model: Pick<ModelDocument, 'features' | 'reference' | 'segments'>,
  chain: Pick<TransformChain, 'transformer' | 'scaler'>,
  features: CustomerFeatureMatrix,
  segmentIds: Int32Array,
): DriftReport {
  const thresholds = { psi: RETRAIN_PSI, centroid_shift: RETRAIN_CENTROID_SHIFT };
  const reference = model.reference;
  const names = new Map(model.segments.map((s) => [s.id, s.name]));
  const k = model.segments.length;
  const sizes = new Array<number>(k).fill(0);
  for (const id of segmentIds) sizes[id] += 1;
  if (!reference) {
    return {
      reference: false,
      psi: [],
      max_psi: null,
      centroid_shift: model.segments.map((s) => ({ segment_id: s.id, segment: s.name, customers: sizes[s.id], shift: null })),
      max_centroid_shift: null,
      thresholds,
    };
  }
  const psi: FeatureDrift[] = model.features.map((feature) => {
    const value = populationStabilityIndex(reference.features[feature], features.columns[feature]);
    return { feature, psi: round(value, 6), level: psiLevel(value), bins: reference.features[feature].edges.length + 1 };
  });
  const current = segmentCentroids(standardisedFeatures(chain, features.columns), segmentIds, k);
  const centroid_shift: CentroidShift[] = current.map((centre, id) => {
    const trained = reference.centroids[id];
    const shift = sizes[id] > 0 && trained ? euclidean(centre, trained) : null;
    return { segment_id: id, segment: names.get(id) ?? `segment ${id}`, customers: sizes[id], shift: shift === null ? null : round(shift, 6) };
  });
  const shifts = centroid_shift.map((c) => c.shift).filter((s): s is number => s !== null);
  return {
    reference: true,
    psi,
    max_psi: psi.length > 0 ? Math.max(...psi.map((p) => p.psi)) : null,
    centroid_shift,
    max_centroid_shift: shifts.length > 0 ? Math.max(...shifts) : null,
    thresholds,
  };
}

/**
 * The retrain rule. `never` and `always` do what they say; `auto` retrains
 * when the model has no training reference to compare with, when a segment
 * of the saved model is left without customers, when the largest PSI or
 * the largest centroid shift reaches its threshold, or (for a model found
 * on firmographics, `drift.firmographics`) when the largest firmographic
 * mean or prototype shift reaches its threshold. A model found on
 * firmographics alone is not retrained for behavioural drift. The reason
 * names the figure that decided.
 */
export function decideRetrain(mode: RetrainMode, drift: DriftReport): RetrainDecision {
  if (mode === 'never') return { mode, retrained: false, reason: '--retrain never' };
  if (mode === 'always') return { mode, retrained: true, reason: '--retrain always' };
  const firmographics = drift.firmographics;
  // A model found on firmographics alone does not use behaviour: its drift is reported, not decisive.
  const behaviourDecides = firmographics?.segment_on !== 'firmographics';
  if (!drift.reference && behaviourDecides) {
    return { mode, retrained: true, reason: 'model.json has no training reference (written before refresh existed), so drift cannot be measured' };
  }
  const empty = drift.centroid_shift.filter((c) => c.customers === 0);
  if (empty.length > 0) {
    return { mode, retrained: true, reason: `the saved model leaves ${empty.map((c) => `"${c.segment}"`).join(', ')} without customers` };
  }
  const worstFeature = [...drift.psi].sort((a, b) => b.psi - a.psi)[0];
  if (behaviourDecides && worstFeature && worstFeature.psi >= drift.thresholds.psi) {
    return { mode, retrained: true, reason: `PSI of ${worstFeature.feature} is ${fmt(worstFeature.psi)} ≥ ${drift.thresholds.psi}` };
  }
  const worstShift = [...drift.centroid_shift].sort((a, b) => (b.shift ?? -1) - (a.shift ?? -1))[0];
  if (behaviourDecides && worstShift && worstShift.shift !== null && worstShift.shift >= drift.thresholds.centroid_shift) {
    return { mode, retrained: true, reason: `the centre of "${worstShift.segment}" moved ${fmt(worstShift.shift)} sd ≥ ${drift.thresholds.centroid_shift}` };
  }
  if (firmographics) {
    const worstInput = [...firmographics.numeric].sort((a, b) => Math.abs(b.shift ?? 0) - Math.abs(a.shift ?? 0))[0];
    if (worstInput && worstInput.shift !== null && Math.abs(worstInput.shift) >= firmographics.threshold) {
      return { mode, retrained: true, reason: `the mean of ${worstInput.input} moved ${fmt(Math.abs(worstInput.shift))} sd ≥ ${firmographics.threshold}` };
    }
    const worstPrototype = [...firmographics.prototype_shift].sort((a, b) => (b.shift ?? -1) - (a.shift ?? -1))[0];
    if (worstPrototype && worstPrototype.shift !== null && worstPrototype.shift >= firmographics.threshold) {
      return {
        mode,
        retrained: true,
        reason: `the firmographic centre of "${worstPrototype.segment}" moved ${fmt(worstPrototype.shift)} sd ≥ ${firmographics.threshold}`,
      };
    }
    const firmographicPart = `max firmographic mean shift ${fmt(firmographics.max_numeric_shift)} sd and prototype shift ${fmt(firmographics.max_prototype_shift)} sd < ${firmographics.threshold}`;
    return {
      mode,
      retrained: false,
      reason: behaviourDecides
        ? `drift below the thresholds (max PSI ${fmt(drift.max_psi)} < ${drift.thresholds.psi}, max centroid shift ${fmt(drift.max_centroid_shift)} sd < ${drift.thresholds.centroid_shift}, ${firmographicPart})`
        : `firmographic drift below the thresholds (${firmographicPart}); the model does not segment on behaviour, so its drift does not decide`,
    };
  }
  return {
    mode,
    retrained: false,
    reason: `drift below the thresholds (max PSI ${fmt(drift.max_psi)} < ${drift.thresholds.psi}, max centroid shift ${fmt(drift.max_centroid_shift)} sd < ${drift.thresholds.centroid_shift})`,
  };
}

function euclidean(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let j = 0; j < a.length; j += 1) sum += (a[j] - b[j]) ** 2;
  return Math.sqrt(sum);
}

function fmt(x: number | null): string {
  return x === null ? 'n/a' : x.toFixed(3);
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
