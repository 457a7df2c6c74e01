/**
 * Number, money, share and duration formatting for segment texts, in English
 * and German.
 *
 * Every formatter takes the language explicitly and pins the `Intl` locale
 * for it, so output never depends on the machine's locale: the same run gives
 * byte-identical `segments.json` on a laptop in Munich and in CI. German
 * output uses German conventions (`1.234,5`, `7 %`, `1.235 £`) with the
 * non-breaking spaces `Intl` puts between number and unit, so a line break
 * never separates them.
 */

import { InputError, show } from '../errors.ts';

/** The languages segment texts are written in. */
export type Lang = 'en' | 'de';

/** All supported languages, in documentation order. */
export const LANGS: readonly Lang[] = ['en', 'de'];

/** A text in every supported language. */
export type Localized = Readonly<Record<Lang, string>>;

/**
 * The `Intl` locale behind each language. British English because the
 * embedded data set is a UK retailer and en-GB writes dates and money the way
 * its users expect; the digits themselves are the same as en-US.
 */
export const LOCALE: Readonly<Record<Lang, string>> = { en: 'en-GB', de: 'de-DE' };

/**
 * Reads a language code given by the user (flag or option).
 *
 * @throws {InputError} when the code is not one of {@link LANGS}.
 */
export function parseLang(value: string): Lang {
  const lang = value.trim().toLowerCase();
  if (lang === 'en' || lang === 'de') return lang;
  throw new InputError(`language ${show(value)} is not supported; expected one of: ${LANGS.join(', ')}`);
}

/** Options of {@link formatNumber}. */
export interface NumberOptions {
  /**
   * Maximum digits after the decimal separator. Default: 0 for |value| ≥ 100,
   * else 1 — enough precision to tell 2.5 from 3 orders, none where a decimal
   * would be noise (1,234.6 products).
   */
  digits?: number;
  /** Minimum digits after the decimal separator (default 0). */
  minDigits?: number;
}

// One formatter per (locale, options) pair; building Intl objects is slow and
// descriptions format hundreds of numbers per run.
const formatterCache = new Map<string, Intl.NumberFormat>();

