import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import {
  clusterModes,
  defaultGamma,
  KPROTOTYPES_FORMAT,
  KPrototypes,
  mixedDistance,
  type MixedData,
} from '../../src/ml/kPrototypes.ts';
import { adjustedRandIndex } from '../../src/ml/metrics.ts';

/** Seeded uniform numbers for building test data, independent of src/ml/rng.ts that the model draws from. */
function testRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

function data(rows: { x: number[]; c: number[] }[]): MixedData {
  const p = rows[0]!.x.length;
  const q = rows[0]!.c.length;
  return {
    n: rows.length,
    p,
    q,
    numeric: Float64Array.from(rows.flatMap((r) => r.x)),
    categorical: Int32Array.from(rows.flatMap((r) => r.c)),
  };
}

/** Six points on a line with one categorical attribute, for the hand-computed iteration. */
const SIX = data([
  { x: [0], c: [0] },
  { x: [1], c: [0] },
  { x: [2], c: [1] },
  { x: [8], c: [1] },
  { x: [9], c: [1] },
  { x: [10], c: [0] },
]);

/**
 * Three planted clusters of 100 rows: A and B share their numeric distribution and differ only in
 * their categories; C is far away numerically. Numeric alone cannot split A from B.
 */
function plantedMixed(seed: number): { data: MixedData; truth: Int32Array } {
  const random = testRandom(seed);
  const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const centres = [[0, 0], [0, 0], [6, 6]];
  const dominant = [[0, 0], [1, 1], [2, 2]];
  const rows: { x: number[]; c: number[] }[] = [];
  const truth: number[] = [];
  for (let g = 0; g < 3; g += 1) {
    for (let t = 0; t < 100; t += 1) {
      rows.push({
        x: centres[g]!.map((m) => m + gaussian()),
        c: dominant[g]!.map((d) => (random() < 0.85 ? d : Math.floor(random() * 4))),
      });
      truth.push(g);
    }
  }
  return { data: data(rows), truth: Int32Array.from(truth) };
}

describe('mixedDistance', () => {
  it('adds squared Euclidean distance and γ per categorical mismatch', () => {
    const x = Float64Array.of(1, 2);
    const xc = Int32Array.of(0, 3);
    const c = Float64Array.of(0, 0, 5, 5);
    const cc = Int32Array.of(0, 1, 9, 3);
    // (1−0)² + (2−0)² = 5; one mismatch (3 ≠ 1) × 0.5
    expect(mixedDistance(x, xc, 0, c, cc, 0, 2, 2, 0.5)).toBe(5.5);
    // (1−5)² + (2−5)² = 25; one mismatch (0 ≠ 9) × 2
    expect(mixedDistance(x, xc, 0, c, cc, 1, 2, 2, 2)).toBe(27);
    expect(mixedDistance(x, xc, 0, x, xc, 0, 2, 2, 10)).toBe(0);
  });
});

describe('clusterModes', () => {
  const cat = Int32Array.of(2, 5, 1, 5, 2, 7, 3, 9, 4, 9);
  const labels = Int32Array.of(0, 0, 0, 1, 1);
  it('takes the most frequent code per attribute', () => {
    expect(Array.from(clusterModes(cat, 5, 2, labels, 0)!)).toEqual([2, 5]);
  });
  it('breaks ties towards the smallest code', () => {
    // cluster 1: attribute 0 has codes 3 and 4 once each
    expect(Array.from(clusterModes(cat, 5, 2, labels, 1)!)).toEqual([3, 9]);
    expect(Array.from(clusterModes(Int32Array.of(7, 3), 2, 1, Int32Array.of(0, 0), 0)!)).toEqual([3]);
  });
  it('is undefined for an empty cluster', () => {
    expect(clusterModes(cat, 5, 2, labels, 2)).toBeUndefined();
  });
});

