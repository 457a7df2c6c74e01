/**
 * The segment profile sheet's content: for every segment its name,
 * description, size, revenue share, key traits and recommended actions, in
 * English or German.
 *
 * Descriptions and actions are written afresh in the chosen language by the
 * same functions `discover` used (src/segments), from the figures in
 * segments.json and the all-customer means of customers.parquet, so German
 * text is as precise as the English the run wrote. Names: the run's own in
 * English; in German the German name of the archetype the run's name is (with
 * its trait suffix translated), else the run's name. Actions follow the
 * archetype the name stands for, so they match the name on the sheet.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows } from '../db/query.ts';
import { quoteIdentifier } from '../db/quote.ts';
import { recommendActions } from '../segments/actions.ts';
import { describeSegment, distinguishingFeatures, type PopulationFigures } from '../segments/describe.ts';
import { FEATURES, FEATURE_NAMES, type FeatureName } from '../segments/features.ts';
import { formatCurrency, formatNumber, formatShare, type Lang } from '../segments/i18n.ts';
import { ARCHETYPES, nameSegments, type Archetype, type TraitWording } from '../segments/naming.ts';
import type { PresentableSegment } from '../segments/present.ts';
import type { SegmentProfile } from '../segments/types.ts';
import type { ExportRun } from './runDirectory.ts';

/** One key trait: how the segment differs from all customers on one feature. */
export interface SheetTrait {
  feature: FeatureName;
  /** "frequent orders" / "häufige Bestellungen". */
  trait: string;
  /** Feature label, e.g. "Orders". */
  label: string;
  /** Segment mean, formatted. */
  segment: string;
  /** Mean of all customers, formatted. */
  all: string;
}

/** One segment on the sheet. */
export interface SheetSegment {
  id: number;
  name: string;
  description: string;
  size: number;
  share: number;
  revenue_share: number;
  traits: SheetTrait[];
  actions: string[];
  /** True when the run flagged the segment as unstable under resampling. */
  unstable: boolean;
}

/** The whole sheet. */
export interface ProfileSheet {
  lang: Lang;
  as_of: string;
  customers: number;
  /** The run directory. */
  run: string;
  segments: SheetSegment[];
}

/**
 * Builds the sheet for a run in one language.
 *
 * @param connection a database that has the run's customer table as `table`
 */
export async function buildProfileSheet(connection: DuckDBConnection, table: string, run: ExportRun, lang: Lang): Promise<ProfileSheet> {
  const segments = [...run.segments.segments].sort((a, b) => a.id - b.id);
  const population = await populationFigures(connection, table);
  const texts = segments.map(toPresentable);
  const known = segments.map((s) => archetypeOfName(s.name));
  // Segments whose name is not an archetype's (renamed, or from another
  // version) get the archetype naming assigns today, for their actions.
  const assigned = known.every((k) => k !== undefined) ? [] : nameSegments(texts, 'en');
  return {
    lang,
    as_of: run.segments.as_of,
    customers: population.n,
    run: run.dir,
    segments: segments.map((segment, i) => {
      const archetype = known[i]?.archetype.id ?? assigned[i].archetype;
      return {
        id: segment.id,
        name: lang === 'en' || known[i] === undefined ? segment.name : localizedName(known[i]!, lang),
        description: describeSegment(texts[i], population, lang, { currency: run.currency }),
        size: segment.size,
        share: segment.share ?? (population.n > 0 ? segment.size / population.n : 0),
        revenue_share: segment.revenue_share ?? (population.revenue !== 0 ? segment.revenue / population.revenue : 0),
        traits: keyTraits(texts[i], population, lang, run.currency),
        actions: recommendActions({ ...texts[i], archetype }, lang, { lifecycle: run.lifecycle }),
        unstable: segment.unstable === true,
      };
    }),
  };
}

/** A segment name read back as an archetype name, with the trait suffix naming adds when an archetype is shared. */
export interface KnownName {
  archetype: Archetype;
  trait?: { feature: FeatureName; wording: TraitWording };
}

/**
 * Reads a run's segment name as the English name naming gave it: an
 * archetype's name, optionally followed by a trait in parentheses
 * ("Returners (high order value)"). Undefined for any other name.
 */
