import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PSI_EMPTY_BIN_SHARE, RETRAIN_CENTROID_SHIFT, RETRAIN_PSI, decideRetrain, measureDrift, populationStabilityIndex, psiLevel } from '../../src/refresh/drift.ts';
import { binShares, featureDeciles, referenceBin } from '../../src/segmentation/modelFile.ts';
import { FeatureTransformer } from '../../src/ml/featureTransform.ts';
import { StandardScaler } from '../../src/ml/standardScaler.ts';
import type { DriftReport } from '../../src/refresh/types.ts';

function range(n: number, f: (i: number) => number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => f(i));
}

describe('decile reference', () => {
  it('bins are (−∞, e₀], (e₀, e₁], …, (eₘ₋₁, ∞)', () => {
    const edges = [1, 2, 5];
    expect([0, 1, 1.5, 2, 3, 5, 6].map((x) => referenceBin(edges, x))).toEqual([0, 0, 1, 1, 2, 2, 3]);
  });

  it('puts a tenth of a continuous feature in each of ten bins', () => {
    const values = range(1000, (i) => i);
    const reference = featureDeciles(values);
    expect(reference.edges).toHaveLength(9);
    for (const share of reference.shares) expect(share).toBeCloseTo(0.1, 2);
  });

  it('deduplicates the deciles of a feature with many equal values and stores the true shares', () => {
    // Like order counts: 60 % of customers have 1 order, 20 % have 2, the rest 3..22.
    const values = range(100, (i) => (i < 60 ? 1 : i < 80 ? 2 : i - 77));
    const reference = featureDeciles(values);
    expect(new Set(reference.edges).size).toBe(reference.edges.length);
    expect(reference.edges[0]).toBe(1);
    expect(reference.shares[0]).toBeCloseTo(0.6, 6);
    expect(reference.shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it('skips NaN', () => {
    expect(binShares([1], Float64Array.of(0, NaN, 2, 3))).toEqual([1 / 3, 2 / 3]);
  });
});

describe('population stability index', () => {
  const training = range(2000, (i) => Math.exp(i / 400));
  const reference = featureDeciles(training);

  it('is 0 for the training data itself', () => {
    expect(populationStabilityIndex(reference, training)).toBeCloseTo(0, 6);
  });

  it('is small for a resample of the same distribution and large for a shifted one', () => {
    const same = range(1000, (i) => Math.exp((2 * i + 1) / 400));
    const shifted = range(2000, (i) => Math.exp(i / 400) * 3);
    expect(populationStabilityIndex(reference, same)).toBeLessThan(0.1);
    expect(populationStabilityIndex(reference, shifted)).toBeGreaterThan(RETRAIN_PSI);
  });

  it('counts an emptied bin with the floor share instead of dividing by zero', () => {
    // Every new value above the top edge: the other nine bins are empty.
    const psi = populationStabilityIndex(reference, range(100, () => 1e9));
    expect(Number.isFinite(psi)).toBe(true);
    const top = reference.shares[reference.shares.length - 1];
    const expected = (1 - top) * Math.log(1 / top) + reference.shares.slice(0, -1).reduce((s, e) => s + (PSI_EMPTY_BIN_SHARE - e) * Math.log(PSI_EMPTY_BIN_SHARE / e), 0);
    expect(psi).toBeCloseTo(expected, 9);
  });

  it('is never negative (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }),
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }),
        (a, b) => populationStabilityIndex(featureDeciles(Float64Array.from(a)), Float64Array.from(b)) >= -1e-12,
      ),
    );
  });

  it('reads as stable, moderate or significant at 0.1 and 0.25', () => {
    expect([0.05, 0.1, 0.2, 0.25, 1].map(psiLevel)).toEqual(['stable', 'moderate', 'moderate', 'significant', 'significant']);
  });
});

