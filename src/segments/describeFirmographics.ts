/**
 * Who a segment is, in one sentence: its industries, company sizes and
 * regions — "Mostly wholesale trade (WZ 46), small firms in Bavaria and
 * Baden-Württemberg" — and, for the one-line summary, how often it orders.
 *
 * Additive to the behavioural description (./describe.ts): discover puts the
 * who-sentence in front of it when the run has a customer master. The
 * figures are a segment's counts ({@link FirmographicCounts}, as in
 * `SegmentFirmographics`: customers per WZ division,
 * size class and state), so the same segment always reads the same.
 *
 * The words' thresholds, in one place:
 * - industry: one WZ division with at least half of the customers whose
 *   industry is known → "mostly X (WZ nn)"; else two divisions together
 *   → "mainly X (WZ nn) and Y (WZ mm)"; else one section → "mostly X
 *   (section G)"; else "a mix of industries, most often X (WZ nn, 23%)".
 * - size: one EU size class with at least 60 % of the customers whose size is
 *   known → "small firms"; else the two most common, smaller first.
 * - region: one state with half → "in Bavaria"; two states together → "in
 *   Bavaria and Baden-Württemberg"; else "across Germany, most in X (21%)".
 * - coverage: below 90 % of the segment with master data, the share is said.
 * - cadence (summary only): the median days between orders: ≤ 10 weekly,
 *   ≤ 21 every two weeks, ≤ 45 monthly, ≤ 120 quarterly, else rarely; a
 *   segment whose median customer ordered once "mostly ordered once".
 */
import { BUNDESLAENDER, type BundeslandCode } from '../firmographics/postcode.ts';
import { WZ_DIVISIONS, WZ_SECTIONS, type WzSection } from '../firmographics/wz2008.ts';
import { formatShare, type Lang } from './i18n.ts';

/** Share of the known values one category needs to be called "mostly". */
export const DOMINANT_SHARE = 0.5;
/** Share of the known sizes one size class needs to stand alone. */
export const DOMINANT_SIZE_SHARE = 0.6;
/** Below this share of the segment with master data, the sentence says how many have it. */
export const COVERAGE_NOTE_BELOW = 0.9;

/** What the sentences are built from: a segment's counts (as in {@link SegmentFirmographics}). */
export interface FirmographicCounts {
  customers: number;
  customers_with_master: number;
  divisions: Record<string, number>;
  sections: Record<string, number>;
  size_classes: Record<string, number>;
  /** Customers per state (or `abroad`), most customers first. */
  states: ReadonlyArray<{ state: string; customers: number }>;
}

/** The EU size classes from small to large (order of "small and medium-sized"). */
const SIZE_ORDER = ['micro', 'small', 'medium', 'large'] as const;

const SIZE_WORDS: Readonly<Record<(typeof SIZE_ORDER)[number], { en: string; de: string }>> = {
  micro: { en: 'micro', de: 'Kleinst' },
  small: { en: 'small', de: 'kleine' },
  medium: { en: 'medium-sized', de: 'mittlere' },
  large: { en: 'large', de: 'große' },
};

/**
 * A short name for a WZ title: the part before the first comma, semicolon or
 * bracket, without "n.e.c." — "Wholesale trade, except of motor vehicles…"
 * → "Wholesale trade", "Großhandel (ohne Handel mit Kraftfahrzeugen)" →
 * "Großhandel".
 */
