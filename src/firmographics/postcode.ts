/**
 * German postcodes (Postleitzahlen, PLZ) → Leitzone, Leitregion and federal state (Bundesland).
 *
 * Since 1 July 1993 a PLZ has five digits; the first is the Leitzone (0–9), the first two the
 * Leitregion. Codes in the east start with 0 (`01067` is Dresden), so a PLZ is text: a spreadsheet
 * that reads it as a number turns `01067` into `1067`, which {@link validatePostcode} rejects with
 * a reason that says so rather than guessing.
 *
 * PLZ areas follow postal routes, not state borders, so a state cannot be read off the first
 * digits. The state comes from the range table `data/reference/plz_bundesland.csv` (its source and
 * the border decisions are described in its header and in `data/reference/README.md`). Codes that
 * serve places in two states are assigned to the majority state and flagged `ambiguous` with the
 * other states listed, so a caller can decide how much to trust the state of those rows.
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InputError, show } from '../errors.ts';
import type { Title } from './wz2008.ts';

/** ISO 3166-2:DE subdivision suffixes of the 16 Länder. */
export type BundeslandCode =
  | 'BW' | 'BY' | 'BE' | 'BB' | 'HB' | 'HH' | 'HE' | 'MV'
  | 'NI' | 'NW' | 'RP' | 'SL' | 'SN' | 'ST' | 'SH' | 'TH';

/** A federal state: official German name, English exonym, population. */
export interface Bundesland {
  readonly code: BundeslandCode;
  /** ISO 3166-2 code, e.g. `DE-BY`. */
  readonly iso: string;
  readonly name: Title;
  /**
   * Inhabitants on 31 Dec 2022, rounded to thousands. Used only as sampling weights (demo data),
   * so the rounding does not matter.
   */
  readonly population: number;
}

/**
 * The 16 Länder. Names: German official short names; English names as used by the Federal
 * Statistical Office's English publications. Population: Statistisches Bundesamt (Destatis),
 * Bevölkerungsstand 31.12.2022 (Fortschreibung auf Grundlage des Zensus 2011), rounded to
 * thousands (total 84.36 million).
 */
export const BUNDESLAENDER: Readonly<Record<BundeslandCode, Bundesland>> = {
  BW: { code: 'BW', iso: 'DE-BW', name: { de: 'Baden-Württemberg', en: 'Baden-Württemberg' }, population: 11_280_000 },
  BY: { code: 'BY', iso: 'DE-BY', name: { de: 'Bayern', en: 'Bavaria' }, population: 13_369_000 },
  BE: { code: 'BE', iso: 'DE-BE', name: { de: 'Berlin', en: 'Berlin' }, population: 3_755_000 },
  BB: { code: 'BB', iso: 'DE-BB', name: { de: 'Brandenburg', en: 'Brandenburg' }, population: 2_573_000 },
  HB: { code: 'HB', iso: 'DE-HB', name: { de: 'Bremen', en: 'Bremen' }, population: 685_000 },
  HH: { code: 'HH', iso: 'DE-HH', name: { de: 'Hamburg', en: 'Hamburg' }, population: 1_892_000 },
  HE: { code: 'HE', iso: 'DE-HE', name: { de: 'Hessen', en: 'Hesse' }, population: 6_391_000 },
  MV: { code: 'MV', iso: 'DE-MV', name: { de: 'Mecklenburg-Vorpommern', en: 'Mecklenburg-Western Pomerania' }, population: 1_628_000 },
  NI: { code: 'NI', iso: 'DE-NI', name: { de: 'Niedersachsen', en: 'Lower Saxony' }, population: 8_140_000 },
  NW: { code: 'NW', iso: 'DE-NW', name: { de: 'Nordrhein-Westfalen', en: 'North Rhine-Westphalia' }, population: 18_139_000 },
  RP: { code: 'RP', iso: 'DE-RP', name: { de: 'Rheinland-Pfalz', en: 'Rhineland-Palatinate' }, population: 4_159_000 },
  SL: { code: 'SL', iso: 'DE-SL', name: { de: 'Saarland', en: 'Saarland' }, population: 993_000 },
  SN: { code: 'SN', iso: 'DE-SN', name: { de: 'Sachsen', en: 'Saxony' }, population: 4_086_000 },
  ST: { code: 'ST', iso: 'DE-ST', name: { de: 'Sachsen-Anhalt', en: 'Saxony-Anhalt' }, population: 2_187_000 },
  SH: { code: 'SH', iso: 'DE-SH', name: { de: 'Schleswig-Holstein', en: 'Schleswig-Holstein' }, population: 2_953_000 },
  TH: { code: 'TH', iso: 'DE-TH', name: { de: 'Thüringen', en: 'Thuringia' }, population: 2_127_000 },
};

