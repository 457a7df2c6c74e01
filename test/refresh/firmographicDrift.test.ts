/**
 * Drift and continuity of a model found on firmographics
 * (src/refresh/firmographics.ts), on hand-made inputs with known answers.
 */
import { describe, expect, it } from 'vitest';
import { RETRAIN_CENTROID_SHIFT, RETRAIN_PSI, decideRetrain } from '../../src/refresh/drift.ts';
import {
  RETRAIN_FIRMOGRAPHIC_SHIFT,
  firmographicCentres,
  measureFirmographicDrift,
  requireMasterForModel,
} from '../../src/refresh/firmographics.ts';
import type { DriftReport, FirmographicDrift } from '../../src/refresh/types.ts';
import {
  FIRMOGRAPHIC_CATEGORIES,
  FIRMOGRAPHIC_GAMMA,
  FIRMOGRAPHIC_MODEL_FORMAT,
  type FirmographicInputs,
  type FirmographicModelSection,
  type MixedEncoding,
} from '../../src/segmentation/firmographicClustering.ts';
import { KPROTOTYPES_FORMAT } from '../../src/ml/kPrototypes.ts';

const encoding: MixedEncoding = {
  segment_on: 'firmographics',
  behaviour: null,
  numeric: [
    { name: 'log_employees', mean: 2, std: 1 },
    { name: 'log_annual_revenue', mean: 14, std: 2 },
  ],
  categorical: (Object.keys(FIRMOGRAPHIC_CATEGORIES) as (keyof typeof FIRMOGRAPHIC_CATEGORIES)[]).map((name) => ({
    name,
    levels: [...FIRMOGRAPHIC_CATEGORIES[name]],
  })),
  gamma: FIRMOGRAPHIC_GAMMA,
};

/** Two prototypes: (0, 0) and (2, 1) in standardised units; label 1 is segment 0. */
const section: FirmographicModelSection = {
  format: FIRMOGRAPHIC_MODEL_FORMAT,
  method: 'k-prototypes',
  segment_on: 'firmographics',
  encoding,
  kprototypes: {
    format: KPROTOTYPES_FORMAT,
    k: 2,
    p: 2,
    q: 3,
    gamma: FIRMOGRAPHIC_GAMMA,
    standardize: false,
    numericMeans: [0, 0],
    numericScales: [1, 1],
    centroids: [
      [0, 0],
      [2, 1],
    ],
    modes: [
      [0, 0, 0],
      [1, 1, 1],
    ],
    cost: 0,
    iterations: 1,
    converged: true,
  },
  label_to_segment: [1, 0],
};

function inputs(employees: number[], revenue: number[], sections: number[]): FirmographicInputs {
  const n = employees.length;
  return {
    n,
    numeric: { log_employees: Float64Array.from(employees), log_annual_revenue: Float64Array.from(revenue) },
    codes: { wz_section: Int32Array.from(sections), size_class: new Int32Array(n), state: new Int32Array(n) },
  };
}

describe('measureFirmographicDrift', () => {
  const names = new Map([
    [0, 'Large manufacturers'],
    [1, 'Small traders'],
  ]);

  it('finds no drift when the customers sit on their prototypes', () => {
    // segment 1 (label 0) at (0, 0) → raw (2, 14); segment 0 (label 1) at (2, 1) → raw (4, 16).
    const drift = measureFirmographicDrift(section, inputs([2, 2, 4, 4], [14, 14, 16, 16], [0, 0, 1, 1]), Int32Array.of(1, 1, 0, 0), names);
    expect(drift.prototype_shift).toEqual([
      { segment_id: 0, segment: 'Large manufacturers', customers: 2, shift: 0 },
      { segment_id: 1, segment: 'Small traders', customers: 2, shift: 0 },
    ]);
    expect(drift.max_prototype_shift).toBe(0);
    // The population mean is (3, 15): 1 sd and 0.5 sd above the training means of 2 and 14.
    expect(drift.numeric.map((n) => n.shift)).toEqual([1, 0.5]);
    expect(drift.max_numeric_shift).toBe(1);
  });

  it('measures prototype shift in training sd, with unknown values counted as the training mean', () => {
    // Segment 1's customers: employees 3 (+1 sd) and unknown (0 sd): mean +0.5 sd away from (0, 0).
    const drift = measureFirmographicDrift(section, inputs([3, NaN], [14, 14], [0, 0]), Int32Array.of(1, 1), names);
    expect(drift.prototype_shift[1]).toMatchObject({ customers: 2, shift: 0.5 });
    expect(drift.prototype_shift[0]).toMatchObject({ customers: 0, shift: null });
    // Over the customers with a value: employees 3, one of two known.
    expect(drift.numeric[0]).toMatchObject({ input: 'log_employees', mean: 3, known_share: 0.5, shift: 1 });
  });
});

