import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { classifySize, SME_CEILINGS, validateFirmSize } from '../../src/firmographics/sizeClass.ts';

describe('classifySize (Recommendation 2003/361/EC, turnover criterion)', () => {
  it('classes by both ceilings, at and around each boundary', () => {
    const cases: [number, number, string][] = [
      [0, 0, 'micro'],
      [9, 2_000_000, 'micro'],
      [10, 2_000_000, 'small'], // headcount ceiling is strict (< 10)
      [9, 2_000_001, 'small'], // turnover ceiling is inclusive (≤ 2 m)
      [49, 10_000_000, 'small'],
      [50, 10_000_000, 'medium'],
      [49, 10_000_001, 'medium'],
      [249, 50_000_000, 'medium'],
      [250, 1_000_000, 'large'],
      [249, 50_000_001, 'large'],
      [5, 60_000_000, 'large'], // few staff but turnover above every ceiling
      [300, 500_000, 'large'], // low turnover does not make a big headcount small
    ];
    for (const [employees, revenue, expected] of cases) {
      const result = classifySize(employees, revenue);
      expect(result.sizeClass, `${employees} employees, ${revenue} EUR`).toBe(expected);
      expect(result.basis).toBe('employees+turnover');
      expect(result.note).toBeUndefined();
    }
  });

  it('uses the one known figure alone and says so', () => {
    expect(classifySize(5, null)).toEqual({ sizeClass: 'micro', basis: 'employees', note: 'annual revenue unknown; classified on employees alone' });
    expect(classifySize(120, undefined).sizeClass).toBe('medium');
    expect(classifySize(250, null).sizeClass).toBe('large');
    expect(classifySize(null, 9_000_000)).toEqual({ sizeClass: 'small', basis: 'turnover', note: 'employees unknown; classified on annual revenue alone' });
    expect(classifySize(undefined, 50_000_000).sizeClass).toBe('medium');
    expect(classifySize(null, 50_000_001).sizeClass).toBe('large');
  });

  it('is unknown when neither figure is known', () => {
    expect(classifySize(null, null)).toMatchObject({ sizeClass: 'unknown', basis: 'none' });
    expect(classifySize(undefined, undefined).sizeClass).toBe('unknown');
  });

  it('throws InputError with the offending value for invalid figures', () => {
    expect(() => classifySize(-1, 100)).toThrow(InputError);
    expect(() => classifySize(-1, 100)).toThrow(/employees "-1" is negative/);
    expect(() => classifySize(2.5, 100)).toThrow(/employees "2.5" is not a whole number/);
    expect(() => classifySize(3, -5)).toThrow(/annual revenue "-5" is negative/);
    expect(() => classifySize(3, Number.NaN)).toThrow(/annual revenue "NaN" is not a finite number/);
  });

  it('has the ceilings of the Recommendation', () => {
    expect(SME_CEILINGS.map((c) => [c.sizeClass, c.employeesBelow, c.turnoverAtMostEur])).toEqual([
      ['micro', 10, 2_000_000],
      ['small', 50, 10_000_000],
      ['medium', 250, 50_000_000],
    ]);
  });
});

describe('validateFirmSize', () => {
  it('accepts numbers and plain numeric strings, and treats empty values as unknown', () => {
    expect(validateFirmSize({ employees: 12, annualRevenueEur: 1_500_000.5 })).toEqual({ ok: true, value: { employees: 12, annualRevenueEur: 1_500_000.5 } });
    expect(validateFirmSize({ employees: ' 12 ', annualRevenueEur: '2500000' })).toEqual({ ok: true, value: { employees: 12, annualRevenueEur: 2_500_000 } });
    expect(validateFirmSize({ employees: '', annualRevenueEur: null })).toEqual({ ok: true, value: { employees: null, annualRevenueEur: null } });
    expect(validateFirmSize({})).toEqual({ ok: true, value: { employees: null, annualRevenueEur: null } });
  });

  it('gives every reason at once', () => {
    const result = validateFirmSize({ employees: 'zehn', annualRevenueEur: -3 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toContain('employees "zehn" is not a number');
    expect(result.reason).toContain('annual revenue "-3" is negative');
  });

  it('rejects fractional headcounts, infinities and German decimal commas', () => {
    const reasonOf = (input: Parameters<typeof validateFirmSize>[0]): string => {
      const r = validateFirmSize(input);
      return r.ok ? '' : r.reason;
    };
    expect(reasonOf({ employees: 7.5 })).toMatch(/not a whole number/);
    expect(reasonOf({ employees: '7.5' })).toMatch(/not a whole number/);
    expect(reasonOf({ annualRevenueEur: Number.POSITIVE_INFINITY })).toMatch(/not a finite number/);
    expect(reasonOf({ annualRevenueEur: '2,5' })).toMatch(/not a finite number/);
    expect(reasonOf({ employees: true })).toMatch(/not a number/);
  });
});
