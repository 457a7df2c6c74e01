/**
 * The fixed words of the segment profile sheet, in English and German.
 */
import { formatNumber, type Lang, type Localized } from '../segments/i18n.ts';

/** Headings and labels of the sheet. */
export const SHEET_WORDS = {
  title: { en: 'Segment profiles', de: 'Segmentprofile' },
  overview: { en: 'Overview', de: 'Überblick' },
  segment: { en: 'Segment', de: 'Segment' },
  customers: { en: 'Customers', de: 'Kunden' },
  share: { en: 'Share of customers', de: 'Anteil an Kunden' },
  revenueShare: { en: 'Share of revenue', de: 'Anteil am Umsatz' },
  description: { en: 'Description', de: 'Beschreibung' },
  traits: { en: 'Key traits', de: 'Kennzeichen' },
  allCustomers: { en: 'all customers', de: 'alle Kunden' },
  actions: { en: 'Recommended actions', de: 'Empfohlene Maßnahmen' },
  unstable: {
    en: 'Unstable: this segment changes noticeably when the data are resampled; test before a large campaign.',
    de: 'Instabil: Dieses Segment verändert sich merklich, wenn die Daten neu gezogen werden; vor einer großen Kampagne testen.',
  },
  noTraits: { en: 'No feature sets this segment apart.', de: 'Kein Merkmal hebt dieses Segment ab.' },
} as const satisfies Record<string, Localized>;

/** "4,334 customers in 4 segments, as of 2011-12-09." in the sheet's language. */
export function sheetIntro(lang: Lang, customers: number, segments: number, asOf: string): string {
  const n = formatNumber(customers, lang, { digits: 0 });
  const k = formatNumber(segments, lang, { digits: 0 });
  return lang === 'en'
    ? `${n} customers in ${k} segments, as of ${asOf}.`
    : `${n} Kunden in ${k} Segmenten, Stichtag ${asOf}.`;
}
