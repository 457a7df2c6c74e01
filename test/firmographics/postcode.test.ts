import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import {
  BUNDESLAENDER,
  lookupPostcode,
  parsePostcodeRanges,
  PLZ_TABLE_URL,
  postcodeRanges,
  requirePostcodeRegion,
  validatePostcode,
  type BundeslandCode,
} from '../../src/firmographics/postcode.ts';

function stateOf(postcode: string): BundeslandCode {
  const result = lookupPostcode(postcode);
  if (!result.ok) throw new Error(`${postcode}: ${result.reason}`);
  return result.state;
}

function rejection(value: unknown, country?: string): string {
  const result = lookupPostcode(value, country);
  if (result.ok) throw new Error(`expected ${JSON.stringify(value)} to be rejected, got ${result.state}`);
  return result.reason;
}

describe('lookupPostcode: one city per Bundesland', () => {
  const cases: [string, string, string][] = [
    ['01067', 'Sachsen', 'Dresden'],
    ['10115', 'Berlin', 'Berlin-Mitte'],
    ['14467', 'Brandenburg', 'Potsdam'],
    ['19053', 'Mecklenburg-Vorpommern', 'Schwerin'],
    ['20095', 'Hamburg', 'Hamburg'],
    ['24103', 'Schleswig-Holstein', 'Kiel'],
    ['28195', 'Bremen', 'Bremen'],
    ['30159', 'Niedersachsen', 'Hannover'],
    ['39104', 'Sachsen-Anhalt', 'Magdeburg'],
    ['50667', 'Nordrhein-Westfalen', 'Köln'],
    ['55116', 'Rheinland-Pfalz', 'Mainz'],
    ['60311', 'Hessen', 'Frankfurt am Main'],
    ['66111', 'Saarland', 'Saarbrücken'],
    ['70173', 'Baden-Württemberg', 'Stuttgart'],
    ['80331', 'Bayern', 'München'],
    ['99084', 'Thüringen', 'Erfurt'],
  ];
  for (const [postcode, state, city] of cases) {
    it(`${postcode} ${city} is in ${state}`, () => {
      const result = lookupPostcode(postcode);
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.stateName.de).toBe(state);
      expect(result.leitzone).toBe(postcode[0]);
      expect(result.leitregion).toBe(postcode.slice(0, 2));
      expect(result.ambiguous).toBe(false);
    });
  }
});