function formatter(lang: Lang, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${lang}|${JSON.stringify(options)}`;
  let cached = formatterCache.get(key);
  if (!cached) {
    cached = new Intl.NumberFormat(LOCALE[lang], options);
    formatterCache.set(key, cached);
  }
  return cached;
}

function assertFinite(value: number, what: string): void {
  if (!Number.isFinite(value)) throw new RangeError(`${what} must be a finite number, got ${String(value)}`);
}

/**
 * A value that rounds to zero at `digits` decimals, as +0: Intl prints −0.001
 * as "-0", which reads like an error in a segment description.
 */
function unsignedZero(value: number, digits: number): number {
  return Math.abs(value) < 0.5 * 10 ** -digits ? 0 : value;
}

function defaultDigits(value: number): number {
  return Math.abs(value) >= 100 ? 0 : 1;
}

/**
 * Formats a plain number with the language's separators: `formatNumber(1234.5, 'de')` → `"1.234,5"`.
 *
 * @throws {RangeError} for NaN or ±Infinity (a bug upstream; we never print "NaN" to marketing).
 */
export function formatNumber(value: number, lang: Lang, options: NumberOptions = {}): string {
  assertFinite(value, 'number');
  const max = options.digits ?? defaultDigits(value);
  const min = Math.min(options.minDigits ?? 0, max);
  return formatter(lang, { minimumFractionDigits: min, maximumFractionDigits: max }).format(unsignedZero(value, max));
}

/** Options of {@link formatCurrency}. */
export interface CurrencyOptions {
  /** ISO 4217 code (`GBP`, `EUR`); when absent the amount is printed without a unit. */
  currency?: string;
  /**
   * Digits after the decimal separator. Default: 0 for |amount| ≥ 100 (nobody
   * needs pence on £12,345), else 2 (£18.50 is a price people recognise).
   */
  digits?: number;
}

const CURRENCY_CODE = /^[A-Z]{3}$/;

/**
 * Formats a money amount: `formatCurrency(1234.5, 'en', { currency: 'GBP' })`
 * → `"£1,235"`; in German `"1.235 £"`. Without a currency code the input's
 * currency is unknown, so no symbol is invented: `"1,235"`.
 *
 * @throws {InputError} when `currency` is not a three-letter upper-case code (it comes from an option).
 * @throws {RangeError} for a non-finite amount.
 */
export function formatCurrency(amount: number, lang: Lang, options: CurrencyOptions = {}): string {
  assertFinite(amount, 'amount');
  const digits = options.digits ?? (Math.abs(amount) >= 100 ? 0 : 2);
  if (options.currency === undefined) {
    return formatter(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(unsignedZero(amount, digits));
  }
  if (!CURRENCY_CODE.test(options.currency)) {
    throw new InputError(`currency ${show(options.currency)} is not an ISO 4217 code; expected three capital letters such as GBP or EUR`);
  }
  return formatter(lang, {
    style: 'currency',
    currency: options.currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(unsignedZero(amount, digits));
}

/** Options of {@link formatShare}. */
export interface ShareOptions {
  /**
   * Say "half", "a third", "three quarters" … when the share is within
   * {@link SHARE_WORD_TOLERANCE} of that fraction. Reads better in running
   * text; tables keep percentages.
   */
  words?: boolean;
}

/** How close (in share points) a share must be to 1/2, 1/3 … to be written as a word. */
export const SHARE_WORD_TOLERANCE = 0.01;

/** The fractions written as words, with their wording in each language. */
export const SHARE_WORDS: ReadonlyArray<{ value: number; text: Localized }> = [
  { value: 1 / 4, text: { en: 'a quarter', de: 'ein Viertel' } },
  { value: 1 / 3, text: { en: 'a third', de: 'ein Drittel' } },
  { value: 1 / 2, text: { en: 'half', de: 'die Hälfte' } },
  { value: 2 / 3, text: { en: 'two thirds', de: 'zwei Drittel' } },
  { value: 3 / 4, text: { en: 'three quarters', de: 'drei Viertel' } },
];

/**
 * Formats a share (0.07 = 7 %) as a percentage: `"7%"` / `"7 %"`. Whole
 * percent normally; one decimal below 1 % so a small segment does not read
 * "0%"; `"<0.1%"` below that and `">99%"` when 100 % would be a rounding lie.
 * Shares outside [0, 1] (a segment's share of a net revenue that other
 * segments' returns reduce) are printed as they are.
 *
 * @throws {RangeError} for a non-finite share.
 */
export function formatShare(share: number, lang: Lang, options: ShareOptions = {}): string {
  assertFinite(share, 'share');
  if (options.words) {
    for (const word of SHARE_WORDS) {
      if (Math.abs(share - word.value) <= SHARE_WORD_TOLERANCE) return word.text[lang];
    }
  }
  const percent = (digits: number) => (value: number) =>
    formatter(lang, { style: 'percent', minimumFractionDigits: 0, maximumFractionDigits: digits }).format(unsignedZero(value, digits + 2));
  if (share > 0 && share < 0.001) return `<${percent(1)(0.001)}`;
  if (share > 0 && share < 0.0095) return percent(1)(share);
  if (share >= 0.995 && share < 1) return `>${percent(0)(0.99)}`;
  return percent(0)(share);
}

/** How {@link formatDays} phrases a number of days. */
export type DaysStyle =
  /** "3 weeks" / "3 Wochen" */
  | 'duration'
  /** "3 weeks ago" / "vor 3 Wochen" */
  | 'ago'
  /** "every 3 weeks" / "alle 3 Wochen" */
  | 'every'
  /** "for 3 weeks" / "seit 3 Wochen" */
  | 'for';

type TimeUnit = 'day' | 'week' | 'month' | 'year';

/**
 * Where one time unit gives way to the next, in days. Below two weeks we count
 * days (people think "10 days", not "1.4 weeks"); below eight weeks, weeks;
 * below eighteen months, months; then years to the half year.
 */
export const DAY_UNIT_LIMITS = { days: 14, weeks: 56, months: 548 } as const;

/** Mean length of a month in days (365.25 / 12). */
export const DAYS_PER_MONTH = 30.4375;

/** Mean length of a year in days. */
export const DAYS_PER_YEAR = 365.25;

// Word forms per unit: English singular/plural; German nominative (after a
// number, and after "alle"), dative plural (after "vor"/"seit"), and the
// singular forms with their article.
const UNIT_WORDS: Record<TimeUnit, {
  en: [string, string];
  deNom: [string, string];
  deDat: [string, string];
  deEvery: string;
}> = {
  day: { en: ['day', 'days'], deNom: ['Tag', 'Tage'], deDat: ['einem Tag', 'Tagen'], deEvery: 'jeden Tag' },
  week: { en: ['week', 'weeks'], deNom: ['Woche', 'Wochen'], deDat: ['einer Woche', 'Wochen'], deEvery: 'jede Woche' },
  month: { en: ['month', 'months'], deNom: ['Monat', 'Monate'], deDat: ['einem Monat', 'Monaten'], deEvery: 'jeden Monat' },
  year: { en: ['year', 'years'], deNom: ['Jahr', 'Jahre'], deDat: ['einem Jahr', 'Jahren'], deEvery: 'jedes Jahr' },
};

/** Converts days to (amount, unit) in the unit a person would use. */
function humanSpan(days: number): { amount: number; unit: TimeUnit } {
  const d = Math.round(days);
  if (d < DAY_UNIT_LIMITS.days) return { amount: d, unit: 'day' };
  if (d < DAY_UNIT_LIMITS.weeks) return { amount: Math.round(d / 7), unit: 'week' };
  if (d < DAY_UNIT_LIMITS.months) return { amount: Math.max(2, Math.round(d / DAYS_PER_MONTH)), unit: 'month' };
  return { amount: Math.round((d / DAYS_PER_YEAR) * 2) / 2, unit: 'year' };
}

/**
 * Turns a number of days into words: `formatDays(21, 'en', 'every')` →
 * `"every 3 weeks"`, `formatDays(61, 'de', 'every')` → `"alle 2 Monate"`,
 * `formatDays(12, 'de', 'ago')` → `"vor 12 Tagen"`, `formatDays(0, 'en', 'ago')` → `"today"`.
 *
 * @throws {RangeError} for a negative or non-finite number of days.
 */
export function formatDays(days: number, lang: Lang, style: DaysStyle = 'duration'): string {
  assertFinite(days, 'days');
  if (days < 0) throw new RangeError(`days must not be negative, got ${days}`);
  const { amount, unit } = humanSpan(days);
  const words = UNIT_WORDS[unit];
  const one = amount === 1;
  const n = formatNumber(amount, lang, { digits: 1 });

  if (amount === 0) {
    // Only reachable for days < 0.5: the same day.
    const today: Record<DaysStyle, Localized> = {
      duration: { en: 'less than a day', de: 'weniger als ein Tag' },
      ago: { en: 'today', de: 'heute' },
      every: { en: 'several times a day', de: 'mehrmals täglich' },
      for: { en: 'less than a day', de: 'weniger als einem Tag' },
    };
    const text = today[style][lang];
    return style === 'for' ? (lang === 'en' ? `for ${text}` : `seit ${text}`) : text;
  }

  if (lang === 'en') {
    const noun = words.en[one ? 0 : 1];
    switch (style) {
      case 'duration':
        return `${n} ${noun}`;
      case 'ago':
        return `${n} ${noun} ago`;
      case 'every':
        return one ? `every ${noun}` : `every ${n} ${noun}`;
      case 'for':
        return `for ${n} ${noun}`;
    }
  }
  switch (style) {
    case 'duration':
      return `${n} ${words.deNom[one ? 0 : 1]}`;
    case 'ago':
      return one ? `vor ${words.deDat[0]}` : `vor ${n} ${words.deDat[1]}`;
    case 'every':
      return one ? words.deEvery : `alle ${n} ${words.deNom[1]}`;
    case 'for':
      return one ? `seit ${words.deDat[0]}` : `seit ${n} ${words.deDat[1]}`;
  }
}

/**
 * Formats how many times bigger a value is than a reference: `"4.1×"` / `"4,1×"`;
 * one decimal below 10, whole numbers above (nobody reads "23.4×" closer than "23×").
 *
 * @throws {RangeError} for a non-finite ratio.
 */
export function formatRatio(ratio: number, lang: Lang): string {
  assertFinite(ratio, 'ratio');
  return `${formatNumber(ratio, lang, { digits: Math.abs(ratio) >= 10 ? 0 : 1 })}×`;
}