describe('measureDrift', () => {
  // Two features, two segments: the first 100 customers low, the next 100 high.
  const columns = { a: range(200, (i) => (i < 100 ? i : 1000 + i)), b: range(200, (i) => (i % 10) + (i < 100 ? 0 : 50)) };
  const transformer = new FeatureTransformer([
    { name: 'a', log1p: false },
    { name: 'b', log1p: false },
  ]);
  const scaler = new StandardScaler();
  scaler.fit(transformer.fit(columns).transform(columns));
  const ids = Int32Array.from({ length: 200 }, (_, i) => (i < 100 ? 0 : 1));
  const centre = (id: number) => {
    const scaled = scaler.transform(transformer.transform(columns));
    const sum = [0, 0];
    for (let i = 0; i < 200; i += 1) if (ids[i] === id) for (let j = 0; j < 2; j += 1) sum[j] += scaled.data[i * 2 + j];
    return sum.map((s) => s / 100);
  };
  const model = {
    features: ['a', 'b'],
    segments: [
      { id: 0, name: 'Low', size: 100, centroid: {} },
      { id: 1, name: 'High', size: 100, centroid: {} },
    ],
    reference: {
      method: 'deciles' as const,
      customers: 200,
      features: { a: featureDeciles(columns.a), b: featureDeciles(columns.b) },
      centroids: [centre(0), centre(1)],
    },
  };

  it('finds no drift on the training data', () => {
    const drift = measureDrift(model, { transformer, scaler }, { n: 200, columns }, ids);
    expect(drift.reference).toBe(true);
    expect(drift.max_psi).toBeCloseTo(0, 6);
    expect(drift.max_centroid_shift).toBeCloseTo(0, 5);
    expect(decideRetrain('auto', drift)).toMatchObject({ retrained: false });
  });

  it('measures a segment whose customers moved, and auto retrains on it', () => {
    const moved = { a: columns.a.map((x, i) => (i < 100 ? x + 60 : x)), b: columns.b };
    const drift = measureDrift(model, { transformer, scaler }, { n: 200, columns: moved }, ids);
    const low = drift.centroid_shift.find((c) => c.segment === 'Low')!;
    const high = drift.centroid_shift.find((c) => c.segment === 'High')!;
    expect(low.shift!).toBeGreaterThan(0.05);
    expect(high.shift!).toBeCloseTo(0, 6);
    expect(drift.psi.find((p) => p.feature === 'a')!.psi).toBeGreaterThan(0);
  });

  it('reports missing reference figures as null for an old model', () => {
    const drift = measureDrift({ ...model, reference: undefined }, { transformer, scaler }, { n: 200, columns }, ids);
    expect(drift).toMatchObject({ reference: false, psi: [], max_psi: null, max_centroid_shift: null });
    expect(drift.centroid_shift.map((c) => c.customers)).toEqual([100, 100]);
  });
});

describe('decideRetrain', () => {
  const calm: DriftReport = {
    reference: true,
    psi: [
      { feature: 'recency_days', psi: 0.05, level: 'stable', bins: 10 },
      { feature: 'tenure_days', psi: 0.2, level: 'moderate', bins: 10 },
    ],
    max_psi: 0.2,
    centroid_shift: [
      { segment_id: 0, segment: 'Champions', customers: 10, shift: 0.3 },
      { segment_id: 1, segment: 'Lapsed', customers: 10, shift: 0.1 },
    ],
    max_centroid_shift: 0.3,
    thresholds: { psi: RETRAIN_PSI, centroid_shift: RETRAIN_CENTROID_SHIFT },
  };

  it('never and always ignore the drift', () => {
    expect(decideRetrain('never', { ...calm, max_psi: 9 })).toEqual({ mode: 'never', retrained: false, reason: '--retrain never' });
    expect(decideRetrain('always', calm)).toEqual({ mode: 'always', retrained: true, reason: '--retrain always' });
  });

  it('auto keeps the model below both thresholds and says so', () => {
    const decision = decideRetrain('auto', calm);
    expect(decision.retrained).toBe(false);
    expect(decision.reason).toMatch(/max PSI 0\.200 < 0\.25, max centroid shift 0\.300 sd < 0\.5/);
  });

  it('auto retrains at the PSI threshold, naming the feature', () => {
    const drift = { ...calm, psi: [calm.psi[0], { ...calm.psi[1], psi: RETRAIN_PSI, level: 'significant' as const }] };
    expect(decideRetrain('auto', drift)).toEqual({ mode: 'auto', retrained: true, reason: 'PSI of tenure_days is 0.250 ≥ 0.25' });
  });

  it('auto retrains at the centroid-shift threshold, naming the segment', () => {
    const drift = { ...calm, centroid_shift: [{ ...calm.centroid_shift[0], shift: 0.7 }, calm.centroid_shift[1]] };
    expect(decideRetrain('auto', drift).reason).toBe('the centre of "Champions" moved 0.700 sd ≥ 0.5');
  });

  it('auto retrains when a segment of the saved model is left empty, or there is no reference', () => {
    const empty = { ...calm, centroid_shift: [calm.centroid_shift[0], { ...calm.centroid_shift[1], customers: 0, shift: null }] };
    expect(decideRetrain('auto', empty)).toMatchObject({ retrained: true, reason: 'the saved model leaves "Lapsed" without customers' });
    expect(decideRetrain('auto', { ...calm, reference: false })).toMatchObject({ retrained: true });
  });
});
