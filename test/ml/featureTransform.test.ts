import { describe, expect, it } from 'vitest';
import { FeatureTransformer, quantileSorted, signedLog1p } from '../../src/ml/featureTransform.ts';

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
});
