/**
 * Segment descriptions: one plain-language paragraph per segment, in English
 * or German, built from what sets the segment apart.
 *
 * Shape of the paragraph:
 * 1. Size and weight: "312 customers (7% of all) who bring 41% of revenue."
 * 2. The 2–3 features with the largest |z|, each as a verb phrase with a
 *    *typical* figure (the segment median) and, for amounts, how they compare
 *    with the average customer (ratio of means, "4.1× the average"); then the
 *    lifecycle stage when one holds the majority ("; most are active").
 * 3. The RFM segment most of its customers fall into.
 *
 * Medians for typical figures because segment distributions are skewed (one
 * wholesaler would drag a mean); ratios of *means* for emphasis because the z
 * that picked the feature is a difference of means too.
 */

import { FEATURE_NAMES, LIFECYCLE_LABELS, MAJORITY_SHARE, RECENT_WINDOW_DAYS, type FeatureName } from './features.ts';
import { formatCurrency, formatDays, formatNumber, formatRatio, formatShare, type Lang } from './i18n.ts';
import { RFM_SEGMENT_NAMES, RFM_SEGMENTS, isRfmSegmentName } from './rfmSegments.ts';
import type { LifecycleStage } from '../rules/lifecycle.ts';

/** What a description needs to know about a segment (a subset of `SegmentProfile`). */
export interface DescribeInput {
  size: number;
  /** Net revenue of the segment. */
  revenue: number;
  /** Mean per feature. */
  profile: Record<string, number>;
  /** Median per feature. */
  median: Record<string, number>;
  /** Standardised deviation of the segment mean from all customers, per feature. */
  z: Record<string, number>;
  /** Customers per lifecycle stage. */
  lifecycle: Record<string, number>;
  /** Customers per RFM segment name. */
  rfm_segments: Record<string, number>;
}

/** Figures about all customers (`PopulationStats` from profile.ts fits). */
export interface PopulationFigures {
  /** Number of customers. */
  n: number;
  /** Net revenue of all customers. */
  revenue: number;
  /** Mean per feature over all customers. */
  mean: Record<string, number>;
}

/** Options of {@link describeSegment}. */
export interface DescribeOptions {
  /** ISO 4217 code of the input's money; without it amounts carry no unit. */
  currency?: string;
}

/**
 * The constants of the descriptions, in one place.
 * - `minTraits`/`maxTraits`: how many features a paragraph mentions; a third
 *   only when its |z| reaches `thirdTraitMinZ` (else it is noise next to two
 *   real traits).
 * - `sameAsAverage`: ratios within [1/… , …] of 1 read "about the average";
 *   a 5 % difference is not worth a marketer's attention.
 * - `almostAll`: from this share on, "almost all" instead of "most".
 */
export const DESCRIBE = {
  minTraits: 2,
  maxTraits: 3,
  thirdTraitMinZ: 0.25,
  sameAsAverage: { below: 0.9, above: 1.1 },
  almostAll: 0.9,
} as const;

/**
 * Features that say the same thing in a sentence; only the strongest of a
 * group is used ("last ordered 9 months ago" already says "no orders in the
 * last 90 days").
 */
const PHRASE_GROUP: Partial<Record<FeatureName, string>> = {
  frequency: 'cadence',
  days_between_orders: 'cadence',
  recency_days: 'recency',
  recent_order_share: 'recency',
};

interface PhraseContext {
  lang: Lang;
  /** True for a one-customer segment (German verbs and pronouns change). */
  single: boolean;
  segment: DescribeInput;
  all: PopulationFigures;
  currency: string | undefined;
}

function finite(value: number | undefined): value is number {
  return value !== undefined && Number.isFinite(value);
}

/** Segment mean / population mean, when both are meaningful (positive reference, non-negative value). */
function ratioToAverage(ctx: PhraseContext, feature: FeatureName): number | undefined {
  const mean = ctx.segment.profile[feature];
  const reference = ctx.all.mean[feature];
  if (!finite(mean) || !finite(reference) || reference <= 0 || mean < 0) return undefined;
  return mean / reference;
}

/** "(3.2× the average)" / "(das 3,2-Fache des Durchschnitts)" for counts and shares. */
function countComparison(ctx: PhraseContext, ratio: number | undefined): string {
  if (ratio === undefined) return '';
  const { lang } = ctx;
  if (ratio >= DESCRIBE.sameAsAverage.above) {
    return lang === 'en'
      ? ` (${formatRatio(ratio, lang)} the average)`
      : ` (${ratioText(ratio, lang)} des Durchschnitts)`;
  }
  if (ratio <= DESCRIBE.sameAsAverage.below) {
    const below = formatShare(1 - ratio, lang);
    return lang === 'en' ? ` (${below} below the average)` : ` (${below} unter dem Durchschnitt)`;
  }
  return lang === 'en' ? ' (about average)' : ' (etwa durchschnittlich)';
}

