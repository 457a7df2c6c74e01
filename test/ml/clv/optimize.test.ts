import { describe, expect, it } from 'vitest';
import {
  invertSymmetricPositiveDefinite,
  lbfgs,
  minimize,
  nelderMead,
  numericalGradient,
  numericalHessian,
} from '../../../src/ml/clv/optimize.ts';

const rosenbrock = (x: Float64Array): number => {
  let s = 0;
  for (let i = 0; i + 1 < x.length; i += 1) s += 100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2;
  return s;
};
const rosenbrockGradient = (x: Float64Array, out: Float64Array): void => {
  out.fill(0);
  for (let i = 0; i + 1 < x.length; i += 1) {
    out[i] += -400 * x[i] * (x[i + 1] - x[i] ** 2) - 2 * (1 - x[i]);
    out[i + 1] += 200 * (x[i + 1] - x[i] ** 2);
  }
};

// An ill-conditioned quadratic (condition number 1e4) with a known minimiser.
const center = Float64Array.of(3, -2, 0.5, 7, -1);
const weights = Float64Array.of(1, 10, 100, 1000, 10000);
const quadratic = (x: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < x.length; i += 1) s += 0.5 * weights[i] * (x[i] - center[i]) ** 2;
  return s + 4;
};

function maxError(x: Float64Array, target: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i += 1) m = Math.max(m, Math.abs(x[i] - target[i]));
  return m;
}

describe('nelderMead', () => {
  it('finds the Rosenbrock minimum from the classic start (−1.2, 1)', () => {
    const result = nelderMead(rosenbrock, [-1.2, 1], { xTolerance: 1e-10, fTolerance: 1e-14 });
    expect(result.converged).toBe(true);
    expect(result.status).toBe('converged');
    expect(maxError(result.x, [1, 1])).toBeLessThan(1e-6);
    expect(result.f).toBeLessThan(1e-12);
    expect(result.restarts).toBeGreaterThanOrEqual(1);
  });

  it('handles the 4-dimensional Rosenbrock function and its second, local minimum', () => {
    const result = nelderMead(rosenbrock, [-1.2, 1, -1.2, 1], { maxIterations: 20_000, xTolerance: 1e-10, fTolerance: 1e-14 });
    expect(result.converged).toBe(true);
    expect(maxError(result.x, [1, 1, 1, 1])).toBeLessThan(1e-8);
    // From this start the simplex settles in the local minimum near (−0.776, 0.613, 0.382, 0.146)
    // that Rosenbrock has for 4 ≤ n ≤ 7: a stationary point, which the gradient confirms.
    const local = nelderMead(rosenbrock, [-1, 1.5, 0.5, -0.5], { maxIterations: 20_000, xTolerance: 1e-10, fTolerance: 1e-14 });
    expect(local.converged).toBe(true);
    expect(local.x[0]).toBeCloseTo(-0.776, 3);
    const g = new Float64Array(4);
    rosenbrockGradient(local.x, g);
    expect(Math.max(...g.map(Math.abs))).toBeLessThan(1e-5);
  });

  it('solves an ill-conditioned quadratic', () => {
    const result = nelderMead(quadratic, [0, 0, 0, 0, 0], { maxIterations: 50_000, xTolerance: 1e-10, fTolerance: 1e-14 });
    expect(result.converged).toBe(true);
    expect(maxError(result.x, center)).toBeLessThan(1e-5);
    expect(result.f - 4).toBeLessThan(1e-10);
  });

  it('reports when the budget runs out', () => {
    const result = nelderMead(rosenbrock, [-1.2, 1], { maxIterations: 20 });
    expect(result.converged).toBe(false);
    expect(result.status).toBe('max-iterations');
    expect(result.iterations).toBe(20);
    expect(result.message).toMatch(/without meeting the tolerances/);
  });

  it('treats non-finite values as +∞ and reports a non-finite start', () => {
    const logBarrier = (x: Float64Array): number => (x[0] <= 0 ? NaN : x[0] - Math.log(x[0]));
    const result = nelderMead(logBarrier, [3], { xTolerance: 1e-10, fTolerance: 1e-15 });
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBeCloseTo(1, 6);
    const bad = nelderMead(logBarrier, [-1]);
    expect(bad.status).toBe('non-finite-start');
    expect(bad.converged).toBe(false);
  });

  it('restarts from the best point: a restart never makes the answer worse', () => {
    let calls = 0;
    const counted = (x: Float64Array): number => {
      calls += 1;
      return rosenbrock(x);
    };
    const single = nelderMead(counted, [-1.2, 1], { maxRestarts: 0 });
    const restarted = nelderMead(rosenbrock, [-1.2, 1], { maxRestarts: 5 });
    expect(calls).toBe(single.evaluations);
    expect(restarted.f).toBeLessThanOrEqual(single.f);
  });
});