describe('lookupPostcode: border areas', () => {
  const cases: [string, BundeslandCode, string][] = [
    ['01968', 'BB', 'Senftenberg'],
    ['01917', 'SN', 'Kamenz'],
    ['02826', 'SN', 'Görlitz'],
    ['03046', 'BB', 'Cottbus'],
    ['04109', 'SN', 'Leipzig'],
    ['04600', 'TH', 'Altenburg'],
    ['04668', 'SN', 'Grimma'],
    ['04916', 'BB', 'Herzberg (Elster)'],
    ['06108', 'ST', 'Halle (Saale)'],
    ['06567', 'TH', 'Bad Frankenhausen'],
    ['06618', 'ST', 'Naumburg'],
    ['07743', 'TH', 'Jena'],
    ['07973', 'TH', 'Greiz'],
    ['08523', 'SN', 'Plauen'],
    ['09111', 'SN', 'Chemnitz'],
    ['12529', 'BB', 'Schönefeld'],
    ['14199', 'BE', 'Berlin-Schmargendorf'],
    ['17291', 'BB', 'Prenzlau'],
    ['17489', 'MV', 'Greifswald'],
    ['19322', 'BB', 'Wittenberge'],
    ['19300', 'MV', 'Grabow'],
    ['23552', 'SH', 'Lübeck'],
    ['23909', 'SH', 'Ratzeburg'],
    ['23966', 'MV', 'Wismar'],
    ['21073', 'HH', 'Hamburg-Harburg'],
    ['21335', 'NI', 'Lüneburg'],
    ['21465', 'SH', 'Reinbek'],
    ['21522', 'NI', 'Hohnstorf (Elbe)'],
    ['21682', 'NI', 'Stade'],
    ['22880', 'SH', 'Wedel'],
    ['27472', 'NI', 'Cuxhaven'],
    ['27498', 'SH', 'Helgoland'],
    ['27499', 'HH', 'Neuwerk'],
    ['27568', 'HB', 'Bremerhaven'],
    ['28816', 'NI', 'Stuhr'],
    ['29410', 'ST', 'Salzwedel'],
    ['29439', 'NI', 'Lüchow'],
    ['34117', 'HE', 'Kassel'],
    ['34346', 'NI', 'Hann. Münden'],
    ['34414', 'NW', 'Warburg'],
    ['35037', 'HE', 'Marburg'],
    ['36037', 'HE', 'Fulda'],
    ['36433', 'TH', 'Bad Salzungen'],
    ['37073', 'NI', 'Göttingen'],
    ['37269', 'HE', 'Eschwege'],
    ['37308', 'TH', 'Heilbad Heiligenstadt'],
    ['37671', 'NW', 'Höxter'],
    ['37603', 'NI', 'Holzminden'],
    ['38100', 'NI', 'Braunschweig'],
    ['38486', 'ST', 'Klötze'],
    ['38855', 'ST', 'Wernigerode'],
    ['48143', 'NW', 'Münster'],
    ['48527', 'NI', 'Nordhorn'],
    ['49074', 'NI', 'Osnabrück'],
    ['49477', 'NW', 'Ibbenbüren'],
    ['51598', 'RP', 'Friesenhagen'],
    ['53111', 'NW', 'Bonn'],
    ['53474', 'RP', 'Bad Neuenahr-Ahrweiler'],
    ['53604', 'NW', 'Bad Honnef'],
    ['55252', 'HE', 'Mainz-Kastel'],
    ['57072', 'NW', 'Siegen'],
    ['57518', 'RP', 'Betzdorf'],
    ['63450', 'HE', 'Hanau'],
    ['63739', 'BY', 'Aschaffenburg'],
    ['64283', 'HE', 'Darmstadt'],
    ['65549', 'HE', 'Limburg'],
    ['65582', 'RP', 'Diez'],
    ['66424', 'SL', 'Homburg'],
    ['66482', 'RP', 'Zweibrücken'],
    ['66953', 'RP', 'Pirmasens'],
    ['67655', 'RP', 'Kaiserslautern'],
    ['68159', 'BW', 'Mannheim'],
    ['68519', 'HE', 'Viernheim'],
    ['68623', 'HE', 'Lampertheim'],
    ['69117', 'BW', 'Heidelberg'],
    ['69469', 'BW', 'Weinheim'],
    ['69483', 'HE', 'Wald-Michelbach'],
    ['76131', 'BW', 'Karlsruhe'],
    ['76829', 'RP', 'Landau'],
    ['78266', 'BW', 'Büsingen am Hochrhein'],
    ['88045', 'BW', 'Friedrichshafen'],
    ['88131', 'BY', 'Lindau'],
    ['89073', 'BW', 'Ulm'],
    ['89231', 'BY', 'Neu-Ulm'],
    ['89518', 'BW', 'Heidenheim'],
    ['96450', 'BY', 'Coburg'],
    ['96515', 'TH', 'Sonneberg'],
    ['97070', 'BY', 'Würzburg'],
    ['97877', 'BW', 'Wertheim'],
    ['97892', 'BY', 'Kreuzwertheim'],
    ['97980', 'BW', 'Bad Mergentheim'],
    ['98527', 'TH', 'Suhl'],
  ];
  for (const [postcode, state, place] of cases) {
    it(`${postcode} ${place} → ${state}`, () => expect(stateOf(postcode)).toBe(state));
  }

  it('flags codes shared by two states and names the other state', () => {
    const shared = lookupPostcode('19273');
    expect(shared).toMatchObject({ ok: true, state: 'NI', ambiguous: true, otherStates: ['MV'] });
    expect(lookupPostcode('14715')).toMatchObject({ state: 'BB', ambiguous: true, otherStates: ['ST'] });
    expect(lookupPostcode('22145')).toMatchObject({ state: 'HH', ambiguous: true, otherStates: ['SH'] });
    expect(lookupPostcode('59969')).toMatchObject({ state: 'NW', ambiguous: true, otherStates: ['HE'] });
  });

  it('rejects the Austrian places served by German postcodes', () => {
    expect(rejection('87491')).toMatch(/Jungholz.*Austria.*no Bundesland/);
    expect(rejection('87568')).toMatch(/Kleinwalsertal.*Austria/);
    expect(stateOf('87490')).toBe('BY');
    expect(stateOf('87570')).toBe('BY');
  });

  it('rejects Leitregionen that are not issued', () => {
    for (const postcode of ['00123', '05123', '43210', '62000']) expect(rejection(postcode)).toMatch(/Leitregion \d\d is not issued/);
    expect(stateOf('11011')).toBe('BE'); // Deutscher Bundestag: Berlin large-recipient code
  });
});