/** German verb: plural form for a group, singular for a one-customer segment. */
function verb(ctx: PhraseContext, plural: string, singular: string): string {
  return ctx.single ? singular : plural;
}

/** "(typically £1,235)" — or just "(£1,235)" for a one-customer segment, whose median is its only value. */
function typical(ctx: PhraseContext, amount: string): string {
  if (ctx.single) return ` (${amount})`;
  return ctx.lang === 'en' ? ` (typically ${amount})` : ` (typischerweise ${amount})`;
}

function ratioText(ratio: number, lang: Lang): string {
  return lang === 'en' ? formatRatio(ratio, lang) : `das ${formatNumber(ratio, 'de', { digits: ratio >= 10 ? 0 : 1 })}-Fache`;
}

/** Revenue per customer: "are worth 4.1× the average customer (typically £12,400)". */
function revenuePhrase(ctx: PhraseContext): string | null {
  const median = ctx.segment.median.revenue;
  if (!finite(median)) return null;
  const amount = typical(ctx, formatCurrency(median, ctx.lang, { currency: ctx.currency }));
  const ratio = ratioToAverage(ctx, 'revenue');
  const { lang } = ctx;
  const be = verb(ctx, 'sind', 'ist');
  if (ratio === undefined) {
    const plain = formatCurrency(median, lang, { currency: ctx.currency });
    return lang === 'en'
      ? `${ctx.single ? '' : 'typically '}bring ${plain} in net revenue`
      : `${verb(ctx, 'bringen', 'bringt')} ${ctx.single ? '' : 'typischerweise '}${plain} Nettoumsatz`;
  }
  if (ratio >= DESCRIBE.sameAsAverage.above) {
    return lang === 'en'
      ? `are worth ${ratioText(ratio, lang)} the average customer${amount}`
      : `${be} umsatzmäßig ${ratioText(ratio, lang)} eines Durchschnittskunden wert${amount}`;
  }
  if (ratio <= DESCRIBE.sameAsAverage.below) {
    const less = formatShare(1 - ratio, lang);
    return lang === 'en'
      ? `are worth ${less} less than the average customer${amount}`
      : `${be} umsatzmäßig ${less} weniger wert als ein Durchschnittskunde${amount}`;
  }
  return lang === 'en'
    ? `are worth about as much as the average customer${amount}`
    : `${be} umsatzmäßig etwa so viel wert wie ein Durchschnittskunde${amount}`;
}

/** Order value: "spend 4.1× the average per order (typically £1,235)". */
function orderValuePhrase(ctx: PhraseContext): string | null {
  const median = ctx.segment.median.avg_order_value;
  if (!finite(median)) return null;
  const amount = typical(ctx, formatCurrency(median, ctx.lang, { currency: ctx.currency }));
  const ratio = ratioToAverage(ctx, 'avg_order_value');
  const { lang } = ctx;
  const give = verb(ctx, 'geben', 'gibt');
  if (ratio === undefined) {
    const plain = formatCurrency(median, lang, { currency: ctx.currency });
    return lang === 'en'
      ? `${ctx.single ? '' : 'typically '}spend ${plain} per order`
      : `${give} pro Bestellung ${ctx.single ? '' : 'typischerweise '}${plain} aus`;
  }
  if (ratio >= DESCRIBE.sameAsAverage.above) {
    return lang === 'en'
      ? `spend ${ratioText(ratio, lang)} the average per order${amount}`
      : `${give} pro Bestellung ${ratioText(ratio, lang)} des Durchschnitts aus${amount}`;
  }
  if (ratio <= DESCRIBE.sameAsAverage.below) {
    const less = formatShare(1 - ratio, lang);
    return lang === 'en'
      ? `spend ${less} less than the average per order${amount}`
      : `${give} pro Bestellung ${less} weniger aus als der Durchschnitt${amount}`;
  }
  return lang === 'en' ? `spend about the average per order${amount}` : `${give} pro Bestellung etwa so viel aus wie der Durchschnitt${amount}`;
}

