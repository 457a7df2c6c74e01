import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.ts';
import { BetaGeoFitter } from '../../../src/ml/clv/bgnbd.ts';
import {
  frequencySpendCorrelation,
  GAMMA_GAMMA_FORMAT,
  GammaGammaFitter,
  gammaGammaLogLikelihood,
} from '../../../src/ml/clv/gammaGamma.ts';
import { logGamma } from '../../../src/ml/clv/specialFunctions.ts';

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

/** Repeat customers drawn from the Gamma-Gamma model: ν ~ gamma(q, γ), each spend ~ gamma(p, ν). */
function simulate(p: number, q: number, gamma: number, n: number, seed: number) {
  const u = random(seed);
  const frequency = new Float64Array(n);
  const monetary = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    const nu = gammaVariate(u, q) / gamma;
    const x = 1 + Math.floor(-Math.log(1 - u()) * 3);
    let total = 0;
    for (let k = 0; k < x; k += 1) total += gammaVariate(u, p) / nu;
    frequency[i] = x;
    monetary[i] = total / x;
  }
  return { frequency, monetary };
}

const PUBLISHED = { p: 6.25, q: 3.74, gamma: 15.44 };
const published = () => GammaGammaFitter.fromJSON({ format: GAMMA_GAMMA_FORMAT, params: PUBLISHED });

