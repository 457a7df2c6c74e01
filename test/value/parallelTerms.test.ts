/**
 * The fits' likelihoods with a helper thread are the sequential likelihoods
 * bit for bit, so the fitted parameters do not depend on the thread count.
 */
import { describe, expect, it } from 'vitest';
import {
  BetaGeoFitter,
  GammaGammaFitter,
  ModifiedBetaGeoFitter,
  betaGeoNegativeLogLikelihood,
  compress,
  gammaGammaLogLikelihood,
  modifiedBetaGeoNegativeLogLikelihood,
} from '../../src/ml/clv/index.ts';
import { checkRfmArrays } from '../../src/ml/clv/common.ts';
import { MIN_PARALLEL_ROWS, betaGeoFamilyLikelihood, gammaGammaLikelihood } from '../../src/ml/clv/parallelTerms.ts';

/** Seeded customers with visible dropout: more distinct histories than MIN_PARALLEL_ROWS. */
function population(n: number) {
  let state = 11;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const frequency = new Float64Array(n);
  const recency = new Float64Array(n);
  const T = new Float64Array(n);
  const monetary = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    const age = 30 + Math.floor(next() * 700);
    const rate = -Math.log(1 - next()) / 30;
    const alive = Math.floor(next() * age * 1.5);
    let t = 0;
    let x = 0;
    let last = 0;
    for (;;) {
      t += -Math.log(1 - next()) / rate;
      if (t > Math.min(age, alive)) break;
      x += 1;
      last = Math.floor(t);
    }
    frequency[i] = x;
    recency[i] = x > 0 ? last / 7 : 0;
    T[i] = age / 7;
    monetary[i] = x > 0 ? Math.round((5 + 200 * next() ** 2) * 100) / 100 : 0;
  }
  return { frequency, recency, T, monetary };
}

const data = population(60_000);

describe('likelihoods with a helper thread', () => {
  const compressed = compress(checkRfmArrays('test', data.frequency, data.recency, data.T), 0.07);

  it('has enough distinct histories to use the helper', () => {
    expect(compressed.x.length).toBeGreaterThanOrEqual(MIN_PARALLEL_ROWS);
  });

  for (const [model, sequential] of [
    ['bgnbd', betaGeoNegativeLogLikelihood],
    ['mbgnbd', modifiedBetaGeoNegativeLogLikelihood],
  ] as const) {
    it(`equal the sequential ${model} likelihood bit for bit, on one thread and on two`, () => {
      for (const threads of [1, 2]) {
        const likelihood = betaGeoFamilyLikelihood(model, compressed, threads);
        try {
          for (const params of [
            [0.2, 1.3, 0.4, 2.1],
            [0.9, 8, 1.7, 0.3],
            [1e-3, 1e3, 50, 1e-2],
          ]) {
            const p = Float64Array.from(params);
            expect(likelihood.evaluate(p)).toBe(sequential(p, compressed));
          }
        } finally {
          likelihood.close();
        }
      }
    });
  }

  it('equal the sequential Gamma-Gamma likelihood bit for bit', () => {
    const x: number[] = [];
    const m: number[] = [];
    data.frequency.forEach((f, i) => {
      if (f > 0) {
        x.push(f);
        m.push(data.monetary[i]);
      }
    });
    expect(x.length).toBeGreaterThanOrEqual(MIN_PARALLEL_ROWS);
    const levels = [...new Set(x)];
    const prepared = {
      x: Float64Array.from(x),
      logM: Float64Array.from(m, Math.log),
      xm: Float64Array.from(x, (f, i) => f * m[i]),
      level: Int32Array.from(x, (f) => levels.indexOf(f)),
      levels: Float64Array.from(levels),
    };
    for (const threads of [1, 2]) {
      const likelihood = gammaGammaLikelihood(prepared, threads);
      try {
        for (const [p, q, gamma] of [
          [6, 3.7, 15],
          [0.5, 2, 300],
        ]) {
          expect(likelihood.evaluate(Float64Array.of(p, q, gamma))).toBe(gammaGammaLogLikelihood(p, q, gamma, x, m));
        }
      } finally {
        likelihood.close();
      }
    }
  });
});

describe('fits', () => {
  it('give the same parameters, errors and log-likelihood on one thread and on two', () => {
    for (const Fitter of [BetaGeoFitter, ModifiedBetaGeoFitter]) {
      const one = new Fitter({ threads: 1 }).fit(data.frequency, data.recency, data.T).toJSON();
      const two = new Fitter({ threads: 2 }).fit(data.frequency, data.recency, data.T).toJSON();
      expect(two).toEqual(one);
    }
    const one = new GammaGammaFitter({ threads: 1 }).fit(data.frequency, data.monetary).toJSON();
    const two = new GammaGammaFitter({ threads: 2 }).fit(data.frequency, data.monetary).toJSON();
    expect(two).toEqual(one);
  });
});