function cadencePhrase(ctx: PhraseContext): string | null {
  const orders = ctx.segment.median.frequency;
  const gap = ctx.segment.median.days_between_orders;
  const { lang } = ctx;
  if (finite(orders) && orders <= 1) {
    if (lang === 'en') return ctx.single ? 'ordered only once' : 'mostly ordered only once';
    return ctx.single ? 'hat nur einmal bestellt' : 'haben meist nur einmal bestellt';
  }
  if (finite(gap) && gap >= 0) {
    if (gap < 1) return lang === 'en' ? 'order more than once a day' : `${verb(ctx, 'bestellen', 'bestellt')} mehrmals täglich`;
    return lang === 'en' ? `order about ${formatDays(gap, 'en', 'every')}` : `${verb(ctx, 'bestellen', 'bestellt')} etwa ${formatDays(gap, 'de', 'every')}`;
  }
  if (finite(orders)) {
    const n = formatNumber(orders, lang);
    return lang === 'en'
      ? `typically placed ${n} orders`
      : `${verb(ctx, 'haben', 'hat')} typischerweise ${n} Bestellungen aufgegeben`;
  }
  return null;
}

/** One verb phrase per feature (subject "They" / "Sie" / "Der Kunde"), or null when its figures are missing. */
const PHRASES: Readonly<Record<FeatureName, (ctx: PhraseContext) => string | null>> = {
  recency_days: (ctx) => {
    const days = ctx.segment.median.recency_days;
    if (!finite(days) || days < 0) return null;
    const ago = formatDays(days, ctx.lang, 'ago');
    return ctx.lang === 'en' ? `last ordered ${ago}` : `${verb(ctx, 'haben', 'hat')} zuletzt ${ago} bestellt`;
  },
  frequency: cadencePhrase,
  days_between_orders: cadencePhrase,
  revenue: revenuePhrase,
  avg_order_value: orderValuePhrase,
  tenure_days: (ctx) => {
    const days = ctx.segment.median.tenure_days;
    if (!finite(days) || days < 0) return null;
    const since = formatDays(days, ctx.lang, 'for');
    if (ctx.lang === 'en') return `have been customers ${since}`;
    return ctx.single ? `ist ${since} Kunde` : `sind ${since} Kunden`;
  },
  distinct_products: (ctx) => {
    const n = ctx.segment.median.distinct_products;
    if (!finite(n)) return null;
    const figure = formatNumber(n, ctx.lang);
    const tail = countComparison(ctx, ratioToAverage(ctx, 'distinct_products'));
    if (ctx.lang === 'en') return n === 1 ? `bought 1 product${tail}` : `bought ${figure} different products${tail}`;
    const objectText = n === 1 ? '1 Produkt' : `${figure} verschiedene Produkte`;
    return `${verb(ctx, 'haben', 'hat')} ${objectText} gekauft${tail}`;
  },
  units_per_order: (ctx) => {
    const n = ctx.segment.median.units_per_order;
    if (!finite(n)) return null;
    const figure = formatNumber(n, ctx.lang);
    const tail = countComparison(ctx, ratioToAverage(ctx, 'units_per_order'));
    if (ctx.lang === 'en') return `buy ${figure} ${n === 1 ? 'unit' : 'units'} per order${tail}`;
    return `${verb(ctx, 'kaufen', 'kauft')} ${figure} Stück pro Bestellung${tail}`;
  },
  // The mean, not the median: most customers return nothing, so the median
  // return rate is 0 even where returns are a real cost.
  return_rate: (ctx) => {
    const rate = ctx.segment.profile.return_rate;
    if (!finite(rate)) return null;
    if (rate <= 0) return ctx.lang === 'en' ? 'return nothing' : `${verb(ctx, 'schicken', 'schickt')} nichts zurück`;
    const share = formatShare(rate, ctx.lang);
    const tail = countComparison(ctx, ratioToAverage(ctx, 'return_rate'));
    return ctx.lang === 'en'
      ? `return on average ${share} of what they buy${tail}`
      : `${verb(ctx, 'schicken', 'schickt')} im Schnitt ${share} des Warenwerts zurück${tail}`;
  },
  recent_order_share: (ctx) => {
    const share = ctx.segment.median.recent_order_share;
    if (!finite(share)) return null;
    const days = formatNumber(RECENT_WINDOW_DAYS, ctx.lang);
    const have = verb(ctx, 'haben', 'hat');
    if (share <= 0) {
      return ctx.lang === 'en' ? `placed no orders in the last ${days} days` : `${have} in den letzten ${days} Tagen nicht bestellt`;
    }
    if (share >= 1) {
      return ctx.lang === 'en'
        ? `placed all their orders in the last ${days} days`
        : `${have} alle Bestellungen in den letzten ${days} Tagen aufgegeben`;
    }
    const part = formatShare(share, ctx.lang, { words: true });
    return ctx.lang === 'en'
      ? `placed ${part} of their orders in the last ${days} days`
      : `${have} ${part} ${ctx.single ? 'seiner' : 'ihrer'} Bestellungen in den letzten ${days} Tagen aufgegeben`;
  },
};