export function archetypeOfName(name: string): KnownName | undefined {
  const plain = ARCHETYPES.find((a) => a.name.en === name);
  if (plain) return { archetype: plain };
  const suffixed = /^(.*) \((.*)\)$/.exec(name);
  if (!suffixed) return undefined;
  const archetype = ARCHETYPES.find((a) => a.name.en === suffixed[1]);
  if (!archetype) return undefined;
  for (const feature of FEATURE_NAMES) {
    const traits = FEATURES[feature].trait;
    for (const wording of Object.keys(traits) as TraitWording[]) {
      if (traits[wording].en === suffixed[2]) return { archetype, trait: { feature, wording } };
    }
  }
  return undefined;
}

/** The name of an archetype (and trait) in `lang`, built the way naming builds it. */
export function localizedName(known: KnownName, lang: Lang): string {
  const base = known.archetype.name[lang];
  return known.trait ? `${base} (${FEATURES[known.trait.feature].trait[known.trait.wording][lang]})` : base;
}

/** A segment of segments.json as the text functions take it; fields an older run lacks are empty. */
function toPresentable(segment: SegmentProfile): PresentableSegment {
  return {
    id: segment.id,
    size: segment.size,
    revenue: segment.revenue ?? 0,
    profile: finiteValues(segment.profile),
    median: finiteValues(segment.median),
    z: finiteValues(segment.z),
    lifecycle: segment.lifecycle ?? {},
    rfm_segments: segment.rfm_segments ?? {},
    ...(segment.value ? { value: segment.value } : {}),
  };
}

/** JSON has no NaN: a feature without a value was written as null. Drop those. */
function finiteValues(record: Record<string, number> | undefined): Record<string, number> {
  return Object.fromEntries(Object.entries(record ?? {}).filter(([, v]) => typeof v === 'number' && Number.isFinite(v)));
}

/** Customers, net revenue and the mean of every registry feature over all customers (NULLs skipped, as discover does). */
async function populationFigures(connection: DuckDBConnection, table: string): Promise<PopulationFigures> {
  const columns = (await queryRows<{ column_name: string }>(connection, `SELECT column_name FROM (DESCRIBE ${quoteIdentifier(table)})`)).map((r) => r.column_name);
  const features = FEATURE_NAMES.filter((f) => columns.includes(f));
  const means = features.map((f) => `avg(${quoteIdentifier(f)})::DOUBLE AS ${quoteIdentifier(f)}`);
  const revenue = columns.includes('revenue') ? 'coalesce(sum(revenue), 0)::DOUBLE' : '0::DOUBLE';
  const [row] = await queryRows<Record<string, number | null>>(
    connection,
    `SELECT count(*)::DOUBLE AS __n, ${revenue} AS __revenue${means.length ? `, ${means.join(', ')}` : ''} FROM ${quoteIdentifier(table)}`,
  );
  const mean: Record<string, number> = {};
  for (const f of features) if (row[f] !== null && Number.isFinite(row[f])) mean[f] = row[f] as number;
  return { n: row.__n ?? 0, revenue: row.__revenue ?? 0, mean };
}

/**
 * The features the description is built on (largest |z| first, see
 * `distinguishingFeatures`), each with its trait word and the segment's mean
 * next to all customers' mean.
 */
function keyTraits(segment: PresentableSegment, population: PopulationFigures, lang: Lang, currency: string | undefined): SheetTrait[] {
  return distinguishingFeatures(segment, (f) => Number.isFinite(segment.profile[f]) && Number.isFinite(population.mean[f])).map((feature) => {
    const definition = FEATURES[feature];
    // The word follows the two figures printed next to it (z has the same sign
    // in a consistent run; the figures are what the reader checks).
    const above = segment.profile[feature] >= population.mean[feature];
    return {
      feature,
      trait: definition.trait[above ? 'high' : 'low'][lang],
      label: definition.label[lang],
      segment: formatFeature(feature, segment.profile[feature], lang, currency),
      all: formatFeature(feature, population.mean[feature], lang, currency),
    };
  });
}

function formatFeature(feature: FeatureName, value: number, lang: Lang, currency: string | undefined): string {
  switch (FEATURES[feature].unit) {
    case 'currency':
      return formatCurrency(value, lang, { currency });
    case 'ratio':
      return formatShare(value, lang);
    default:
      return formatNumber(value, lang);
  }
}
