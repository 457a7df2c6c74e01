import { describe, expect, it } from 'vitest';
import { parseDiscoverOptions, parseK } from '../../src/config.ts';

describe('options', () => {
  it('parses --k', () => {
    expect(parseK('auto')).toEqual({ kind: 'range', min: 2, max: 10, auto: true });
    expect(parseK('6')).toEqual({ kind: 'fixed', k: 6 });
    expect(parseK('3..8')).toEqual({ kind: 'range', min: 3, max: 8, auto: false });
    expect(() => parseK('8..3')).toThrow('--k: expected a range MIN..MAX with 2 ≤ MIN ≤ MAX ≤ 50, got 8..3');
    expect(() => parseK('many')).toThrow(/--k: expected auto, a number or MIN..MAX/);
  });

  it('names the flag and the value it got', () => {
    expect(() => parseDiscoverOptions({ input: 'a', out: 'b', asOf: '2011-13-01' })).toThrow(/--as-of: .*got "2011-13-01"/);
    expect(() => parseDiscoverOptions({ input: 'a', out: 'b', seed: '-1' })).toThrow(/--seed: .*got "-1"/);
    expect(() => parseDiscoverOptions({ input: 'a', out: 'b', atRiskDays: '200' })).toThrow(/--at-risk-days \(200\) must be smaller than --inactive-days \(180\)/);
  });

  it('fills the defaults', () => {
    const o = parseDiscoverOptions({ input: 'a', out: 'b' });
    expect(o).toMatchObject({ seed: 42, nInit: 10, pcaVariance: 0.9, inactiveDays: 180, atRiskDays: 90, newDays: 90, kSpec: { kind: 'range', min: 2, max: 10 } });
  });
});