/**
 * The features a description mentions, most distinguishing first: the
 * largest |z| (ties in registry order), at most one per phrase group, only
 * features whose phrase can be written from the data; {@link DESCRIBE}
 * `minTraits` always, up to `maxTraits` while |z| ≥ `thirdTraitMinZ`.
 */
export function distinguishingFeatures(segment: DescribeInput, phraseAvailable: (feature: FeatureName) => boolean = () => true): FeatureName[] {
  const ranked = FEATURE_NAMES.filter((feature) => finite(segment.z[feature]))
    .map((feature) => ({ feature, strength: Math.abs(segment.z[feature]) }))
    .sort((a, b) => b.strength - a.strength);
  const picked: FeatureName[] = [];
  const groups = new Set<string>();
  for (const { feature, strength } of ranked) {
    if (picked.length >= DESCRIBE.maxTraits) break;
    if (picked.length >= DESCRIBE.minTraits && strength < DESCRIBE.thirdTraitMinZ) break;
    const group = PHRASE_GROUP[feature] ?? feature;
    if (groups.has(group) || !phraseAvailable(feature)) continue;
    groups.add(group);
    picked.push(feature);
  }
  return picked;
}

function joinList(parts: readonly string[], lang: Lang): string {
  if (parts.length <= 1) return parts.join('');
  const and = lang === 'en' ? 'and' : 'und';
  if (parts.length === 2) return `${parts[0]} ${and} ${parts[1]}`;
  // English takes the serial comma ("A, B, and C"); German never does.
  const head = parts.slice(0, -1).join(', ');
  return lang === 'en' ? `${head}, and ${parts.at(-1)}` : `${head} und ${parts.at(-1)}`;
}

function quote(text: string, lang: Lang): string {
  return lang === 'en' ? `“${text}”` : `„${text}“`;
}

function leadSentence(ctx: PhraseContext): string {
  const { lang, segment, all, single } = ctx;
  const count = formatNumber(segment.size, lang, { digits: 0 });
  const ofAll = all.n > 0 ? formatShare(segment.size / all.n, lang, { words: true }) : undefined;
  if (lang === 'en') {
    const who = `${count} ${single ? 'customer' : 'customers'}${ofAll ? ` (${ofAll} of all)` : ''}`;
    if (segment.revenue < 0) {
      return `${who} whose returns outweigh their purchases (net revenue ${formatCurrency(segment.revenue, lang, { currency: ctx.currency })}).`;
    }
    if (segment.revenue === 0) return `${who} who ${single ? 'brings' : 'bring'} no net revenue.`;
    const part = all.revenue > 0
      ? `${formatShare(segment.revenue / all.revenue, lang, { words: true })} of revenue`
      : `${formatCurrency(segment.revenue, lang, { currency: ctx.currency })} of net revenue`;
    return `${who} who ${single ? 'brings' : 'bring'} ${part}.`;
  }
  const who = `${count} ${single ? 'Kunde' : 'Kunden'}${ofAll ? ` (${ofAll} aller Kunden)` : ''}`;
  if (segment.revenue < 0) {
    return `${who}, ${single ? 'dessen' : 'deren'} Retouren die Käufe übersteigen (Nettoumsatz ${formatCurrency(segment.revenue, lang, { currency: ctx.currency })}).`;
  }
  if (segment.revenue === 0) return `${who}, ${single ? 'der keinen Nettoumsatz bringt' : 'die keinen Nettoumsatz bringen'}.`;
  const part = all.revenue > 0
    ? `${formatShare(segment.revenue / all.revenue, lang, { words: true })} des Umsatzes`
    : `${formatCurrency(segment.revenue, lang, { currency: ctx.currency })} Nettoumsatz`;
  return `${who}, ${single ? 'der' : 'die'} ${part} ${single ? 'bringt' : 'bringen'}.`;
}