/** One row of the range table. `state` is `AT` for the Austrian places served by German postcodes. */
export interface PostcodeRange {
  readonly from: number;
  readonly to: number;
  readonly state: BundeslandCode | 'AT';
  /** Further states with places under codes of this row (non-empty only for shared single codes). */
  readonly otherStates: readonly BundeslandCode[];
  readonly note: string;
}

/** Where the range table lives, relative to this file. */
export const PLZ_TABLE_URL = new URL('../../data/reference/plz_bundesland.csv', import.meta.url);

const HEADER = 'plz_from,plz_to,state,other_states,note';

function isBundeslandCode(value: string): value is BundeslandCode {
  return Object.hasOwn(BUNDESLAENDER, value);
}

/** Splits one CSV line (RFC 4180 quoting, no line breaks inside fields). */
function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let text = '';
      i += 1;
      for (;;) {
        const quote = line.indexOf('"', i);
        if (quote < 0) throw new Error(`unterminated quote in ${JSON.stringify(line)}`);
        text += line.slice(i, quote);
        if (line[quote + 1] === '"') {
          text += '"';
          i = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      fields.push(text);
    } else {
      const comma = line.indexOf(',', i);
      fields.push(comma < 0 ? line.slice(i) : line.slice(i, comma));
      i = comma < 0 ? line.length : comma;
    }
    if (i >= line.length) return fields;
    if (line[i] !== ',') throw new Error(`expected a comma at position ${i} of ${JSON.stringify(line)}`);
    i += 1;
  }
}

/**
 * Parses and checks the range table: `#` comment lines, the header
 * `plz_from,plz_to,state,other_states,note`, then rows with five-digit bounds, in ascending order,
 * not overlapping. A malformed table is a defect of the shipped data, so this throws a plain
 * `Error` naming the line.
 */
export function parsePostcodeRanges(csvText: string): PostcodeRange[] {
  const ranges: PostcodeRange[] = [];
  let sawHeader = false;
  const lines = csvText.split(/\r?\n/);
  lines.forEach((line, index) => {
    const where = `plz_bundesland.csv line ${index + 1}`;
    if (line.trim() === '' || line.startsWith('#')) return;
    if (!sawHeader) {
      if (line.trim() !== HEADER) throw new Error(`${where}: expected header ${HEADER}`);
      sawHeader = true;
      return;
    }
    const fields = splitCsvLine(line);
    if (fields.length !== 5) throw new Error(`${where}: expected 5 fields, got ${fields.length}`);
    const [fromText, toText, state, others, note] = fields as [string, string, string, string, string];
    if (!/^\d{5}$/.test(fromText) || !/^\d{5}$/.test(toText)) throw new Error(`${where}: bounds must be five digits`);
    const from = Number(fromText);
    const to = Number(toText);
    if (from > to) throw new Error(`${where}: plz_from ${fromText} is above plz_to ${toText}`);
    if (state !== 'AT' && !isBundeslandCode(state)) throw new Error(`${where}: unknown state ${state}`);
    const otherStates = others === '' ? [] : others.split('|');
    for (const other of otherStates) {
      if (!isBundeslandCode(other) || other === state) throw new Error(`${where}: bad other state ${other}`);
    }
    const previous = ranges.at(-1);
    if (previous !== undefined && from <= previous.to) throw new Error(`${where}: range starts at or below the previous range's end`);
    ranges.push({ from, to, state: state as BundeslandCode | 'AT', otherStates: otherStates as BundeslandCode[], note });
  });
  if (!sawHeader) throw new Error('plz_bundesland.csv: no header found');
  return ranges;
}

let loadedRanges: readonly PostcodeRange[] | undefined;

/** The shipped range table, read once on first use. */
export function postcodeRanges(): readonly PostcodeRange[] {
  loadedRanges ??= Object.freeze(parsePostcodeRanges(readFileSync(fileURLToPath(PLZ_TABLE_URL), 'utf8')));
  return loadedRanges;
}

/** A syntactically valid German postcode. */
export interface ValidPostcode {
  readonly ok: true;
  /** Five digits. */
  readonly postcode: string;
}