describe('decideRetrain with firmographic drift', () => {
  const firmographics: FirmographicDrift = {
    segment_on: 'both',
    numeric: [{ input: 'log_employees', training_mean: 2, training_std: 1, mean: 2.1, known_share: 1, shift: 0.1 }],
    max_numeric_shift: 0.1,
    prototype_shift: [{ segment_id: 0, segment: 'Large manufacturers', customers: 5, shift: 0.2 }],
    max_prototype_shift: 0.2,
    threshold: RETRAIN_FIRMOGRAPHIC_SHIFT,
    not_measured: ['wz_section', 'size_class', 'state'],
  };
  const drift: DriftReport = {
    reference: true,
    psi: [{ feature: 'recency_days', psi: 0.05, level: 'stable', bins: 10 }],
    max_psi: 0.05,
    centroid_shift: [{ segment_id: 0, segment: 'Large manufacturers', customers: 5, shift: 0.1 }],
    max_centroid_shift: 0.1,
    thresholds: { psi: RETRAIN_PSI, centroid_shift: RETRAIN_CENTROID_SHIFT },
    firmographics,
  };

  it('keeps the model below every threshold and names the firmographic figures', () => {
    const decision = decideRetrain('auto', drift);
    expect(decision.retrained).toBe(false);
    expect(decision.reason).toContain('max firmographic mean shift 0.100 sd and prototype shift 0.200 sd < 0.5');
  });

  it('retrains on a firmographic mean shift in either direction, or a prototype shift', () => {
    const down = { ...firmographics, numeric: [{ ...firmographics.numeric[0]!, shift: -0.6 }] };
    expect(decideRetrain('auto', { ...drift, firmographics: down }).reason).toBe('the mean of log_employees moved 0.600 sd ≥ 0.5');
    const moved = { ...firmographics, prototype_shift: [{ ...firmographics.prototype_shift[0]!, shift: 0.8 }] };
    expect(decideRetrain('auto', { ...drift, firmographics: moved }).reason).toBe('the firmographic centre of "Large manufacturers" moved 0.800 sd ≥ 0.5');
  });

  it('does not retrain a model found on firmographics alone for behavioural drift, but does for an emptied segment', () => {
    const behaviourMoved = { ...drift, psi: [{ ...drift.psi[0]!, psi: 0.9 }], max_psi: 0.9 };
    expect(decideRetrain('auto', behaviourMoved).retrained).toBe(true);
    const alone = { ...behaviourMoved, firmographics: { ...firmographics, segment_on: 'firmographics' as const } };
    const decision = decideRetrain('auto', alone);
    expect(decision.retrained).toBe(false);
    expect(decision.reason).toMatch(/does not segment on behaviour/);
    const emptied = { ...alone, centroid_shift: [{ ...drift.centroid_shift[0]!, customers: 0, shift: null }] };
    expect(decideRetrain('auto', emptied).reason).toBe('the saved model leaves "Large manufacturers" without customers');
  });
});

describe('firmographicCentres', () => {
  it('puts two pure segments that differ in one category γ apart (squared), as one k-prototypes mismatch', () => {
    const centres = firmographicCentres(encoding, inputs([2, 2], [14, 14], [0, 3]), Int32Array.of(0, 1), 2);
    let squared = 0;
    for (let j = 0; j < centres[0]!.length; j += 1) squared += (centres[0]![j]! - centres[1]![j]!) ** 2;
    expect(squared).toBeCloseTo(FIRMOGRAPHIC_GAMMA, 12);
  });
});

describe('requireMasterForModel', () => {
  it('asks for --customers only when the model segments on firmographics', () => {
    expect(() => requireMasterForModel({}, undefined, 'runs/b2b')).not.toThrow();
    expect(() => requireMasterForModel({ firmographics: section }, 'm.csv', 'runs/b2b')).not.toThrow();
    expect(() => requireMasterForModel({ firmographics: section }, undefined, 'runs/b2b')).toThrow(
      '--customers: the model in "runs/b2b" segments on firmographics; give the customer master it was trained with',
    );
  });
});
