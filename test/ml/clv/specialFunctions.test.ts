import { describe, expect, it } from 'vitest';
import {
  gammaSign,
  hyp2f1,
  log1pExp,
  logAddExp,
  logBeta,
  logGamma,
  logHyp2f1,
  logistic,
  logSumExp,
} from '../../../src/ml/clv/specialFunctions.ts';

/** |actual − expected| ≤ tol·max(1, |expected|). */
function expectClose(actual: number, expected: number, tol: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected)));
}

describe('logGamma', () => {
  // Reference values: mpmath at 40 digits.
  const cases: [number, number][] = [
    [1e-8, 18.420680738180208884],
    [0.1, 2.252712651734205902],
    [0.5, 0.57236494292470008707],
    [1, 0],
    [1.5, -0.12078223763524522235],
    [2, 0],
    [2.5, 0.28468287047291915963],
    [3.7, 1.4280723266653881292],
    [10, 12.801827480081469611],
    [30.25, 72.104204742007999824],
    [100, 359.13420536957539878],
    [1234.5, 7550.5509010778948957],
    [1e6, 12815504.56914761166],
    [1e10, 220258509288.81058147],
    [-0.5, 1.2655121234846453965],
    [-2.5, -0.056243716497674050673],
    [-10.3, -14.457515440024208334],
  ];
  it.each(cases)('lnΓ(%d) matches the reference to 1e-14', (x, expected) => {
    expectClose(logGamma(x), expected, 1e-14);
  });

  it('satisfies Γ(x+1) = xΓ(x) across scales', () => {
    for (const x of [0.003, 0.7, 4.2, 57.9, 812.25]) {
      // Rounding of the two values themselves bounds the difference's accuracy.
      const scale = Math.max(1, Math.abs(logGamma(x)));
      expect(Math.abs(logGamma(x + 1) - logGamma(x) - Math.log(x))).toBeLessThanOrEqual(4e-15 * scale);
    }
  });

  it('has poles at non-positive integers and signs between them', () => {
    expect(logGamma(0)).toBe(Infinity);
    expect(logGamma(-3)).toBe(Infinity);
    expect(gammaSign(2.5)).toBe(1);
    expect(gammaSign(-0.5)).toBe(-1);
    expect(gammaSign(-1.5)).toBe(1);
    expect(gammaSign(-2.5)).toBe(-1);
    expect(gammaSign(-2)).toBeNaN();
  });
});

describe('logBeta', () => {
  it.each([
    [0.793, 2.426, -0.51156928859370334287],
    [0.5, 0.5, 1.1447298858494001741],
    [100, 3, -13.152116335553676591],
    [1e-3, 50, 6.9032768856098271687],
  ])('ln B(%d, %d)', (a, b, expected) => {
    expectClose(logBeta(a, b), expected, 1e-13);
  });
});

describe('log-sum-exp helpers', () => {
  it('logAddExp is exact in the easy range and does not overflow', () => {
    expectClose(logAddExp(Math.log(2), Math.log(3)), Math.log(5), 1e-15);
    expectClose(logAddExp(1000, 1000), 1000 + Math.LN2, 1e-15);
    expectClose(logAddExp(-1000, -1001), -1000 + Math.log1p(Math.exp(-1)), 1e-15);
    expect(logAddExp(-Infinity, -Infinity)).toBe(-Infinity);
    expect(logAddExp(-Infinity, 2)).toBe(2);
  });

  it('logSumExp handles large, tiny and empty inputs', () => {
    expectClose(logSumExp([800, 800, 800]), 800 + Math.log(3), 1e-15);
    expectClose(logSumExp(Float64Array.of(-800, -801)), -800 + Math.log1p(Math.exp(-1)), 1e-15);
    expect(logSumExp([])).toBe(-Infinity);
  });

  it('log1pExp and logistic are stable at both ends', () => {
    expect(log1pExp(800)).toBe(800);
    expectClose(log1pExp(-800), 0, 1e-300);
    expectClose(log1pExp(0), Math.LN2, 1e-16);
    expectClose(log1pExp(-40), Math.exp(-40), 1e-16);
    expect(logistic(-800)).toBeGreaterThanOrEqual(0);
    expect(logistic(800)).toBe(1);
    expectClose(logistic(0), 0.5, 1e-16);
    expectClose(logistic(-745.2), 0, 1e-300);
  });
});

describe('hyp2f1', () => {
  // Reference values: mpmath.hyp2f1 at 40 digits, covering the direct series
  // (c − a − b ≥ 0), the Euler transformation (c − a − b < 0), Pfaff for z < 0,
  // polynomials, negative c, and z near 1.
  const cases: [number, number, number, number, number][] = [
    [1, 1, 2, 0.5, 1.3862943611198906188], // −ln(1−z)/z
    [0.5, 0.5, 1.5, 0.25, 1.0471975511965977462], // arcsin(√z)/√z
    [0.243 + 3, 2.426 + 3, 0.793 + 2.426 + 3 - 1, 0.5, 10.45086515554229053],
    [0.243, 2.426, 0.793 + 2.426 - 1, 0.9, 1.9476311698186013473],
    [2.5, 1.5, 0.7, 0.3, 5.2186305912986901372],
    [1.2, 3.4, 5.6, -2.5, 0.34869796052345409003],
    [1.2, 3.4, 5.6, -50, 0.019283603100669105088],
    [0.3, 0.7, 1.9, 0.999, 1.2501754177348681845],
    [100.24, 102.4, 101.2, 0.6, 2.3123922633272317726e40],
    [-3, 2, 1.5, 0.7, -0.075200000000000001421],
    [0.25, -0.4, -0.6, 0.4, 1.1049756127715996959],
  ];
  it.each(cases)('₂F₁(%d, %d; %d; %d)', (a, b, c, z, expected) => {
    const value = hyp2f1(a, b, c, z);
    expect(Math.abs(value - expected)).toBeLessThanOrEqual(1e-12 * Math.abs(expected));
  });

  it('converges close to z = 1, with accuracy limited by the millions of terms', () => {
    const value = hyp2f1(1.5, 2.5, 3.2, 0.99999);
    expect(Math.abs(value - 23943.958278695378855)).toBeLessThanOrEqual(1e-10 * 23943.96);
  });

  it('returns logs beyond the double range and folds in the (1 − z)^k prefactor', () => {
    // Γ(c)Γ(a+b−c)/(Γ(a)Γ(b))·(1−z)^(c−a−b) dominates as z → 1; here just check consistency.
    const { logAbs, sign } = logHyp2f1(400.24, 402.4, 401.2, 0.9);
    expect(sign).toBe(1);
    expect(logAbs).toBeGreaterThan(Math.log(Number.MAX_VALUE));
    const folded = logHyp2f1(400.24, 402.4, 401.2, 0.9, 400.24);
    expectClose(folded.logAbs, logAbs + 400.24 * Math.log1p(-0.9), 1e-12);
  });

  it('is 1 at z = 0 and rejects z ≥ 1 and poles', () => {
    expect(hyp2f1(2, 3, 4, 0)).toBe(1);
    expect(() => hyp2f1(1, 1, 2, 1)).toThrow(RangeError);
    expect(() => hyp2f1(1, 1, -2, 0.5)).toThrow(/pole/);
    expect(() => hyp2f1(1, 1, 2, 0.999999, { maxTerms: 1000 })).toThrow(/did not converge/);
  });
});