export function shortTitle(title: string): string {
  return title.split(/[,;(]/)[0]!.replace(/\s+n\.e\.c\.\s*$/, '').trim();
}

function divisionName(division: string, lang: Lang, inSentence: boolean): string {
  const title = WZ_DIVISIONS[division];
  if (!title) return `WZ ${division}`;
  const name = shortTitle(title[lang]);
  // English common nouns are lower case inside a sentence; German nouns keep their capital.
  return lang === 'en' && inSentence ? lowerFirst(name) : name;
}

function sectionName(section: string, lang: Lang): string {
  const entry = WZ_SECTIONS[section as WzSection];
  if (!entry) return section;
  const name = shortTitle(entry.name[lang]);
  return lang === 'en' ? lowerFirst(name) : name;
}

function stateName(state: string, lang: Lang): string {
  if (state === 'abroad') return lang === 'en' ? 'abroad' : 'im Ausland';
  const entry = BUNDESLAENDER[state as BundeslandCode];
  return entry ? entry.name[lang] : state;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function sorted(counts: Record<string, number>): Array<[string, number]> {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

function total(entries: ReadonlyArray<[string, number]>): number {
  return entries.reduce((sum, [, n]) => sum + n, 0);
}

/** "mostly wholesale trade (WZ 46)" and its variants; null when no industry is known. */
export function industryPhrase(f: Pick<FirmographicCounts, 'divisions' | 'sections'>, lang: Lang): string | null {
  const divisions = sorted(f.divisions);
  const known = total(divisions);
  if (known === 0) return null;
  const [first, second] = divisions;
  const wz = (division: string) => `${divisionName(division, lang, true)} (WZ ${division})`;
  if (first![1] / known >= DOMINANT_SHARE) return lang === 'en' ? `mostly ${wz(first![0])}` : `überwiegend ${wz(first![0])}`;
  if (second && (first![1] + second[1]) / known >= DOMINANT_SHARE) {
    return lang === 'en' ? `mainly ${wz(first![0])} and ${wz(second[0])}` : `vor allem ${wz(first![0])} und ${wz(second[0])}`;
  }
  const sections = sorted(f.sections);
  const [topSection] = sections;
  if (topSection && topSection[1] / total(sections) >= DOMINANT_SHARE) {
    return lang === 'en'
      ? `mostly ${sectionName(topSection[0], lang)} (section ${topSection[0]})`
      : `überwiegend ${sectionName(topSection[0], lang)} (Abschnitt ${topSection[0]})`;
  }
  const share = formatShare(first![1] / known, lang);
  return lang === 'en'
    ? `a mix of industries, most often ${divisionName(first![0], lang, true)} (WZ ${first![0]}, ${share})`
    : `gemischte Branchen, am häufigsten ${divisionName(first![0], lang, true)} (WZ ${first![0]}, ${share})`;
}

/** "small firms", "small and medium-sized firms"; null when no size is known. */
export function sizePhrase(f: Pick<FirmographicCounts, 'size_classes'>, lang: Lang): string | null {
  const known = sorted(Object.fromEntries(SIZE_ORDER.map((c) => [c, f.size_classes[c] ?? 0])));
  const n = total(known);
  if (n === 0) return null;
  const [first, second] = known as Array<[(typeof SIZE_ORDER)[number], number]>;
  const classes =
    first![1] / n >= DOMINANT_SIZE_SHARE || !second ? [first![0]] : [first![0], second[0]].sort((a, b) => SIZE_ORDER.indexOf(a) - SIZE_ORDER.indexOf(b));
  if (lang === 'en') {
    const noun = classes.length === 1 && classes[0] === 'large' ? 'companies' : 'firms';
    return `${classes.map((c) => SIZE_WORDS[c].en).join(' and ')} ${noun}`;
  }
  if (classes.length === 1) {
    return classes[0] === 'micro' ? 'Kleinstunternehmen' : classes[0] === 'large' ? 'Großunternehmen' : `${SIZE_WORDS[classes[0]!].de} Unternehmen`;
  }
  return `${classes.map((c) => (c === 'micro' ? 'Kleinst-' : SIZE_WORDS[c].de)).join(' und ')} Unternehmen`.replace('Kleinst- und kleine Unternehmen', 'Kleinst- und Kleinunternehmen');
}

/** "in Bavaria", "in Bavaria and Baden-Württemberg", "across Germany, most in …"; null when no state is known. */
export function regionPhrase(f: Pick<FirmographicCounts, 'states'>, lang: Lang): string | null {
  const states = f.states.filter((s) => s.customers > 0);
  const n = states.reduce((sum, s) => sum + s.customers, 0);
  if (n === 0) return null;
  const [first, second] = states;
  const where = (state: string) => (state === 'abroad' ? stateName(state, lang) : `in ${stateName(state, lang)}`);
  if (first!.customers / n >= DOMINANT_SHARE) return where(first!.state);
  if (second && (first!.customers + second.customers) / n >= DOMINANT_SHARE) {
    if (first!.state === 'abroad' || second.state === 'abroad') return `${where(first!.state)} ${lang === 'en' ? 'and' : 'und'} ${where(second.state)}`;
    return `in ${stateName(first!.state, lang)} ${lang === 'en' ? 'and' : 'und'} ${stateName(second.state, lang)}`;
  }
  const share = formatShare(first!.customers / n, lang);
  return lang === 'en'
    ? `across Germany, most ${first!.state === 'abroad' ? 'abroad' : `in ${stateName(first!.state, lang)}`} (${share})`
    : `bundesweit, am meisten ${first!.state === 'abroad' ? 'im Ausland' : `in ${stateName(first!.state, lang)}`} (${share})`;
}

/** How often the segment's typical customer orders, from the median days between orders and the median order count. */
export function cadencePhrase(medianDaysBetweenOrders: number | undefined, medianOrders: number | undefined, lang: Lang): string | null {
  if (medianOrders !== undefined && Number.isFinite(medianOrders) && medianOrders <= 1) return lang === 'en' ? 'mostly ordered once' : 'bestellten meist nur einmal';
  const days = medianDaysBetweenOrders;
  if (days === undefined || !Number.isFinite(days)) return null;
  const [en, de] =
    days <= 10 ? ['order weekly', 'bestellen wöchentlich']
    : days <= 21 ? ['order every two weeks', 'bestellen alle zwei Wochen']
    : days <= 45 ? ['order monthly', 'bestellen monatlich']
    : days <= 120 ? ['order quarterly', 'bestellen quartalsweise']
    : ['order rarely', 'bestellen selten'];
  return lang === 'en' ? en : de;
}

/** The sentences of one segment. */
export interface FirmographicWords {
  /** Who the segment is, one sentence ending in a full stop ("" when nobody in it has master data and that is all there is to say). */
  who: string;
  /** One line: who it is and how often it orders, e.g. "Mostly wholesale trade (WZ 46), small firms in Bavaria, order monthly." */
  summary: string;
}

/**
 * Builds the who-sentence and the one-line summary of a segment.
 *
 * @param f - the segment's firmographic counts.
 * @param behaviour - the segment's median days between orders and median orders (for the summary's cadence).
 */
export function describeFirmographics(
  f: FirmographicCounts,
  lang: Lang,
  behaviour: { medianDaysBetweenOrders?: number; medianOrders?: number } = {},
): FirmographicWords {
  const cadence = cadencePhrase(behaviour.medianDaysBetweenOrders, behaviour.medianOrders, lang);
  if (f.customers_with_master === 0) {
    const who = lang === 'en' ? 'No customer in this segment has master data.' : 'Für keinen Kunden dieses Segments liegen Stammdaten vor.';
    return { who, summary: cadence ? `${who} ${upperFirst(cadence)}.` : who };
  }
  const industry = industryPhrase(f, lang);
  const size = sizePhrase(f, lang);
  const region = regionPhrase(f, lang);
  // "small firms in Bavaria" reads as one phrase; industry stands before it.
  const firms = [size, region].filter(Boolean).join(' ');
  const parts = [industry, firms].filter((p): p is string => Boolean(p));
  const coverage = f.customers > 0 ? f.customers_with_master / f.customers : 1;
  const note =
    coverage < COVERAGE_NOTE_BELOW
      ? lang === 'en'
        ? ` (master data for ${formatShare(coverage, lang)} of the customers)`
        : ` (Stammdaten für ${formatShare(coverage, lang)} der Kunden)`
      : '';
  const body = parts.length > 0 ? upperFirst(parts.join(', ')) : lang === 'en' ? 'Master data without industry, size or region' : 'Stammdaten ohne Branche, Größe oder Region';
  return {
    who: `${body}${note}.`,
    summary: `${body}${cadence ? `, ${cadence}` : ''}${note}.`,
  };
}