describe('defaultGamma', () => {
  it('is half the mean standard deviation of the numeric columns', () => {
    // x = 0,1,2,8,9,10: mean 5, Σ(x−5)² = 100, population std √(100/6)
    expect(defaultGamma(SIX.numeric, 6, 1)).toBeCloseTo(0.5 * Math.sqrt(100 / 6), 12);
    // a constant column has std 0 and halves the mean
    expect(defaultGamma(Float64Array.of(0, 7, 2, 7), 2, 2)).toBeCloseTo(0.5 * (1 + 0) / 2, 12);
    expect(defaultGamma(new Float64Array(0), 6, 0)).toBe(1);
  });

  it('is 0.5 on standardised columns, which fit uses by default', () => {
    const model = new KPrototypes({ k: 2, nInit: 1 }).fit(SIX);
    expect(model.gamma).toBeCloseTo(0.5, 12);
    const raw = new KPrototypes({ k: 2, nInit: 1, standardize: false }).fit(SIX);
    expect(raw.gamma).toBeCloseTo(0.5 * Math.sqrt(100 / 6), 12);
  });
});

describe('one iteration on six points, by hand', () => {
  // γ = 1, no standardisation; start from P0 = (0, c=0), P1 = (2, c=1).
  // Assignment 0: d(x, P0), d(x, P1) = (0, 5) (1, 2) (5, 0) (65, 36) (82, 49) (100, 65) → [0 0 1 1 1 1]
  // Update: P0 = (mean 0,1 = 0.5, mode {0,0} = 0); P1 = (mean 2,8,9,10 = 7.25, mode {1,1,1,0} = 1)
  // Assignment 1: (0.25, 53.5625) (0.25, 40.0625) (3.25, 27.5625) (57.25, 0.5625) (73.25, 3.0625) (90.25, 8.5625)
  //               → [0 0 0 1 1 1], cost 0.25 + 0.25 + 3.25 + 0.5625 + 3.0625 + 8.5625 = 15.9375
  const options = {
    k: 2,
    gamma: 1,
    standardize: false,
    initialPrototypes: { numeric: Float64Array.of(0, 2), categorical: Int32Array.of(0, 1) },
  };

  it('updates prototypes to means and modes and reassigns', () => {
    const model = new KPrototypes({ ...options, maxIter: 1 }).fit(SIX);
    expect(Array.from(model.centroids)).toEqual([0.5, 7.25]);
    expect(Array.from(model.modes)).toEqual([0, 1]);
    expect(Array.from(model.labels)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(model.cost).toBe(15.9375);
    expect(model.iterations).toBe(1);
    expect(model.converged).toBe(false); // point 2 moved
  });

  it('converges in the second iteration at means 1 and 9', () => {
    // Update from [0 0 0 1 1 1]: P0 = (1, 0), P1 = (9, 1); distances 1 0 2 | 1 0 2 → cost 6, no move.
    const model = new KPrototypes(options).fit(SIX);
    expect(Array.from(model.centroids)).toEqual([1, 9]);
    expect(Array.from(model.modes)).toEqual([0, 1]);
    expect(Array.from(model.labels)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(model.cost).toBe(6);
    expect(model.iterations).toBe(2);
    expect(model.converged).toBe(true);
  });

  it('with maxIter 0 only assigns to the initial prototypes', () => {
    const model = new KPrototypes({ ...options, maxIter: 0 }).fit(SIX);
    expect(Array.from(model.labels)).toEqual([0, 0, 1, 1, 1, 1]);
    expect(model.cost).toBe(0 + 1 + 0 + 36 + 49 + 65);
    expect(model.converged).toBe(false);
  });

  it('refills an empty cluster with the point farthest from its prototype', () => {
    // Everything is nearer P0 = 1 than P1 = 100; cluster 1 empties and takes x = 10 (d = 81).
    const five = data([0, 1, 2, 3, 10].map((x) => ({ x: [x], c: [0] })));
    const model = new KPrototypes({
      k: 2, gamma: 1, standardize: false,
      initialPrototypes: { numeric: Float64Array.of(1, 100), categorical: Int32Array.of(0, 0) },
    }).fit(five);
    expect(Array.from(model.labels)).toEqual([0, 0, 0, 0, 1]);
    expect(Array.from(model.centroids)).toEqual([1.5, 10]);
    expect(model.converged).toBe(true);
  });

  it('standardises initial prototypes given in input units', () => {
    const model = new KPrototypes({ ...options, standardize: true, gamma: 0.5 }).fit(SIX);
    expect(Array.from(model.labels)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(model.centroids[0]).toBeCloseTo(1, 12);
    expect(model.centroids[1]).toBeCloseTo(9, 12);
  });
});

describe('KPrototypes.fit', () => {
  it('recovers planted mixed clusters that the numeric part alone cannot separate', () => {
    for (const seed of [1, 2, 3]) {
      const { data: d, truth } = plantedMixed(seed);
      const model = new KPrototypes({ k: 3, seed }).fit(d);
      expect(adjustedRandIndex(model.labels, truth), `data seed ${seed}`).toBeGreaterThan(0.85);
      // Without the categorical part A and B (same numeric distribution) merge or split at random.
      const numericOnly = new KPrototypes({ k: 3, seed }).fit({ ...d, q: 0, categorical: new Int32Array(0) });
      expect(adjustedRandIndex(numericOnly.labels, truth)).toBeLessThan(0.7);
    }
  });

  it('is deterministic for a seed', () => {
    const { data: d } = plantedMixed(7);
    const a = new KPrototypes({ k: 4, seed: 42, nInit: 3 }).fit(d);
    const b = new KPrototypes({ k: 4, seed: 42, nInit: 3 }).fit(d);
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    expect(a.cost).toBe(b.cost);
    expect(JSON.stringify(a.toJSON())).toBe(JSON.stringify(b.toJSON()));
  });

  it('keeps the best of its restarts', () => {
    const { data: d } = plantedMixed(11);
    const one = new KPrototypes({ k: 5, seed: 3, nInit: 1 }).fit(d);
    const ten = new KPrototypes({ k: 5, seed: 3, nInit: 10 }).fit(d);
    expect(ten.cost).toBeLessThanOrEqual(one.cost);
    expect(ten.converged).toBe(true);
  });

  it('reports a cost equal to the sum of distances to the assigned prototypes', () => {
    const { data: d } = plantedMixed(5);
    const model = new KPrototypes({ k: 3, seed: 9 }).fit(d);
    const json = model.toJSON();
    const centroids = Float64Array.from(json.centroids.flat());
    const modes = Int32Array.from(json.modes.flat());
    const z = d.numeric.map((v, t) => (v - json.numericMeans[t % d.p]!) / json.numericScales[t % d.p]!);
    let cost = 0;
    for (let i = 0; i < d.n; i += 1) cost += mixedDistance(z, d.categorical, i, centroids, modes, model.labels[i]!, d.p, d.q, model.gamma);
    expect(model.cost).toBeCloseTo(cost, 9);
  });

  it('works as k-modes without numeric columns and as k-means without categorical ones', () => {
    const cat = data([
      { x: [], c: [0, 0] }, { x: [], c: [0, 0] }, { x: [], c: [0, 1] },
      { x: [], c: [5, 5] }, { x: [], c: [5, 5] }, { x: [], c: [4, 5] },
    ]);
    const kModes = new KPrototypes({ k: 2, seed: 1 }).fit(cat);
    expect(adjustedRandIndex(kModes.labels, [0, 0, 0, 1, 1, 1])).toBe(1);
    expect(kModes.gamma).toBe(1);
    const kMeans = new KPrototypes({ k: 2, seed: 1 }).fit({ ...SIX, q: 0, categorical: new Int32Array(0) });
    expect(adjustedRandIndex(kMeans.labels, [0, 0, 0, 1, 1, 1])).toBe(1);
  });

  it('rejects bad options and bad data with InputError', () => {
    expect(() => new KPrototypes({ k: 0 })).toThrow(InputError);
    expect(() => new KPrototypes({ k: 2, gamma: -1 })).toThrow(/gamma/);
    expect(() => new KPrototypes({ k: 2, seed: 1.5 })).toThrow(/seed/);
    expect(() => new KPrototypes({ k: 2, nInit: 0 })).toThrow(/nInit/);
    const model = new KPrototypes({ k: 2 });
    expect(() => model.fit({ ...SIX, numeric: Float64Array.of(0, 1, Number.NaN, 8, 9, 10) })).toThrow(/NaN at row 2/);
    expect(() => model.fit({ ...SIX, categorical: Int32Array.of(0, 0, -1, 1, 1, 0) })).toThrow(/code -1 at row 2.*negative/);
    expect(() => model.fit({ ...SIX, n: 5 })).toThrow(/expected n·p = 5/);
    const twins = data([{ x: [1], c: [0] }, { x: [1], c: [0] }, { x: [1], c: [0] }]);
    expect(() => new KPrototypes({ k: 2 }).fit(twins)).toThrow(/at least 2 distinct rows/);
    expect(() => model.predict(SIX)).toThrow(/before fit/);
  });
});

describe('predict, toJSON, fromJSON', () => {
  it('predicts the training labels back and new rows to the nearest prototype', () => {
    const { data: d } = plantedMixed(21);
    const model = new KPrototypes({ k: 3, seed: 2 }).fit(d);
    expect(Array.from(model.predict(d))).toEqual(Array.from(model.labels));
    const farRow: MixedData = { n: 1, p: 2, q: 2, numeric: Float64Array.of(6, 6), categorical: Int32Array.of(2, 2) };
    const cLabel = model.labels[250]!; // a row of planted cluster C
    expect(model.predict(farRow)[0]).toBe(cLabel);
    expect(() => model.predict({ n: 1, p: 1, q: 2, numeric: Float64Array.of(0), categorical: Int32Array.of(0, 0) })).toThrow(/fitted on 2 numeric/);
  });

  it('round-trips through JSON text with the format tag', () => {
    const { data: d } = plantedMixed(4);
    const model = new KPrototypes({ k: 3, seed: 5 }).fit(d);
    const json = JSON.parse(JSON.stringify(model.toJSON()));
    expect(json.format).toBe(KPROTOTYPES_FORMAT);
    expect(json.format).toBe('segmenta.kprototypes/v1');
    const copy = KPrototypes.fromJSON(json);
    expect(Array.from(copy.predict(d))).toEqual(Array.from(model.predict(d)));
    expect(copy.toJSON()).toEqual(model.toJSON());
    expect(Array.from(copy.centroids)).toEqual(Array.from(model.centroids));
    expect(() => copy.labels).toThrow(/predict/);
  });

  it('refuses JSON that is not a v1 model, naming the problem', () => {
    const model = new KPrototypes({ k: 2, seed: 1 }).fit(SIX).toJSON();
    expect(() => KPrototypes.fromJSON(null)).toThrow(InputError);
    expect(() => KPrototypes.fromJSON({ ...model, format: 'segmenta.kprototypes/v2' })).toThrow(/format is "segmenta.kprototypes\/v2"/);
    expect(() => KPrototypes.fromJSON({ ...model, centroids: [[0]] })).toThrow(/centroids must have 2 rows/);
    expect(() => KPrototypes.fromJSON({ ...model, modes: [[0], [1.5]] })).toThrow(/modes\[1\]\[0\] must be a category code/);
    expect(() => KPrototypes.fromJSON({ ...model, numericScales: [0] })).toThrow(/positive/);
    expect(() => KPrototypes.fromJSON({ ...model, gamma: 'x' })).toThrow(/gamma must be a finite number/);
  });
});
