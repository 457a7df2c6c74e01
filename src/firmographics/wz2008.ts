/**
 * German classification of economic activities WZ 2008 and its European parent NACE Rev. 2.
 *
 * WZ 2008 (Destatis, "Klassifikation der Wirtschaftszweige, Ausgabe 2008") is NACE Rev. 2
 * (Regulation (EC) No 1893/2006) down to the 4-digit class, plus a German 5th digit, the
 * subclass ("Unterklasse", `46.49.0`). The hierarchy is
 *
 *   section (letter A–U) › division (2 digits) › group (3) › class (4) › WZ subclass (5)
 *
 * Customer masters write the same code many ways (`46.49`, `4649`, `46.49.0`, `C 28.1`, `28`);
 * {@link parseWz2008} reads all of them and returns one normal form.
 *
 * Sources of the tables below (the one place they live):
 * - Section and division titles, German: Statistisches Bundesamt, *Klassifikation der
 *   Wirtschaftszweige, Ausgabe 2008 (WZ 2008)*, Wiesbaden 2008.
 * - Section and division titles, English: Eurostat, *NACE Rev. 2 – Statistical classification of
 *   economic activities in the European Community*, Luxembourg 2008 (Regulation (EC) No 1893/2006,
 *   Annex I).
 *
 * Only sections and divisions are tabulated (21 and 88 entries). Groups, classes and subclasses are
 * checked for form only: the 615 NACE classes and 839 WZ subclasses are not shipped, so `46.99`
 * (no such class) parses as division 46 with class `46.99`.
 */

import { InputError } from '../errors.ts';

/** A bilingual title. */
export interface Title {
  readonly de: string;
  readonly en: string;
}

/** Section letters of NACE Rev. 2 / WZ 2008. */
export type WzSection =
  | 'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G' | 'H' | 'I' | 'J' | 'K'
  | 'L' | 'M' | 'N' | 'O' | 'P' | 'Q' | 'R' | 'S' | 'T' | 'U';

/** The 21 sections with their division span and official titles. */
export const WZ_SECTIONS: Readonly<Record<WzSection, { readonly divisions: readonly [number, number]; readonly name: Title }>> = {
  A: { divisions: [1, 3], name: { de: 'Land- und Forstwirtschaft, Fischerei', en: 'Agriculture, forestry and fishing' } },
  B: { divisions: [5, 9], name: { de: 'Bergbau und Gewinnung von Steinen und Erden', en: 'Mining and quarrying' } },
  C: { divisions: [10, 33], name: { de: 'Verarbeitendes Gewerbe', en: 'Manufacturing' } },
  D: { divisions: [35, 35], name: { de: 'Energieversorgung', en: 'Electricity, gas, steam and air conditioning supply' } },
  E: {
    divisions: [36, 39],
    name: {
      de: 'Wasserversorgung; Abwasser- und Abfallentsorgung und Beseitigung von Umweltverschmutzungen',
      en: 'Water supply; sewerage, waste management and remediation activities',
    },
  },
  F: { divisions: [41, 43], name: { de: 'Baugewerbe', en: 'Construction' } },
  G: {
    divisions: [45, 47],
    name: {
      de: 'Handel; Instandhaltung und Reparatur von Kraftfahrzeugen',
      en: 'Wholesale and retail trade; repair of motor vehicles and motorcycles',
    },
  },
  H: { divisions: [49, 53], name: { de: 'Verkehr und Lagerei', en: 'Transportation and storage' } },
  I: { divisions: [55, 56], name: { de: 'Gastgewerbe', en: 'Accommodation and food service activities' } },
  J: { divisions: [58, 63], name: { de: 'Information und Kommunikation', en: 'Information and communication' } },
  K: {
    divisions: [64, 66],
    name: { de: 'Erbringung von Finanz- und Versicherungsdienstleistungen', en: 'Financial and insurance activities' },
  },
  L: { divisions: [68, 68], name: { de: 'Grundstücks- und Wohnungswesen', en: 'Real estate activities' } },
  M: {
    divisions: [69, 75],
    name: {
      de: 'Erbringung von freiberuflichen, wissenschaftlichen und technischen Dienstleistungen',
      en: 'Professional, scientific and technical activities',
    },
  },
  N: {
    divisions: [77, 82],
    name: { de: 'Erbringung von sonstigen wirtschaftlichen Dienstleistungen', en: 'Administrative and support service activities' },
  },
  O: {
    divisions: [84, 84],
    name: {
      de: 'Öffentliche Verwaltung, Verteidigung; Sozialversicherung',
      en: 'Public administration and defence; compulsory social security',
    },
  },
  P: { divisions: [85, 85], name: { de: 'Erziehung und Unterricht', en: 'Education' } },
  Q: { divisions: [86, 88], name: { de: 'Gesundheits- und Sozialwesen', en: 'Human health and social work activities' } },
  R: { divisions: [90, 93], name: { de: 'Kunst, Unterhaltung und Erholung', en: 'Arts, entertainment and recreation' } },
  S: { divisions: [94, 96], name: { de: 'Erbringung von sonstigen Dienstleistungen', en: 'Other service activities' } },
  T: {
    divisions: [97, 98],
    name: {
      de: 'Private Haushalte mit Hauspersonal; Herstellung von Waren und Erbringung von Dienstleistungen durch private Haushalte für den Eigenbedarf ohne ausgeprägten Schwerpunkt',
      en: 'Activities of households as employers; undifferentiated goods- and services-producing activities of households for own use',
    },
  },
  U: {
    divisions: [99, 99],
    name: { de: 'Exterritoriale Organisationen und Körperschaften', en: 'Activities of extraterritorial organisations and bodies' },
  },
};