describe('validatePostcode', () => {
  it('accepts five digits, trimmed, and drops an old D- prefix', () => {
    expect(validatePostcode('01067')).toEqual({ ok: true, postcode: '01067' });
    expect(validatePostcode(' 80331\t')).toEqual({ ok: true, postcode: '80331' });
    expect(validatePostcode('D-01067')).toEqual({ ok: true, postcode: '01067' });
    expect(validatePostcode('de-10115', 'de')).toEqual({ ok: true, postcode: '10115' });
  });

  it('explains a lost leading zero instead of repairing it', () => {
    const result = validatePostcode('1067');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toMatch(/"1067" has 4 digits; German postcodes have five/);
    expect(result.reason).toMatch(/leading zeros were probably lost.*01067/);
    expect(rejection(1067)).toMatch(/read as a number.*01067/);
  });

  it('rejects other malformed values with a reason', () => {
    expect(rejection('')).toMatch(/empty/);
    expect(rejection('123456')).toMatch(/6 digits; German postcodes have five/);
    expect(rejection('8033l')).toMatch(/not five digits/);
    expect(rejection('80 331')).toMatch(/not five digits/);
    expect(rejection(null)).toMatch(/must be text/);
    expect(rejection('80331', 'AT')).toMatch(/only known for country DE/);
  });

  it('requirePostcodeRegion throws InputError with the reason', () => {
    expect(requirePostcodeRegion('70173').state).toBe('BW');
    expect(() => requirePostcodeRegion('1067')).toThrow(InputError);
    expect(() => requirePostcodeRegion('1067')).toThrow(/leading zeros/);
  });
});

describe('plz_bundesland.csv', () => {
  const ranges = postcodeRanges();

  it('covers every issued Leitregion without gaps and nothing else', () => {
    const unissued = new Set([0, 5, 43, 62]);
    expect(ranges[0]!.from).toBe(1000);
    expect(ranges.at(-1)!.to).toBe(99999);
    for (let t = 1; t < ranges.length; t += 1) {
      const previous = ranges[t - 1]!;
      const range = ranges[t]!;
      if (range.from === previous.to + 1) continue;
      // A gap must be exactly one or more whole Leitregionen that are not issued.
      expect(previous.to % 1000, `gap after ${previous.to}`).toBe(999);
      expect(range.from % 1000, `gap before ${range.from}`).toBe(0);
      for (let region = (previous.to + 1) / 1000; region < range.from / 1000; region += 1) {
        expect(unissued.has(region), `Leitregion ${region} missing`).toBe(true);
      }
    }
    for (const region of unissued) {
      expect(ranges.some((r) => r.from <= region * 1000 + 999 && r.to >= region * 1000), `Leitregion ${region}`).toBe(false);
    }
  });

  it('uses every Bundesland and marks shared codes only on single-code rows', () => {
    const states = new Set(ranges.map((r) => r.state));
    for (const code of Object.keys(BUNDESLAENDER)) expect(states.has(code as BundeslandCode), code).toBe(true);
    for (const range of ranges.filter((r) => r.otherStates.length > 0)) expect(range.to).toBe(range.from);
  });

  it('is the file the module reads, and the parser rejects broken tables', () => {
    const text = readFileSync(fileURLToPath(PLZ_TABLE_URL), 'utf8');
    expect(parsePostcodeRanges(text)).toEqual(ranges);
    const header = 'plz_from,plz_to,state,other_states,note\n';
    expect(() => parsePostcodeRanges(`${header}01000,01999,XX,,bad state\n`)).toThrow(/unknown state XX/);
    expect(() => parsePostcodeRanges(`${header}01000,01999,SN,,a\n01500,02999,SN,,b\n`)).toThrow(/previous range/);
    expect(() => parsePostcodeRanges(`${header}1000,01999,SN,,a\n`)).toThrow(/five digits/);
    expect(() => parsePostcodeRanges(`${header}01000,01999,SN,,a, b\n`)).toThrow(/expected 5 fields/);
    expect(() => parsePostcodeRanges('01000,01999,SN,,a\n')).toThrow(/expected header/);
    expect(parsePostcodeRanges(`# comment\n${header}01000,01999,SN,BB|TH,"Dresden, ""Elbflorenz"""\n`)).toEqual([
      { from: 1000, to: 1999, state: 'SN', otherStates: ['BB', 'TH'], note: 'Dresden, "Elbflorenz"' },
    ]);
  });

  it('has state populations that add up to Germany (84.4 million, 31 Dec 2022)', () => {
    const total = Object.values(BUNDESLAENDER).reduce((sum, s) => sum + s.population, 0);
    expect(total).toBeGreaterThan(84_300_000);
    expect(total).toBeLessThan(84_400_000);
  });
});