describe('GammaGammaFitter', () => {
  it('recovers simulated parameters within 4 standard errors and skips non-repeaters', () => {
    const data = simulate(PUBLISHED.p, PUBLISHED.q, PUBLISHED.gamma, 5000, 99);
    // Non-repeaters carry no spend information: append some with monetary 0.
    const frequency = Float64Array.from([...data.frequency, 0, 0, 0]);
    const monetary = Float64Array.from([...data.monetary, 0, 0, 0]);
    const model = new GammaGammaFitter().fit(frequency, monetary);
    expect(model.nCustomers).toBe(5000);
    const se = model.standardErrors!;
    for (const key of ['p', 'q', 'gamma'] as const) {
      expect(Math.abs(model.params[key] - PUBLISHED[key]), `${key}: ${model.params[key]} ± ${se[key]}`).toBeLessThan(4 * se[key]);
    }
    expect(model.logLikelihood).toBeCloseTo(
      gammaGammaLogLikelihood(model.params.p, model.params.q, model.params.gamma, data.frequency, data.monetary),
      8,
    );
    expect(model.logLikelihood).toBeGreaterThanOrEqual(
      gammaGammaLogLikelihood(PUBLISHED.p, PUBLISHED.q, PUBLISHED.gamma, data.frequency, data.monetary),
    );
  });

  it('has the density of the mean spend as its likelihood', () => {
    // For x = 1 the mean is one gamma(p, ν) draw with ν ~ gamma(q, γ): a scaled beta-prime density.
    const m = 20;
    const { p, q, gamma } = PUBLISHED;
    const direct =
      logGamma(p + q) - logGamma(p) - logGamma(q) + q * Math.log(gamma) + (p - 1) * Math.log(m) - (p + q) * Math.log(gamma + m);
    expect(gammaGammaLogLikelihood(p, q, gamma, [1], [m])).toBeCloseTo(direct, 12);
  });

  it('shrinks observed spend towards the population mean', () => {
    const model = published();
    const { p, q, gamma } = PUBLISHED;
    const populationMean = (gamma * p) / (q - 1);
    expect(model.conditionalExpectedAverageProfit(0, 0)).toBeCloseTo(populationMean, 12);
    for (const [x, m] of [
      [1, 10],
      [5, 100],
      [50, 30],
    ]) {
      const w = (p * x) / (p * x + q - 1);
      const expected = (1 - w) * populationMean + w * m;
      const value = model.conditionalExpectedAverageProfit(x, m);
      expect(value).toBeCloseTo(expected, 10);
      // Between the observed and the population mean, closer to the observed with more purchases.
      expect(value).toBeGreaterThanOrEqual(Math.min(m, populationMean));
      expect(value).toBeLessThanOrEqual(Math.max(m, populationMean));
    }
    expect(Math.abs(model.conditionalExpectedAverageProfit(20, 100) - 100)).toBeLessThan(
      Math.abs(model.conditionalExpectedAverageProfit(2, 100) - 100),
    );
  });

  it('refuses an infinite expected spend when q ≤ 1', () => {
    const heavy = GammaGammaFitter.fromJSON({ format: GAMMA_GAMMA_FORMAT, params: { p: 2, q: 0.8, gamma: 10 } });
    expect(() => heavy.conditionalExpectedAverageProfit(0, 0)).toThrow(/q = 0\.8/);
    expect(heavy.conditionalExpectedAverageProfit(1, 10)).toBeCloseTo((2 * (10 + 10)) / (2 + 0.8 - 1), 12);
  });

  it('discounts monthly cash flows like lifetimes', () => {
    const spend = published();
    // A transaction model with a constant rate λ: N(t) = λt.
    const lambda = 0.3;
    const linear = { expectedPurchases: (t: number) => lambda * t };
    const m = spend.conditionalExpectedAverageProfit(3, 40);
    const monthLength = 30 / 7;
    let expected = 0;
    for (let i = 1; i <= 12; i += 1) expected += (m * lambda * monthLength) / 1.01 ** i;
    expect(spend.customerLifetimeValue(linear, 3, 20, 30, 40, { timeUnitDays: 7, daysPerMonth: 30 })).toBeCloseTo(expected, 10);
    // No discounting, one month: spend × expected purchases in a month.
    expect(spend.customerLifetimeValue(linear, 3, 20, 30, 40, { timeUnitDays: 1, months: 1, discountRate: 0 })).toBeCloseTo(
      m * lambda * (365.25 / 12),
      10,
    );
    // With a fitted transaction model, CLV grows with the horizon and falls with the discount rate.
    const bgnbd = BetaGeoFitter.fromJSON({ format: 'segmenta.bgnbd/v1', params: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 } });
    const clv = (options: { months?: number; discountRate?: number }) =>
      spend.customerLifetimeValue(bgnbd, 2, 30.43, 38.86, 22.35, { timeUnitDays: 7, ...options });
    expect(clv({ months: 24 })).toBeGreaterThan(clv({ months: 12 }));
    expect(clv({ discountRate: 0.05 })).toBeLessThan(clv({ discountRate: 0.01 }));
    expect(clv({ discountRate: 0 })).toBeCloseTo(
      spend.conditionalExpectedAverageProfit(2, 22.35) * bgnbd.expectedPurchases((12 * 365.25) / 12 / 7, 2, 30.43, 38.86),
      10,
    );
  });

  it('checks CLV options', () => {
    const spend = published();
    const model = { expectedPurchases: () => 0 };
    expect(() => spend.customerLifetimeValue(model, 1, 1, 2, 10, { timeUnitDays: 0 })).toThrow(/timeUnitDays .* got 0/);
    expect(() => spend.customerLifetimeValue(model, 1, 1, 2, 10, { timeUnitDays: 7, months: 1.5 })).toThrow(/months .* got 1\.5/);
    expect(() => spend.customerLifetimeValue(model, 1, 1, 2, 10, { timeUnitDays: 7, discountRate: -1 })).toThrow(
      /discountRate .* got -1/,
    );
    expect(() => spend.customerLifetimeValues(model, [1], [1, 2], [2], [10], { timeUnitDays: 7 })).toThrow(/differ in length/);
  });

  it('reports the frequency–spend correlation and warns above |ρ| = 0.3', () => {
    const independent = simulate(PUBLISHED.p, PUBLISHED.q, PUBLISHED.gamma, 3000, 5);
    const low = frequencySpendCorrelation(independent.frequency, independent.monetary);
    expect(Math.abs(low.rho)).toBeLessThan(0.1);
    expect(low.warning).toBeNull();
    expect(low.n).toBe(3000);
    // Spend rising with frequency; the non-repeater (frequency 0) is ignored.
    const high = frequencySpendCorrelation([0, 1, 2, 3, 4, 5], [1000, 10, 21, 29, 41, 50]);
    expect(high.n).toBe(5);
    expect(high.rho).toBeGreaterThan(0.99);
    expect(high.warning).toMatch(/correlated \(ρ = 0\.99\d over 5 customers/);
    const model = new GammaGammaFitter().fit(
      Float64Array.from([...independent.frequency, ...independent.frequency.map((x) => x + 30)]),
      Float64Array.from([...independent.monetary, ...independent.monetary.map((m) => m * 6)]),
    );
    expect(model.frequencySpendCorrelation).toBeGreaterThan(0.3);
    expect(model.warnings.some((w) => w.includes('independent'))).toBe(true);
    expect(frequencySpendCorrelation([1, 1], [5, 6]).rho).toBeNaN();
  });

  it('round-trips through JSON', () => {
    const data = simulate(PUBLISHED.p, PUBLISHED.q, PUBLISHED.gamma, 800, 11);
    const model = new GammaGammaFitter({ penalizer: 0.01 }).fit(data.frequency, data.monetary);
    const text = JSON.stringify(model);
    expect(JSON.parse(text).format).toBe('segmenta.gammagamma/v1');
    const restored = GammaGammaFitter.fromJSON(text);
    expect(restored.params).toEqual(model.params);
    expect(restored.standardErrors).toEqual(model.standardErrors);
    expect(restored.penalizer).toBe(0.01);
    expect(restored.frequencySpendCorrelation).toBe(model.frequencySpendCorrelation);
    expect(restored.conditionalExpectedAverageProfit(4, 33)).toBe(model.conditionalExpectedAverageProfit(4, 33));
    expect(() => GammaGammaFitter.fromJSON({ format: 'segmenta.bgnbd/v1', params: PUBLISHED })).toThrow(/format/);
    expect(() => GammaGammaFitter.fromJSON({ format: GAMMA_GAMMA_FORMAT, params: { p: 1, q: 2 } })).toThrow(
      /params\.gamma must be a positive finite number/,
    );
  });

  it('explains data it cannot fit', () => {
    expect(() => new GammaGammaFitter().fit([0, 0], [0, 0])).toThrow(/no repeat customers \(frequency > 0\) among 2/);
    expect(() => new GammaGammaFitter().fit([0, 0], [0, 0])).toThrow(InputError);
    expect(() => new GammaGammaFitter().fit([1, 2], [10, 0])).toThrow(/must be positive .* got 0 at customer 1/);
    expect(() => new GammaGammaFitter().fit([1, 2.5], [10, 3])).toThrow(/non-negative integer; got 2\.5 at customer 1/);
    expect(() => new GammaGammaFitter().fit([1], [10, 3])).toThrow(/differ in length/);
    const data = simulate(PUBLISHED.p, PUBLISHED.q, PUBLISHED.gamma, 300, 2);
    expect(() => new GammaGammaFitter({ maxIterations: 2 }).fit(data.frequency, data.monetary)).toThrow(/did not converge/);
    expect(() => new GammaGammaFitter().params).toThrow(/not fitted/);
    expect(() => new GammaGammaFitter({ penalizer: NaN })).toThrow(/penalizer .* got NaN/);
  });
});