/** Why a value is not usable; meant for a rejects file. */
export interface PostcodeRejection {
  readonly ok: false;
  readonly reason: string;
}

/**
 * Checks that a value is a German postcode: five digits after trimming. The old international
 * prefix `D-` / `DE-` (`D-01067`) is accepted and dropped because it still appears in address
 * lists. Only country `DE` is supported; the country is compared case-insensitively.
 */
export function validatePostcode(value: unknown, country: string = 'DE'): ValidPostcode | PostcodeRejection {
  if (country.trim().toUpperCase() !== 'DE') {
    return { ok: false, reason: `postcode rules are only known for country DE, not ${show(country)}` };
  }
  if (typeof value === 'number') {
    const digits = Number.isInteger(value) && value >= 0 ? String(value) : '';
    const hint = digits.length > 0 && digits.length < 5 ? `; if it lost leading zeros it was ${digits.padStart(5, '0')}` : '';
    return { ok: false, reason: `postcode ${value} was read as a number; postcodes are text because they can start with 0${hint}` };
  }
  if (typeof value !== 'string') return { ok: false, reason: `postcode must be text, got ${value === null ? 'null' : typeof value}` };
  const text = value.trim().replace(/^DE?-/i, '');
  if (text === '') return { ok: false, reason: 'postcode is empty' };
  if (/^\d{5}$/.test(text)) return { ok: true, postcode: text };
  if (/^\d{1,4}$/.test(text)) {
    return {
      ok: false,
      reason: `postcode ${show(value)} has ${text.length} digit${text.length === 1 ? '' : 's'}; German postcodes have five — leading zeros were probably lost when the column was read as a number (would be ${text.padStart(5, '0')})`,
    };
  }
  if (/^\d+$/.test(text)) return { ok: false, reason: `postcode ${show(value)} has ${text.length} digits; German postcodes have five` };
  return { ok: false, reason: `postcode ${show(value)} is not five digits` };
}

/** A postcode placed in its Leitzone, Leitregion and Bundesland. */
export interface PostcodeRegion {
  readonly ok: true;
  readonly postcode: string;
  /** First digit. */
  readonly leitzone: string;
  /** First two digits. */
  readonly leitregion: string;
  readonly state: BundeslandCode;
  readonly stateName: Title;
  /** True when the code also serves places in {@link otherStates}. */
  readonly ambiguous: boolean;
  readonly otherStates: readonly BundeslandCode[];
}

/** Finds the table row holding a five-digit postcode (binary search over the sorted rows). */
export function findPostcodeRange(postcode: string): PostcodeRange | undefined {
  const ranges = postcodeRanges();
  const n = Number(postcode);
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const range = ranges[mid]!;
    if (n < range.from) hi = mid - 1;
    else if (n > range.to) lo = mid + 1;
    else return range;
  }
  return undefined;
}

/**
 * Validates a postcode and places it: Leitzone, Leitregion and Bundesland. Returns
 * `{ ok: false, reason }` for invalid codes, for Leitregionen that are not issued (00, 05, 43, 62)
 * and for the Austrian places served by German postcodes (Jungholz 87491, Kleinwalsertal
 * 87567–87569), which have no Bundesland.
 */
export function lookupPostcode(value: unknown, country: string = 'DE'): PostcodeRegion | PostcodeRejection {
  const valid = validatePostcode(value, country);
  if (!valid.ok) return valid;
  const { postcode } = valid;
  const range = findPostcodeRange(postcode);
  if (range === undefined) {
    return { ok: false, reason: `postcode ${postcode}: Leitregion ${postcode.slice(0, 2)} is not issued by Deutsche Post` };
  }
  if (range.state === 'AT') {
    return { ok: false, reason: `postcode ${postcode} is a German postcode for ${range.note}; it has no Bundesland` };
  }
  return {
    ok: true,
    postcode,
    leitzone: postcode.slice(0, 1),
    leitregion: postcode.slice(0, 2),
    state: range.state,
    stateName: BUNDESLAENDER[range.state].name,
    ambiguous: range.otherStates.length > 0,
    otherStates: range.otherStates,
  };
}

/** Like {@link lookupPostcode} but throws {@link InputError} with the reason, for single values given by a user. */
export function requirePostcodeRegion(value: unknown, country: string = 'DE'): PostcodeRegion {
  const result = lookupPostcode(value, country);
  if (!result.ok) throw new InputError(result.reason);
  return result;
}