/**
 * The 88 divisions (2-digit codes) with their official titles. Numbers inside a section's span
 * that are missing here (04, 34, 40, 44, 48, 54, 57, 67, 76, 83, 89) do not exist in NACE Rev. 2.
 */
export const WZ_DIVISIONS: Readonly<Record<string, Title>> = {
  '01': { de: 'Landwirtschaft, Jagd und damit verbundene Tätigkeiten', en: 'Crop and animal production, hunting and related service activities' },
  '02': { de: 'Forstwirtschaft und Holzeinschlag', en: 'Forestry and logging' },
  '03': { de: 'Fischerei und Aquakultur', en: 'Fishing and aquaculture' },
  '05': { de: 'Kohlenbergbau', en: 'Mining of coal and lignite' },
  '06': { de: 'Gewinnung von Erdöl und Erdgas', en: 'Extraction of crude petroleum and natural gas' },
  '07': { de: 'Erzbergbau', en: 'Mining of metal ores' },
  '08': { de: 'Gewinnung von Steinen und Erden, sonstiger Bergbau', en: 'Other mining and quarrying' },
  '09': {
    de: 'Erbringung von Dienstleistungen für den Bergbau und für die Gewinnung von Steinen und Erden',
    en: 'Mining support service activities',
  },
  '10': { de: 'Herstellung von Nahrungs- und Futtermitteln', en: 'Manufacture of food products' },
  '11': { de: 'Getränkeherstellung', en: 'Manufacture of beverages' },
  '12': { de: 'Tabakverarbeitung', en: 'Manufacture of tobacco products' },
  '13': { de: 'Herstellung von Textilien', en: 'Manufacture of textiles' },
  '14': { de: 'Herstellung von Bekleidung', en: 'Manufacture of wearing apparel' },
  '15': { de: 'Herstellung von Leder, Lederwaren und Schuhen', en: 'Manufacture of leather and related products' },
  '16': {
    de: 'Herstellung von Holz-, Flecht-, Korb- und Korkwaren (ohne Möbel)',
    en: 'Manufacture of wood and of products of wood and cork, except furniture; manufacture of articles of straw and plaiting materials',
  },
  '17': { de: 'Herstellung von Papier, Pappe und Waren daraus', en: 'Manufacture of paper and paper products' },
  '18': {
    de: 'Herstellung von Druckerzeugnissen; Vervielfältigung von bespielten Ton-, Bild- und Datenträgern',
    en: 'Printing and reproduction of recorded media',
  },
  '19': { de: 'Kokerei und Mineralölverarbeitung', en: 'Manufacture of coke and refined petroleum products' },
  '20': { de: 'Herstellung von chemischen Erzeugnissen', en: 'Manufacture of chemicals and chemical products' },
  '21': {
    de: 'Herstellung von pharmazeutischen Erzeugnissen',
    en: 'Manufacture of basic pharmaceutical products and pharmaceutical preparations',
  },
  '22': { de: 'Herstellung von Gummi- und Kunststoffwaren', en: 'Manufacture of rubber and plastic products' },
  '23': {
    de: 'Herstellung von Glas und Glaswaren, Keramik, Verarbeitung von Steinen und Erden',
    en: 'Manufacture of other non-metallic mineral products',
  },
  '24': { de: 'Metallerzeugung und -bearbeitung', en: 'Manufacture of basic metals' },
  '25': { de: 'Herstellung von Metallerzeugnissen', en: 'Manufacture of fabricated metal products, except machinery and equipment' },
  '26': {
    de: 'Herstellung von Datenverarbeitungsgeräten, elektronischen und optischen Erzeugnissen',
    en: 'Manufacture of computer, electronic and optical products',
  },
  '27': { de: 'Herstellung von elektrischen Ausrüstungen', en: 'Manufacture of electrical equipment' },
  '28': { de: 'Maschinenbau', en: 'Manufacture of machinery and equipment n.e.c.' },
  '29': { de: 'Herstellung von Kraftwagen und Kraftwagenteilen', en: 'Manufacture of motor vehicles, trailers and semi-trailers' },
  '30': { de: 'Sonstiger Fahrzeugbau', en: 'Manufacture of other transport equipment' },
  '31': { de: 'Herstellung von Möbeln', en: 'Manufacture of furniture' },
  '32': { de: 'Herstellung von sonstigen Waren', en: 'Other manufacturing' },
  '33': { de: 'Reparatur und Installation von Maschinen und Ausrüstungen', en: 'Repair and installation of machinery and equipment' },
  '35': { de: 'Energieversorgung', en: 'Electricity, gas, steam and air conditioning supply' },
  '36': { de: 'Wasserversorgung', en: 'Water collection, treatment and supply' },
  '37': { de: 'Abwasserentsorgung', en: 'Sewerage' },
  '38': {
    de: 'Sammlung, Behandlung und Beseitigung von Abfällen; Rückgewinnung',
    en: 'Waste collection, treatment and disposal activities; materials recovery',
  },
  '39': {
    de: 'Beseitigung von Umweltverschmutzungen und sonstige Entsorgung',
    en: 'Remediation activities and other waste management services',
  },
  '41': { de: 'Hochbau', en: 'Construction of buildings' },
  '42': { de: 'Tiefbau', en: 'Civil engineering' },
  '43': {
    de: 'Vorbereitende Baustellenarbeiten, Bauinstallation und sonstiges Ausbaugewerbe',
    en: 'Specialised construction activities',
  },
  '45': {
    de: 'Handel mit Kraftfahrzeugen; Instandhaltung und Reparatur von Kraftfahrzeugen',
    en: 'Wholesale and retail trade and repair of motor vehicles and motorcycles',
  },
  '46': { de: 'Großhandel (ohne Handel mit Kraftfahrzeugen)', en: 'Wholesale trade, except of motor vehicles and motorcycles' },
  '47': { de: 'Einzelhandel (ohne Handel mit Kraftfahrzeugen)', en: 'Retail trade, except of motor vehicles and motorcycles' },
  '49': { de: 'Landverkehr und Transport in Rohrfernleitungen', en: 'Land transport and transport via pipelines' },
  '50': { de: 'Schifffahrt', en: 'Water transport' },
  '51': { de: 'Luftfahrt', en: 'Air transport' },
  '52': {
    de: 'Lagerei sowie Erbringung von sonstigen Dienstleistungen für den Verkehr',
    en: 'Warehousing and support activities for transportation',
  },
  '53': { de: 'Post-, Kurier- und Expressdienste', en: 'Postal and courier activities' },
  '55': { de: 'Beherbergung', en: 'Accommodation' },
  '56': { de: 'Gastronomie', en: 'Food and beverage service activities' },
  '58': { de: 'Verlagswesen', en: 'Publishing activities' },
  '59': {
    de: 'Herstellung, Verleih und Vertrieb von Filmen und Fernsehprogrammen; Kinos; Tonstudios und Verlegen von Musik',
    en: 'Motion picture, video and television programme production, sound recording and music publishing activities',
  },
  '60': { de: 'Rundfunkveranstalter', en: 'Programming and broadcasting activities' },
  '61': { de: 'Telekommunikation', en: 'Telecommunications' },
  '62': {
    de: 'Erbringung von Dienstleistungen der Informationstechnologie',
    en: 'Computer programming, consultancy and related activities',
  },
  '63': { de: 'Informationsdienstleistungen', en: 'Information service activities' },
  '64': { de: 'Erbringung von Finanzdienstleistungen', en: 'Financial service activities, except insurance and pension funding' },
  '65': {
    de: 'Versicherungen, Rückversicherungen und Pensionskassen (ohne Sozialversicherung)',
    en: 'Insurance, reinsurance and pension funding, except compulsory social security',
  },
  '66': {
    de: 'Mit Finanz- und Versicherungsdienstleistungen verbundene Tätigkeiten',
    en: 'Activities auxiliary to financial services and insurance activities',
  },
  '68': { de: 'Grundstücks- und Wohnungswesen', en: 'Real estate activities' },
  '69': { de: 'Rechts- und Steuerberatung, Wirtschaftsprüfung', en: 'Legal and accounting activities' },
  '70': {
    de: 'Verwaltung und Führung von Unternehmen und Betrieben; Unternehmensberatung',
    en: 'Activities of head offices; management consultancy activities',
  },
  '71': {
    de: 'Architektur- und Ingenieurbüros; technische, physikalische und chemische Untersuchung',
    en: 'Architectural and engineering activities; technical testing and analysis',
  },
  '72': { de: 'Forschung und Entwicklung', en: 'Scientific research and development' },
  '73': { de: 'Werbung und Marktforschung', en: 'Advertising and market research' },
  '74': {
    de: 'Sonstige freiberufliche, wissenschaftliche und technische Tätigkeiten',
    en: 'Other professional, scientific and technical activities',
  },
  '75': { de: 'Veterinärwesen', en: 'Veterinary activities' },
  '77': { de: 'Vermietung von beweglichen Sachen', en: 'Rental and leasing activities' },
  '78': { de: 'Vermittlung und Überlassung von Arbeitskräften', en: 'Employment activities' },
  '79': {
    de: 'Reisebüros, Reiseveranstalter und Erbringung sonstiger Reservierungsdienstleistungen',
    en: 'Travel agency, tour operator and other reservation service and related activities',
  },
  '80': { de: 'Wach- und Sicherheitsdienste sowie Detekteien', en: 'Security and investigation activities' },
  '81': { de: 'Gebäudebetreuung; Garten- und Landschaftsbau', en: 'Services to buildings and landscape activities' },
  '82': {
    de: 'Erbringung von wirtschaftlichen Dienstleistungen für Unternehmen und Privatpersonen a. n. g.',
    en: 'Office administrative, office support and other business support activities',
  },
  '84': {
    de: 'Öffentliche Verwaltung, Verteidigung; Sozialversicherung',
    en: 'Public administration and defence; compulsory social security',
  },
  '85': { de: 'Erziehung und Unterricht', en: 'Education' },
  '86': { de: 'Gesundheitswesen', en: 'Human health activities' },
  '87': { de: 'Heime (ohne Erholungs- und Ferienheime)', en: 'Residential care activities' },
  '88': { de: 'Sozialwesen (ohne Heime)', en: 'Social work activities without accommodation' },
  '90': { de: 'Kreative, künstlerische und unterhaltende Tätigkeiten', en: 'Creative, arts and entertainment activities' },
  '91': {
    de: 'Bibliotheken, Archive, Museen, botanische und zoologische Gärten',
    en: 'Libraries, archives, museums and other cultural activities',
  },
  '92': { de: 'Spiel-, Wett- und Lotteriewesen', en: 'Gambling and betting activities' },
  '93': {
    de: 'Erbringung von Dienstleistungen des Sports, der Unterhaltung und der Erholung',
    en: 'Sports activities and amusement and recreation activities',
  },
  '94': {
    de: 'Interessenvertretungen sowie kirchliche und sonstige religiöse Vereinigungen (ohne Sozialwesen und Sport)',
    en: 'Activities of membership organisations',
  },
  '95': {
    de: 'Reparatur von Datenverarbeitungsgeräten und Gebrauchsgütern',
    en: 'Repair of computers and personal and household goods',
  },
  '96': {
    de: 'Erbringung von sonstigen überwiegend persönlichen Dienstleistungen',
    en: 'Other personal service activities',
  },
  '97': { de: 'Private Haushalte mit Hauspersonal', en: 'Activities of households as employers of domestic personnel' },
  '98': {
    de: 'Herstellung von Waren und Erbringung von Dienstleistungen durch private Haushalte für den Eigenbedarf ohne ausgeprägten Schwerpunkt',
    en: 'Undifferentiated goods- and services-producing activities of private households for own use',
  },
  '99': {
    de: 'Exterritoriale Organisationen und Körperschaften',
    en: 'Activities of extraterritorial organisations and bodies',
  },
};

