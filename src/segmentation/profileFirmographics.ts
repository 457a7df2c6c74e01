/**
 * Firmographics in the segment profiles: who each segment's customers are
 * (industries, sizes, regions, share with master data), the who-sentence in
 * front of the behavioural description, and the master's columns in the
 * customer table. Shaped in SQL over `customer_segment`, `customer_features`
 * and `customer_master`; called by profileSegments when the run has a
 * customer master.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows } from '../db/query.ts';
import { sqlFile } from '../db/sqlFile.ts';
import { BUNDESLAENDER, type BundeslandCode } from '../firmographics/postcode.ts';
import { sectionOfDivision, WZ_DIVISIONS } from '../firmographics/wz2008.ts';
import { describeFirmographics, shortTitle } from '../segments/describeFirmographics.ts';
import type { Lang } from '../segments/i18n.ts';
import type { SegmentFirmographics, SegmentProfile, SegmentsDocument } from '../segments/types.ts';
import type { Clustering } from './cluster.ts';
import { isFirmographicClustering } from './firmographicClustering.ts';

/** Largest divisions listed per segment as its top industries. */
export const TOP_INDUSTRIES = 3;

/**
 * Appends the master's columns to `customers_out`, after every column it has
 * (the contract's, then the value stage's): has_master, industry, size,
 * region, the company's country, company_name when asked for, attributes.
 */
export async function addFirmographicColumns(connection: DuckDBConnection): Promise<void> {
  await connection.run(sqlFile('customers/customers_out_firmographics'));
}

/** A segment's firmographic figures and the sentence saying who it is. */
export interface SegmentFirmographicWords {
  firmographics: SegmentFirmographics;
  /** The who-sentence that goes in front of the behavioural description. */
  who: string;
}

/** Every segment's firmographic counts and words, in the order of `segments` (needs `customer_segment`). */
export async function segmentFirmographics(
  connection: DuckDBConnection,
  segments: ReadonlyArray<Pick<SegmentProfile, 'id' | 'size' | 'median'>>,
  lang: Lang,
): Promise<SegmentFirmographicWords[]> {
  await connection.run(sqlFile('customers/segment_firmographics'));
  const rows = await queryRows<{ segment_id: number; attribute: string; value: string; customers: number; revenue: number }>(
    connection,
    'SELECT segment_id, attribute, value, customers, revenue FROM segment_firmographics ORDER BY segment_id, attribute, customers DESC, value',
  );
  return segments.map((segment) => {
    const mine = rows.filter((r) => r.segment_id === segment.id);
    const of = (attribute: string) => mine.filter((r) => r.attribute === attribute);
    const counts = (attribute: string) => Object.fromEntries(of(attribute).map((r) => [r.value, r.customers]));
    const withMaster = counts('master').yes ?? 0;
    const divisions = counts('wz_division');
    const knownIndustry = Object.values(divisions).reduce((a, b) => a + b, 0);
    const topIndustries = of('wz_division')
      .slice(0, TOP_INDUSTRIES)
      .map((r) => ({
        division: r.value,
        section: sectionOfDivision(Number(r.value)) ?? '',
        name: WZ_DIVISIONS[r.value] ? shortTitle(WZ_DIVISIONS[r.value]![lang]) : r.value,
        customers: r.customers,
        share: round(r.customers / knownIndustry, 6),
      }));
    const states = of('state').map((r) => ({
      state: r.value,
      name: r.value === 'abroad' ? (lang === 'en' ? 'abroad' : 'Ausland') : (BUNDESLAENDER[r.value as BundeslandCode]?.name[lang] ?? r.value),
      customers: r.customers,
      revenue: round(r.revenue, 2),
    }));
    const counted = {
      customers: segment.size,
      customers_with_master: withMaster,
      sections: counts('wz_section'),
      divisions,
      size_classes: counts('size_class'),
      states,
    };
    const words = describeFirmographics(counted, lang, {
      medianDaysBetweenOrders: segment.median?.days_between_orders,
      medianOrders: segment.median?.frequency,
    });
    return {
      firmographics: {
        customers: segment.size,
        customers_with_master: withMaster,
        master_share: segment.size > 0 ? round(withMaster / segment.size, 6) : 0,
        sections: counted.sections,
        divisions,
        top_industries: topIndustries,
        size_classes: counted.size_classes,
        states,
        summary: words.summary,
      },
      who: words.who,
    };
  });
}

/**
 * Adds the customer master to a run's profiles: the master's columns to
 * `customers_out`, `firmographics` to every segment, the who-sentence in
 * front of each description, and (for a k-prototypes clustering) what the
 * segments were found on.
 */
export async function addFirmographics(
  connection: DuckDBConnection,
  document: SegmentsDocument,
  clustering: Clustering,
  options: { lang: Lang } = { lang: 'en' },
): Promise<SegmentsDocument> {
  await addFirmographicColumns(connection);
  const figures = await segmentFirmographics(connection, document.segments, options.lang);
  const segments = document.segments.map((segment, i) => {
    const { firmographics, who } = figures[i]!;
    return { ...segment, description: who ? `${who} ${segment.description}` : segment.description, firmographics };
  });
  const segmentOn = isFirmographicClustering(clustering)
    ? {
        segment_on: {
          mode: clustering.encoding.segment_on,
          method: 'k-prototypes' as const,
          numeric: [
            ...Array.from({ length: clustering.encoding.behaviour?.components ?? 0 }, (_, c) => `pc${c + 1}`),
            ...clustering.encoding.numeric.map((n) => n.name),
          ],
          categorical: clustering.encoding.categorical.map((c) => c.name),
          gamma: clustering.encoding.gamma,
        },
      }
    : {};
  return { ...document, segments, ...segmentOn };
}

function round(x: number, digits: number): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
