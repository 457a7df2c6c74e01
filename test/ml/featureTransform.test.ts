import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FeatureTransformer, quantileSorted, quantilesInPlace, signedLog1p } from '../../src/ml/featureTransform.ts';
import { Rng } from '../../src/ml/rng.ts';

describe('FeatureTransformer', () => {
  it('applies signed log1p and clips at the learnt quantiles', () => {
    const revenue = Float64Array.from({ length: 201 }, (_, i) => i * 10);
    revenue[200] = 1e9; // a whale
    const days = Float64Array.from({ length: 201 }, (_, i) => i);
    const t = new FeatureTransformer([{ name: 'revenue', log1p: true }, { name: 'days', log1p: false }], { clipQuantile: 0.01 });
    const X = t.fitTransform({ revenue, days });
    expect(X.rows).toBe(201);
    expect(X.cols).toBe(2);
    const logs = Float64Array.from(revenue, signedLog1p).sort();
    const high = quantileSorted(logs, 0.99);
    expect(X.data[200 * 2]).toBeCloseTo(high, 12);
    expect(X.data[200 * 2]).toBeLessThan(Math.log1p(1e9));
    expect(X.data[100 * 2]).toBeCloseTo(Math.log1p(1000), 12);
    expect(X.data[100 * 2 + 1]).toBe(100);
    expect(X.data[1]).toBeCloseTo(2, 12); // days clipped up to the 1st percentile (2.0)
  });

  it('log-transforms exactly as signedLog1p, table-served small counts included', () => {
    const a = Float64Array.from([...Array.from({ length: 5000 }, (_, i) => i), -0, -3, 2.5, 1e12, 4095, 4096, -4095, 2 ** 31 + 1]);
    const expected = Array.from(a, (x) => signedLog1p(x));
    const t = new FeatureTransformer([{ name: 'a', log1p: true }], { clipQuantile: 0 });
    expect(exactly(Array.from(t.fitTransform({ a }).data))).toEqual(exactly(expected));
    expect(exactly(Array.from(t.transform({ a }).data))).toEqual(exactly(expected));
  });

  it('handles negative net revenue', () => {
    expect(signedLog1p(-9)).toBeCloseTo(-Math.log(10), 12);
  });

  it('round-trips through JSON and refuses another format', () => {
    const t = new FeatureTransformer([{ name: 'a', log1p: true }]).fit({ a: Float64Array.of(1, 2, 3, 400) });
    const copy = FeatureTransformer.fromJSON(JSON.parse(JSON.stringify(t.toJSON())));
    expect(copy.transform({ a: Float64Array.of(1000) }).data).toEqual(t.transform({ a: Float64Array.of(1000) }).data);
    expect(() => FeatureTransformer.fromJSON({ format: 'other' } as never)).toThrow(/segmenta.feature-transform\/v1/);
  });

  it('names a feature that is missing or undefined for a customer', () => {
    const t = new FeatureTransformer([{ name: 'a', log1p: false }]);
    expect(() => t.fit({ b: Float64Array.of(1) })).toThrow(/unknown feature "a"/);
    t.fit({ a: Float64Array.of(1, 2) });
    expect(() => t.transform({ a: Float64Array.of(1, NaN) })).toThrow(/feature a has no value for row 1/);
  });

  it('fitTransform gives exactly fit then transform, and the same error', () => {
    const n = 5000;
    const a = Float64Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) - 20 + (i % 3 === 0 ? 0.5 : 0));
    const b = Float64Array.from({ length: n }, (_, i) => (i % 10 === 0 ? 0 : (i * 104729) % 997));
    const c = Float64Array.from({ length: n }, (_, i) => (i === 17 ? 1e9 : i % 5 === 0 ? -0 : Math.sin(i)));
    const specs = [{ name: 'a', log1p: true }, { name: 'b', log1p: false }, { name: 'c', log1p: true }];
    const columns = { a, b, c };
    const separate = new FeatureTransformer(specs).fit(columns);
    const fused = new FeatureTransformer(specs);
    const X = fused.fitTransform(columns);
    expect(Array.from(X.data).map((v) => Object.is(v, -0) ? '-0' : v)).toEqual(Array.from(separate.transform(columns).data).map((v) => Object.is(v, -0) ? '-0' : v));
    expect(fused.toJSON()).toEqual(separate.toJSON());
    const holes = { a, b: b.slice(), c: c.slice() };
    holes.c[9] = NaN;
    holes.b[40] = NaN;
    holes.b[30] = NaN;
    expect(() => new FeatureTransformer(specs).fitTransform(holes)).toThrow(/feature b has no value for row 30/);
  });
});

/** Values as sort orders them, −0 told apart from +0. */
const exactly = (values: number[]): Array<number | string> => values.map((v) => (Object.is(v, -0) ? '-0' : v));

describe('quantilesInPlace', () => {
  const reference = (values: Float64Array, qs: number[]) => {
    const sorted = values.slice().sort();
    return qs.map((q) => quantileSorted(sorted, q));
  };

  it('gives exactly the quantiles of the sorted values, ties, signed zeros and NaN included', () => {
    const value = fc.oneof(
      fc.constantFrom(0, -0, 1, -1, 2.5, NaN),
      fc.integer({ min: -5, max: 5 }),
      fc.double({ noNaN: true, min: -1e6, max: 1e6 }),
    );
    fc.assert(
      fc.property(fc.array(value, { maxLength: 300 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 4 }), (raw, qs) => {
        const values = Float64Array.from(raw);
        expect(exactly(quantilesInPlace(values.slice(), qs))).toEqual(exactly(reference(values, qs)));
      }),
      { numRuns: 500 },
    );
  });

  it('selects on large inputs with many equal values and on sorted or reversed input', () => {
    const n = 200_001;
    const inputs = [
      Float64Array.from({ length: n }, (_, i) => (i * 2654435761) % 7),
      Float64Array.from({ length: n }, (_, i) => i),
      Float64Array.from({ length: n }, (_, i) => n - i),
      Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? -0 : 0)),
      Float64Array.from({ length: n }, (_, i) => Math.sin(i) * 1e3),
    ];
    for (const values of inputs) {
      const qs = [0.005, 0.995, 0, 1, 0.5];
      expect(exactly(quantilesInPlace(values.slice(), qs))).toEqual(exactly(reference(values, qs)));
    }
  });

  it('is exact on large inputs whatever the distribution (sampling, and selection when sampling gives up)', () => {
    const rng = new Rng(5);
    const n = 40_000;
    const makers: Array<(i: number) => number> = [
      () => (rng.next() < 0.95 ? (rng.next() < 0.5 ? -0 : 0) : rng.next()), // mostly zeros of both signs
      () => Math.floor(rng.next() * 4), // four values
      () => rng.nextGaussian() * 1e-300, // tiny values around zero
      (i) => (i % 4096 === 0 ? 1e9 + i : rng.next()), // outliers exactly where the sample looks
      (i) => (i % 5 === 0 ? -1 : i), // sample-unfriendly period
      () => (rng.next() < 0.001 ? NaN : rng.next()),
      (i) => (i < n / 2 ? -0 : 0),
    ];
    for (const make of makers) {
      const values = Float64Array.from({ length: n }, (_, i) => make(i));
      const qs = [0.005, 0.995, 0.25, 0.0001, 0.9999];
      expect(exactly(quantilesInPlace(values.slice(), qs))).toEqual(exactly(reference(values, qs)));
    }
  });
});