describe('lbfgs', () => {
  it('minimises Rosenbrock with the analytic gradient', () => {
    const result = lbfgs(rosenbrock, [-1.2, 1], { gradient: rosenbrockGradient, gradientTolerance: 1e-10 });
    expect(result.converged).toBe(true);
    expect(maxError(result.x, [1, 1])).toBeLessThan(1e-8);
    expect(result.gradientNorm).toBeLessThanOrEqual(1e-10);
  });

  it('minimises 6-dimensional Rosenbrock with difference gradients', () => {
    const result = lbfgs(rosenbrock, [-1.2, 1, -1.2, 1, -1.2, 1], { gradientTolerance: 1e-7 });
    expect(result.converged).toBe(true);
    expect(maxError(result.x, [1, 1, 1, 1, 1, 1])).toBeLessThan(1e-6);
  });

  it('solves the ill-conditioned quadratic', () => {
    const result = minimize(quadratic, [0, 0, 0, 0, 0], { method: 'lbfgs', gradientTolerance: 1e-9 });
    expect(result.converged).toBe(true);
    expect(maxError(result.x, center)).toBeLessThan(1e-9);
  });

  it('reports when the budget runs out', () => {
    const result = lbfgs(rosenbrock, [-1.2, 1], { gradient: rosenbrockGradient, maxIterations: 3 });
    expect(result.converged).toBe(false);
    expect(result.status).toBe('max-iterations');
  });
});

describe('numerical derivatives and the SPD inverse', () => {
  it('differentiates a smooth function to ~1e-9', () => {
    const f = (x: Float64Array): number => Math.exp(x[0]) * Math.sin(x[1]) + x[0] * x[1] ** 2;
    const x = Float64Array.of(0.3, 1.1);
    const g = numericalGradient(f, x);
    expect(g[0]).toBeCloseTo(Math.exp(0.3) * Math.sin(1.1) + 1.1 ** 2, 9);
    expect(g[1]).toBeCloseTo(Math.exp(0.3) * Math.cos(1.1) + 2 * 0.3 * 1.1, 9);
    const h = numericalHessian(f, x);
    expect(h[0][0]).toBeCloseTo(Math.exp(0.3) * Math.sin(1.1), 6);
    expect(h[1][1]).toBeCloseTo(-Math.exp(0.3) * Math.sin(1.1) + 2 * 0.3, 6);
    expect(h[0][1]).toBeCloseTo(Math.exp(0.3) * Math.cos(1.1) + 2 * 1.1, 6);
    expect(h[1][0]).toBe(h[0][1]);
  });

  it('inverts an SPD matrix and refuses an indefinite one', () => {
    const a = [
      [4, 1, 0.5],
      [1, 3, 0.2],
      [0.5, 0.2, 2],
    ];
    const inverse = invertSymmetricPositiveDefinite(a);
    expect(inverse).not.toBeNull();
    for (let i = 0; i < 3; i += 1) {
      for (let j = 0; j < 3; j += 1) {
        let s = 0;
        for (let k = 0; k < 3; k += 1) s += a[i][k] * inverse![k][j];
        expect(s).toBeCloseTo(i === j ? 1 : 0, 12);
      }
    }
    expect(invertSymmetricPositiveDefinite([[1, 2], [2, 1]])).toBeNull();
  });
});
