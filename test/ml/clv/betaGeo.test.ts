/**
 * BG/NBD and MBG/NBD: predictions against high-precision references,
 * parameter recovery on simulated customers, properties, serialisation and
 * errors. CDNOW validation is in cdnow.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.ts';
import { BetaGeoFitter, BGNBD_FORMAT } from '../../../src/ml/clv/bgnbd.ts';
import type { BetaGeoFamilyFitter, BetaGeoParams } from '../../../src/ml/clv/betaGeoFamily.ts';
import { MBGNBD_FORMAT, ModifiedBetaGeoFitter } from '../../../src/ml/clv/mbgnbd.ts';

/** Seeded uniform(0, 1) (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Gamma(shape, 1) by Marsaglia & Tsang, boosted for shape < 1. */
function gammaVariate(u: () => number, shape: number): number {
  if (shape < 1) return gammaVariate(u, shape + 1) * u() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
    const v = (1 + c * z) ** 3;
    if (v <= 0) continue;
    if (Math.log(u()) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** Customers drawn from the BG/NBD (dropoutAtZero false) or MBG/NBD (true) process. */
function simulate(params: BetaGeoParams, n: number, dropoutAtZero: boolean, seed: number) {
  const u = random(seed);
  const frequency = new Float64Array(n);
  const recency = new Float64Array(n);
  const T = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    const lambda = gammaVariate(u, params.r) / params.alpha;
    const ga = gammaVariate(u, params.a);
    const p = ga / (ga + gammaVariate(u, params.b));
    T[i] = 20 + 30 * u();
    if (dropoutAtZero && u() < p) continue;
    let t = 0;
    for (;;) {
      t += -Math.log(1 - u()) / lambda;
      if (t > T[i]) break;
      frequency[i] += 1;
      recency[i] = t;
      if (u() < p) break;
    }
  }
  return { frequency, recency, T };
}

const PUBLISHED = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const MBG_PARAMS = { r: 0.525, alpha: 6.183, a: 0.891, b: 1.614 };

interface Variant {
  name: string;
  make: (options?: { penalizer?: number; maxIterations?: number }) => BetaGeoFamilyFitter;
  fromJSON: (json: unknown) => BetaGeoFamilyFitter;
  format: string;
  params: BetaGeoParams;
  dropoutAtZero: boolean;
  /** [t, x, t_x, T, expected purchases, P(alive)] from mpmath at 40 digits. */
  references: [number, number, number, number, number, number][];
}

const variants: Variant[] = [
  {
    name: 'BG/NBD',
    make: (options) => new BetaGeoFitter(options),
    fromJSON: (json) => BetaGeoFitter.fromJSON(json),
    format: BGNBD_FORMAT,
    params: PUBLISHED,
    dropoutAtZero: false,
    references: [
      [39, 2, 30.43, 38.86, 1.2260281747671445, 0.72657857008067291],
      [39, 0, 0, 38.86, 0.19509805201126264, 1],
      [39, 7, 29.43, 38.86, 3.3370532748514165, 0.64175634594610725],
      [1, 1, 1.71, 38.86, 0.0060629517982828935, 0.21210098537737908],
      [78, 29, 37.71, 38.0, 33.661011851290943, 0.96912951815933953],
      [39, 0, 0, 0, 1.1967231933208169, 1],
      [78, 0, 0, 0, 1.8605190579427686, 1],
      [1e-3, 3, 10, 30, 2.3483987200291834e-5, 0.24920884622712533],
      [500, 10, 5, 30, 0.0010245005633863445, 2.4671820693367757e-5],
      [39, 200, 35, 38, 0.01484946535690643, 0.00010600117401607709],
    ],
  },
  {
    name: 'MBG/NBD',
    make: (options) => new ModifiedBetaGeoFitter(options),
    fromJSON: (json) => ModifiedBetaGeoFitter.fromJSON(json),
    format: MBGNBD_FORMAT,
    params: MBG_PARAMS,
    dropoutAtZero: true,
    references: [
      [39, 2, 30.43, 38.86, 1.2629606232673657, 0.70620226511848728],
      [39, 0, 0, 38.86, 0.15401274667514669, 0.3897350809187629],
      [39, 7, 29.43, 38.86, 3.1675724322986938, 0.62272381416911191],
      [1, 1, 1.71, 38.86, 0.0057521524704339562, 0.17083648431040803],
      [78, 29, 37.71, 38.0, 31.331771832777543, 0.96585636324178279],
      [39, 0, 0, 0, 1.1829536655971727, 0.64431137724550899],
      [78, 0, 0, 0, 1.8047575775531418, 0.64431137724550899],
      [1e-3, 3, 10, 30, 2.2692740449056899e-5, 0.23293573335508406],
      [500, 10, 5, 30, 0.0020390683384949867, 5.596230063215761e-5],
      [39, 200, 35, 38, 0.022413577296221687, 0.00017025222400556843],
    ],
  },
];

describe.each(variants)('$name', (variant) => {
  const model = variant.fromJSON({ format: variant.format, params: variant.params });

  it.each(variant.references)('predicts t=%d, x=%d, t_x=%d, T=%d like the 40-digit reference', (t, x, tx, T, expected, alive) => {
    expect(Math.abs(model.expectedPurchases(t, x, tx, T) / expected - 1)).toBeLessThan(1e-11);
    expect(Math.abs(model.probabilityAlive(x, tx, T) - alive)).toBeLessThan(1e-14);
  });

  it('predicts for a new customer as for x = t_x = T = 0, and 0 at t = 0', () => {
    expect(model.expectedPurchasesNewCustomer(39)).toBe(model.expectedPurchases(39, 0, 0, 0));
    expect(model.expectedPurchasesNewCustomer(0)).toBe(0);
    expect(model.expectedPurchases(0, 3, 10, 20)).toBe(0);
  });

  it('recovers the parameters of simulated customers within 4 standard errors', () => {
    const data = simulate(variant.params, 8000, variant.dropoutAtZero, 20240611);
    const fitted = variant.make().fit(data.frequency, data.recency, data.T);
    const p = fitted.params;
    const se = fitted.standardErrors!;
    for (const key of ['r', 'alpha', 'a', 'b'] as const) {
      expect(se[key]).toBeGreaterThan(0);
      expect(Math.abs(p[key] - variant.params[key]), `${key}: ${p[key]} ± ${se[key]}`).toBeLessThan(4 * se[key]);
    }
    // Total log-likelihood at the optimum beats the true parameters'.
    const truth = variant.fromJSON({ format: variant.format, params: variant.params });
    expect(fitted.logLikelihood).toBeGreaterThanOrEqual(truth.scoreLogLikelihood(data.frequency, data.recency, data.T));
  });

  it('P(alive) does not increase with T at fixed frequency and recency', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 500 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 200, noNaN: true }),
        fc.double({ min: 0, max: 1e4, noNaN: true }),
        (x, recencyShare, T1, extra) => {
          const tx = x === 0 ? 0 : recencyShare * T1;
          const before = model.probabilityAlive(x, tx, T1);
          const after = model.probabilityAlive(x, tx, T1 + extra);
          expect(after).toBeLessThanOrEqual(before);
          expect(before).toBeGreaterThanOrEqual(0);
          expect(before).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('expected purchases grow with the horizon, for any parameters', () => {
    fc.assert(
      fc.property(
        fc.record({
          r: fc.double({ min: 0.05, max: 5, noNaN: true }),
          alpha: fc.double({ min: 0.1, max: 100, noNaN: true }),
          a: fc.double({ min: 0.05, max: 5, noNaN: true }),
          b: fc.double({ min: 0.05, max: 10, noNaN: true }),
        }),
        fc.integer({ min: 0, max: 100 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0.1, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 200, noNaN: true }),
        fc.double({ min: 1e-6, max: 200, noNaN: true }),
        (params, x, recencyShare, T, t1, dt) => {
          const m = variant.fromJSON({ format: variant.format, params });
          const tx = x === 0 ? 0 : recencyShare * T;
          const short = m.expectedPurchases(t1, x, tx, T);
          const long = m.expectedPurchases(t1 + dt, x, tx, T);
          expect(Number.isFinite(long)).toBe(true);
          expect(short).toBeGreaterThanOrEqual(0);
          expect(long).toBeGreaterThanOrEqual(short * (1 - 1e-10));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('stays finite at the extremes', () => {
    const cases: [number, number, number, number][] = [
      [39, 0, 0, 38], // no repeat purchase
      [39, 5, 38, 38], // recency = T
      [39, 5, 1, 1e6], // very long T
      [1e4, 3, 20, 1e6],
      [39, 5000, 37, 38], // large frequency
      [39, 1e6, 37, 38],
      [39, 3, 0.001, 38], // all repeats right after the first purchase
      [1e5, 2, 10, 20], // a horizon 10⁴ times α + T
      [39, 0, 0, 0], // bought today
    ];
    for (const [t, x, tx, T] of cases) {
      const e = model.expectedPurchases(t, x, tx, T);
      const alive = model.probabilityAlive(x, tx, T);
      expect(Number.isFinite(e), `E(${t}, ${x}, ${tx}, ${T}) = ${e}`).toBe(true);
      expect(e).toBeGreaterThanOrEqual(0);
      expect(alive).toBeGreaterThanOrEqual(0);
      expect(alive).toBeLessThanOrEqual(1);
    }
    // A customer with many purchases right up to today buys at most at the posterior mean rate
    // (r+x)/(α+T), and less only through the chance of dropping out during the horizon
    // (posterior mean dropout a/(b+x) per purchase, about 15% over these ~1,100 purchases).
    const { r, alpha, a, b } = variant.params;
    const rate = (r + 5000) / (alpha + 38);
    const busy = model.expectedPurchases(10, 5000, 38, 38);
    expect(busy).toBeLessThan(10 * rate);
    expect(busy).toBeGreaterThan(10 * rate * (1 - (a / (b + 5000)) * 10 * rate) * 0.99);
  });

  it('is continuous through the removable singularity at a = 1', () => {
    const near = (a: number) => variant.fromJSON({ format: variant.format, params: { ...variant.params, a } }).expectedPurchases(39, 2, 30.43, 38.86);
    const atOne = near(1);
    expect(Number.isFinite(atOne)).toBe(true);
    expect(Math.abs(near(1 + 1e-4) - atOne)).toBeLessThan(1e-3 * atOne);
    expect(Math.abs(near(1 - 1e-4) - atOne)).toBeLessThan(1e-3 * atOne);
    expect(Math.abs(near(1 + 5e-7) - atOne)).toBeLessThan(1e-5 * atOne);
  });

  it('round-trips through JSON', () => {
    const data = simulate(variant.params, 1500, variant.dropoutAtZero, 7);
    const fitted = variant.make({ penalizer: 0.001 }).fit(data.frequency, data.recency, data.T);
    const text = JSON.stringify(fitted);
    const restored = variant.fromJSON(JSON.parse(text));
    expect(variant.fromJSON(text).params).toEqual(fitted.params);
    expect(restored.params).toEqual(fitted.params);
    expect(restored.penalizer).toBe(0.001);
    expect(restored.logLikelihood).toBe(fitted.logLikelihood);
    expect(restored.standardErrors).toEqual(fitted.standardErrors);
    expect(restored.nCustomers).toBe(1500);
    expect(restored.convergence).toEqual(fitted.convergence);
    expect(restored.expectedPurchases(39, 3, 20, 30)).toBe(fitted.expectedPurchases(39, 3, 20, 30));
    expect(JSON.parse(text).format).toBe(variant.format);
  });

  it('rejects other formats and bad parameters in fromJSON', () => {
    const other = variant.format === BGNBD_FORMAT ? MBGNBD_FORMAT : BGNBD_FORMAT;
    expect(() => variant.fromJSON({ format: other, params: variant.params })).toThrow(InputError);
    expect(() => variant.fromJSON({ format: other, params: variant.params })).toThrow(/format/);
    expect(() => variant.fromJSON({ format: variant.format, params: { ...variant.params, a: -1 } })).toThrow(
      /params\.a must be a positive finite number; got -1/,
    );
    expect(() => variant.fromJSON('{not json')).toThrow(/not valid JSON/);
  });

  it('explains data that cannot support the model', () => {
    expect(() => variant.make().fit([], [], [])).toThrow(/no customers/);
    expect(() => variant.make().fit([0, 0, 0], [0, 0, 0], [10, 20, 30])).toThrow(/no repeat customers among 3/);
    expect(() => variant.make().fit([0, 0, 0], [0, 0, 0], [10, 20, 30])).toThrow(InputError);
    // Everyone bought right up to today: nothing shows dropout, so a → 0.
    expect(() => variant.make().fit(new Array(50).fill(5), new Array(50).fill(30), new Array(50).fill(30))).toThrow(
      /cannot identify the model: parameter a ran off/,
    );
    // Every customer has the same dropout probability: beta(a, b) degenerates, a and b grow
    // without bound; a small penalty keeps them finite, as the message says.
    const homogeneous = simulate({ r: 0.5, alpha: 5, a: 2e5, b: 8e5 }, 2000, variant.dropoutAtZero, 12);
    expect(() => variant.make({ maxIterations: 500 }).fit(homogeneous.frequency, homogeneous.recency, homogeneous.T)).toThrow(
      /drifting towards 0 or ∞.*a penalizer > 0 keeps parameters from growing without bound/,
    );
    const penalized = variant.make({ penalizer: 0.001 }).fit(homogeneous.frequency, homogeneous.recency, homogeneous.T);
    expect(penalized.convergence?.status).toBe('converged');
    expect(penalized.params.a).toBeLessThan(100);
    // Too small a budget: the optimiser's figures are in the message.
    const data = simulate(variant.params, 300, variant.dropoutAtZero, 3);
    expect(() => variant.make({ maxIterations: 3 }).fit(data.frequency, data.recency, data.T)).toThrow(
      /did not converge: \|gradient\| .* after \d+ iterations, mean log-likelihood -?[\d.]+ \(r=.*alpha=.*a=.*b=/,
    );
  });

  it('checks its inputs once, naming the offending value', () => {
    const fit = (f: number[], r: number[], T: number[]) => () => variant.make().fit(f, r, T);
    expect(fit([1, 2], [1], [3, 4])).toThrow(/differ in length: 2, 1, 2/);
    expect(fit([1, -1], [1, 0], [3, 4])).toThrow(/frequency must be a non-negative integer; got -1 at customer 1/);
    expect(fit([1, 1.5], [1, 1], [3, 4])).toThrow(/got 1\.5/);
    expect(fit([1, 1], [1, 5], [3, 4])).toThrow(/recency must lie in \[0, T\]; got recency 5 with T 4 at customer 1/);
    expect(fit([1, 0], [1, 2], [3, 4])).toThrow(/recency must be 0 when frequency is 0; got recency 2 at customer 1/);
    expect(fit([1, 1], [1, 1], [3, NaN])).toThrow(/T must be finite/);
    expect(() => variant.make({ penalizer: -1 })).toThrow(/penalizer must be a finite number ≥ 0; got -1/);
    expect(() => variant.make({ maxIterations: 0 })).toThrow(/maxIterations must be an integer ≥ 1; got 0/);
    expect(() => model.expectedPurchases(-1, 0, 0, 5)).toThrow(/horizon t must be finite and ≥ 0; got -1/);
    expect(() => variant.make().params).toThrow(/not fitted/);
  });
});

describe('BG/NBD versus MBG/NBD', () => {
  it('BG/NBD gives P(alive) = 1 without repeat purchases, MBG/NBD less', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e5, noNaN: true }), (T) => {
        const bg = BetaGeoFitter.fromJSON({ format: BGNBD_FORMAT, params: PUBLISHED });
        const mbg = ModifiedBetaGeoFitter.fromJSON({ format: MBGNBD_FORMAT, params: MBG_PARAMS });
        expect(bg.probabilityAlive(0, 0, T)).toBe(1);
        expect(mbg.probabilityAlive(0, 0, T)).toBeLessThan(1);
        // MBG/NBD's P(alive) for x = 0 is 1 / (1 + a/b · ((α+T)/α)^r).
        const expected = 1 / (1 + (MBG_PARAMS.a / MBG_PARAMS.b) * ((MBG_PARAMS.alpha + T) / MBG_PARAMS.alpha) ** MBG_PARAMS.r);
        expect(mbg.probabilityAlive(0, 0, T)).toBeCloseTo(expected, 14);
      }),
      { numRuns: 100 },
    );
  });
});
