import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { formatCurrency, formatDays, formatNumber, formatRatio, formatShare, parseLang } from '../../src/segments/i18n.ts';

// Intl separates number and unit with a no-break space in German.
const NBSP = '\u00a0';

describe('formatNumber', () => {
  it('uses English and German separators', () => {
    expect(formatNumber(1234.5, 'en', { digits: 1 })).toBe('1,234.5');
    expect(formatNumber(1234.5, 'de')).toBe('1.235');
    expect(formatNumber(1234.5, 'de', { digits: 1 })).toBe('1.234,5');
    expect(formatNumber(1234567, 'en')).toBe('1,234,567');
    expect(formatNumber(1234567, 'de')).toBe('1.234.567');
  });

  it('keeps one decimal below 100 and none above, unless told', () => {
    expect(formatNumber(12.345, 'en')).toBe('12.3');
    expect(formatNumber(12.345, 'de')).toBe('12,3');
    expect(formatNumber(123.45, 'en')).toBe('123');
    expect(formatNumber(3, 'en')).toBe('3');
    expect(formatNumber(2.5, 'en', { digits: 2, minDigits: 2 })).toBe('2.50');
  });

  it('never prints a negative zero', () => {
    expect(formatNumber(-0.01, 'en')).toBe('0');
    expect(formatNumber(-0.04, 'de')).toBe('0');
    expect(formatNumber(-0.06, 'de')).toBe('-0,1');
  });

  it('rejects NaN and infinities', () => {
    expect(() => formatNumber(Number.NaN, 'en')).toThrow(RangeError);
    expect(() => formatNumber(Infinity, 'de')).toThrow(RangeError);
  });
});

describe('formatCurrency', () => {
  it('formats with the currency symbol in the language convention', () => {
    expect(formatCurrency(1234.5, 'en', { currency: 'GBP' })).toBe('£1,235');
    expect(formatCurrency(1234.5, 'de', { currency: 'GBP' })).toBe(`1.235${NBSP}£`);
    expect(formatCurrency(1234.5, 'de', { currency: 'EUR' })).toBe(`1.235${NBSP}€`);
    expect(formatCurrency(18.5, 'en', { currency: 'EUR' })).toBe('€18.50');
    expect(formatCurrency(18.5, 'de', { currency: 'EUR' })).toBe(`18,50${NBSP}€`);
    expect(formatCurrency(-841.2, 'en', { currency: 'GBP' })).toBe('-£841');
  });

  it('prints no unit when the currency is unknown', () => {
    expect(formatCurrency(12345.678, 'en')).toBe('12,346');
    expect(formatCurrency(12345.678, 'de')).toBe('12.346');
    expect(formatCurrency(18.5, 'de')).toBe('18,50');
  });

  it('rejects a currency that is not an ISO code', () => {
    expect(() => formatCurrency(1, 'en', { currency: 'pounds' })).toThrow(InputError);
    expect(() => formatCurrency(1, 'en', { currency: 'gbp' })).toThrow(/ISO 4217/);
  });
});

describe('formatShare', () => {
  it('formats percentages with the German space', () => {
    expect(formatShare(0.07, 'en')).toBe('7%');
    expect(formatShare(0.07, 'de')).toBe(`7${NBSP}%`);
    expect(formatShare(0.414, 'en')).toBe('41%');
    expect(formatShare(1, 'en')).toBe('100%');
    expect(formatShare(0, 'de')).toBe(`0${NBSP}%`);
  });

  it('keeps small and almost-full shares honest', () => {
    expect(formatShare(0.004, 'en')).toBe('0.4%');
    expect(formatShare(0.004, 'de')).toBe(`0,4${NBSP}%`);
    expect(formatShare(0.0004, 'en')).toBe('<0.1%');
    expect(formatShare(0.997, 'en')).toBe('>99%');
    expect(formatShare(1.04, 'en')).toBe('104%');
  });

  it('uses words for natural fractions only when asked', () => {
    expect(formatShare(0.5, 'en', { words: true })).toBe('half');
    expect(formatShare(0.505, 'de', { words: true })).toBe('die Hälfte');
    expect(formatShare(0.33, 'en', { words: true })).toBe('a third');
    expect(formatShare(0.67, 'de', { words: true })).toBe('zwei Drittel');
    expect(formatShare(0.25, 'en', { words: true })).toBe('a quarter');
    expect(formatShare(0.75, 'en', { words: true })).toBe('three quarters');
    expect(formatShare(0.41, 'en', { words: true })).toBe('41%');
    expect(formatShare(0.5, 'en')).toBe('50%');
  });
});

describe('formatDays', () => {
  it('picks days, weeks, months or years', () => {
    expect(formatDays(12, 'en')).toBe('12 days');
    expect(formatDays(1, 'en')).toBe('1 day');
    expect(formatDays(21, 'en')).toBe('3 weeks');
    expect(formatDays(61, 'en')).toBe('2 months');
    expect(formatDays(365, 'en')).toBe('12 months');
    expect(formatDays(730, 'en')).toBe('2 years');
    expect(formatDays(548, 'en')).toBe('1.5 years');
    expect(formatDays(548, 'de')).toBe('1,5 Jahre');
  });

  it('writes "every …" in both languages', () => {
    expect(formatDays(21, 'en', 'every')).toBe('every 3 weeks');
    expect(formatDays(61, 'en', 'every')).toBe('every 2 months');
    expect(formatDays(7, 'en', 'every')).toBe('every 7 days');
    expect(formatDays(1, 'en', 'every')).toBe('every day');
    expect(formatDays(21, 'de', 'every')).toBe('alle 3 Wochen');
    expect(formatDays(61, 'de', 'every')).toBe('alle 2 Monate');
    expect(formatDays(1, 'de', 'every')).toBe('jeden Tag');
  });

  it('writes "… ago" with the German dative', () => {
    expect(formatDays(12, 'en', 'ago')).toBe('12 days ago');
    expect(formatDays(12, 'de', 'ago')).toBe('vor 12 Tagen');
    expect(formatDays(61, 'de', 'ago')).toBe('vor 2 Monaten');
    expect(formatDays(1, 'de', 'ago')).toBe('vor einem Tag');
    expect(formatDays(0, 'en', 'ago')).toBe('today');
    expect(formatDays(0.2, 'de', 'ago')).toBe('heute');
  });

  it('writes "for …" / "seit …"', () => {
    expect(formatDays(730, 'en', 'for')).toBe('for 2 years');
    expect(formatDays(730, 'de', 'for')).toBe('seit 2 Jahren');
    expect(formatDays(365.25 * 1.5, 'de', 'for')).toBe('seit 1,5 Jahren');
  });

  it('rejects negative and non-finite days', () => {
    expect(() => formatDays(-1, 'en')).toThrow(RangeError);
    expect(() => formatDays(Number.NaN, 'en')).toThrow(RangeError);
  });
});

describe('formatRatio and parseLang', () => {
  it('formats ratios', () => {
    expect(formatRatio(4.12, 'en')).toBe('4.1×');
    expect(formatRatio(4.12, 'de')).toBe('4,1×');
    expect(formatRatio(23.4, 'en')).toBe('23×');
  });

  it('parses languages', () => {
    expect(parseLang('DE')).toBe('de');
    expect(parseLang(' en ')).toBe('en');
    expect(() => parseLang('fr')).toThrow(InputError);
  });
});