/** A successfully parsed WZ 2008 / NACE Rev. 2 code. */
export interface WzCode {
  readonly ok: true;
  /** The most specific level given, in dotted form: `46`, `46.4`, `46.49` or `46.49.0`. */
  readonly code: string;
  /** Two digits, e.g. `46`. */
  readonly division: string;
  /** `46.4` when at least three digits were given. */
  readonly group?: string;
  /** `46.49` when at least four digits were given. */
  readonly class?: string;
  /** `46.49.0` when the German fifth digit was given (not part of NACE). */
  readonly subclass?: string;
  readonly section: WzSection;
  readonly sectionName: Title;
  readonly divisionName: Title;
}

/** Why a value is not a WZ 2008 code; meant for a rejects file. */
export interface WzRejection {
  readonly ok: false;
  readonly reason: string;
}

export type WzParseResult = WzCode | WzRejection;

/**
 * Optional section letter, then the digits with the dots where WZ puts them (after the division
 * and after the class), or no dots at all. A dot anywhere else (`464.9`) is rejected because it
 * cannot be told apart from a typo.
 */
const CODE_PATTERN = /^(?:([A-Za-z])\s*)?(\d{2})(?:\.?(\d)(?:(\d)(?:\.?(\d))?)?)?$/;

/** Section letter of a division number (1–99), or `undefined` for a number outside every span. */
export function sectionOfDivision(division: number): WzSection | undefined {
  for (const [letter, section] of Object.entries(WZ_SECTIONS) as [WzSection, (typeof WZ_SECTIONS)[WzSection]][]) {
    if (division >= section.divisions[0] && division <= section.divisions[1]) return letter;
  }
  return undefined;
}