/** The lifecycle stage holding more than {@link MAJORITY_SHARE} of the segment, with its share. */
export function dominantLifecycleStage(segment: Pick<DescribeInput, 'size' | 'lifecycle'>): { stage: LifecycleStage; share: number } | null {
  const total = segment.size > 0 ? segment.size : Object.values(segment.lifecycle).reduce((a, b) => a + b, 0);
  if (total <= 0) return null;
  for (const stage of Object.keys(LIFECYCLE_LABELS) as LifecycleStage[]) {
    const share = (segment.lifecycle[stage] ?? 0) / total;
    if (share > MAJORITY_SHARE) return { stage, share };
  }
  return null;
}

function lifecycleClause(ctx: PhraseContext): string {
  const dominant = dominantLifecycleStage(ctx.segment);
  if (!dominant) return '';
  const label = LIFECYCLE_LABELS[dominant.stage][ctx.lang];
  if (ctx.single) return ctx.lang === 'en' ? `; they are ${label}` : `; er ist ${label}`;
  const quantifier =
    dominant.share >= 1
      ? { en: 'all', de: 'alle' }
      : dominant.share >= DESCRIBE.almostAll
        ? { en: 'almost all', de: 'fast alle' }
        : { en: 'most', de: 'die meisten' };
  return ctx.lang === 'en' ? `; ${quantifier.en} are ${label}` : `; ${quantifier.de} sind ${label}`;
}

/** The RFM segment with the most customers (ties in grid-listing order), with its share. */
export function largestRfmSegment(segment: Pick<DescribeInput, 'size' | 'rfm_segments'>): { name: string; share: number } | null {
  const order = (name: string) => {
    const index = (RFM_SEGMENT_NAMES as readonly string[]).indexOf(name);
    return index >= 0 ? index : RFM_SEGMENT_NAMES.length;
  };
  const entries = Object.entries(segment.rfm_segments)
    .filter(([, n]) => finite(n) && n > 0)
    .sort(([a, x], [b, y]) => y - x || order(a) - order(b) || (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return null;
  const total = segment.size > 0 ? segment.size : entries.reduce((sum, [, n]) => sum + n, 0);
  const [name, n] = entries[0];
  return { name, share: n / total };
}

function rfmSentence(ctx: PhraseContext): string {
  const top = largestRfmSegment(ctx.segment);
  if (!top) return '';
  const label = quote(isRfmSegmentName(top.name) ? RFM_SEGMENTS[top.name].label[ctx.lang] : top.name, ctx.lang);
  const share = formatShare(top.share, ctx.lang);
  if (ctx.lang === 'en') {
    if (ctx.single) return `In the RFM grid, they fall into ${label}.`;
    return top.share > MAJORITY_SHARE
      ? `In the RFM grid, most fall into ${label} (${share}).`
      : `In the RFM grid, the largest group is ${label} (${share}).`;
  }
  if (ctx.single) return `Im RFM-Raster fällt er in ${label}.`;
  return top.share > MAJORITY_SHARE
    ? `Im RFM-Raster fallen die meisten in ${label} (${share}).`
    : `Im RFM-Raster ist ${label} mit ${share} die größte Gruppe.`;
}

/**
 * Describes a segment in one paragraph, e.g. "312 customers (7% of all) who
 * bring 41% of revenue. They order about every 3 weeks, spend 4.1× the
 * average per order (typically £1,230), and last ordered 12 days ago; most
 * are active. In the RFM grid, most fall into “Champions” (64%)."
 *
 * Pure: the same input gives the same text; German output uses German number
 * formatting and grammar (singular forms for a one-customer segment).
 *
 * @throws {InputError} when `options.currency` is not an ISO 4217 code.
 */
export function describeSegment(segment: DescribeInput, allCustomersStats: PopulationFigures, lang: Lang, options: DescribeOptions = {}): string {
  const ctx: PhraseContext = { lang, single: segment.size === 1, segment, all: allCustomersStats, currency: options.currency };
  const sentences = [leadSentence(ctx)];

  const phrases = distinguishingFeatures(segment, (feature) => PHRASES[feature](ctx) !== null).map((feature) => PHRASES[feature](ctx)!);
  if (phrases.length > 0) {
    const subject = lang === 'en' ? 'They' : ctx.single ? 'Der Kunde' : 'Sie';
    sentences.push(`${subject} ${joinList(phrases, lang)}${lifecycleClause(ctx)}.`);
  } else {
    const clause = lifecycleClause(ctx).replace(/^; /, '');
    if (clause) sentences.push(`${clause.charAt(0).toUpperCase()}${clause.slice(1)}.`);
  }

  const rfm = rfmSentence(ctx);
  if (rfm) sentences.push(rfm);
  return sentences.join(' ');
}