/**
 * Parses a WZ 2008 / NACE Rev. 2 code as customer masters write it: `46.49`, `4649`, `46.49.0`,
 * `46490`, `C 28.1`, `c28.1`, `28`, with surrounding whitespace. Returns the normal form with
 * section and titles, or `{ ok: false, reason }` naming the problem (unknown division, section
 * letter that contradicts the division, malformed code). Never throws for bad user values.
 */
export function parseWz2008(value: unknown): WzParseResult {
  if (typeof value !== 'string') {
    // A number has already lost information: 28.10 becomes 28.1 and 01.11 becomes 1.11.
    const shown = typeof value === 'number' ? ` (${value})` : '';
    return { ok: false, reason: `industry code must be text, got ${value === null ? 'null' : typeof value}${shown}; numbers drop digits such as the 0 in 28.10` };
  }
  const text = value.trim();
  if (text === '') return { ok: false, reason: 'industry code is empty' };
  const match = CODE_PATTERN.exec(text);
  if (match === null) {
    if (/^[A-Za-z]$/.test(text)) {
      return { ok: false, reason: `industry code ${JSON.stringify(text)} is only a section letter; a division (2 digits) is needed` };
    }
    return {
      ok: false,
      reason: `industry code ${JSON.stringify(text)} is not a WZ 2008 code; expected forms like 46.49, 4649, 46.49.0 or C 28.1`,
    };
  }
  const [, letterRaw, divisionDigits, groupDigit, classDigit, subclassDigit] = match;
  const division = divisionDigits!;
  const divisionName = WZ_DIVISIONS[division];
  if (divisionName === undefined) {
    return { ok: false, reason: `industry code ${JSON.stringify(text)}: division ${division} does not exist in WZ 2008 / NACE Rev. 2` };
  }
  // Every existing division lies in a section span, so this lookup cannot miss.
  const section = sectionOfDivision(Number(division))!;
  if (letterRaw !== undefined) {
    const letter = letterRaw.toUpperCase();
    if (!(letter in WZ_SECTIONS)) {
      return { ok: false, reason: `industry code ${JSON.stringify(text)}: section letter ${letter} does not exist (sections are A–U)` };
    }
    if (letter !== section) {
      return {
        ok: false,
        reason: `industry code ${JSON.stringify(text)}: section ${letter} contradicts division ${division}, which belongs to section ${section}`,
      };
    }
  }
  const group = groupDigit === undefined ? undefined : `${division}.${groupDigit}`;
  const cls = classDigit === undefined ? undefined : `${division}.${groupDigit}${classDigit}`;
  const subclass = subclassDigit === undefined ? undefined : `${cls}.${subclassDigit}`;
  return {
    ok: true,
    code: subclass ?? cls ?? group ?? division,
    division,
    ...(group === undefined ? {} : { group }),
    ...(cls === undefined ? {} : { class: cls }),
    ...(subclass === undefined ? {} : { subclass }),
    section,
    sectionName: WZ_SECTIONS[section].name,
    divisionName,
  };
}

/** Like {@link parseWz2008} but throws {@link InputError} with the reason, for single values given by a user. */
export function requireWz2008(value: unknown): WzCode {
  const result = parseWz2008(value);
  if (!result.ok) throw new InputError(result.reason);
  return result;
}
