import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { parseWz2008, requireWz2008, sectionOfDivision, WZ_DIVISIONS, WZ_SECTIONS, type WzSection } from '../../src/firmographics/wz2008.ts';

function ok(value: unknown) {
  const result = parseWz2008(value);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(value)} to parse: ${result.reason}`);
  return result;
}

function reason(value: unknown): string {
  const result = parseWz2008(value);
  if (result.ok) throw new Error(`expected ${JSON.stringify(value)} to be rejected, got ${result.code}`);
  return result.reason;
}

describe('parseWz2008', () => {
  it('reads the common spellings of one class to the same normal form', () => {
    for (const spelling of ['46.49', '4649', ' 46.49 ', '\t4649\n', 'G 46.49', 'g46.49', 'G  4649']) {
      const r = ok(spelling);
      expect(r.code).toBe('46.49');
      expect(r.division).toBe('46');
      expect(r.group).toBe('46.4');
      expect(r.class).toBe('46.49');
      expect(r.subclass).toBeUndefined();
      expect(r.section).toBe('G');
    }
  });

  it('keeps the German fifth digit as the subclass', () => {
    for (const spelling of ['46.49.0', '46490', '4649.0']) {
      const r = ok(spelling);
      expect(r.code).toBe('46.49.0');
      expect(r.class).toBe('46.49');
      expect(r.subclass).toBe('46.49.0');
    }
  });

  it('stops at the level given: division, group', () => {
    const division = ok('28');
    expect(division).toMatchObject({ code: '28', division: '28', section: 'C' });
    expect(division.group).toBeUndefined();
    expect(division.class).toBeUndefined();
    const group = ok('C 28.1');
    expect(group).toMatchObject({ code: '28.1', division: '28', group: '28.1', section: 'C' });
    expect(group.class).toBeUndefined();
    expect(ok('281').group).toBe('28.1');
  });

  it('keeps leading zeros of divisions in section A and B', () => {
    const r = ok('01.11');
    expect(r).toMatchObject({ division: '01', class: '01.11', section: 'A' });
    expect(r.divisionName.en).toBe('Crop and animal production, hunting and related service activities');
    expect(ok('B 09.1').section).toBe('B');
  });

  it('returns official section and division titles in German and English', () => {
    const r = ok('46.49');
    expect(r.sectionName).toEqual({
      de: 'Handel; Instandhaltung und Reparatur von Kraftfahrzeugen',
      en: 'Wholesale and retail trade; repair of motor vehicles and motorcycles',
    });
    expect(r.divisionName).toEqual({ de: 'Großhandel (ohne Handel mit Kraftfahrzeugen)', en: 'Wholesale trade, except of motor vehicles and motorcycles' });
    expect(ok('28').divisionName).toEqual({ de: 'Maschinenbau', en: 'Manufacture of machinery and equipment n.e.c.' });
    expect(ok('62.01').divisionName.de).toBe('Erbringung von Dienstleistungen der Informationstechnologie');
  });

  it('maps every division boundary to its section', () => {
    const cases: [string, WzSection][] = [
      ['01', 'A'], ['03', 'A'], ['05', 'B'], ['09', 'B'], ['10', 'C'], ['33', 'C'], ['35', 'D'], ['36', 'E'], ['39', 'E'],
      ['41', 'F'], ['43', 'F'], ['45', 'G'], ['47', 'G'], ['49', 'H'], ['53', 'H'], ['55', 'I'], ['56', 'I'], ['58', 'J'],
      ['63', 'J'], ['64', 'K'], ['66', 'K'], ['68', 'L'], ['69', 'M'], ['75', 'M'], ['77', 'N'], ['82', 'N'], ['84', 'O'],
      ['85', 'P'], ['86', 'Q'], ['88', 'Q'], ['90', 'R'], ['93', 'R'], ['94', 'S'], ['96', 'S'], ['97', 'T'], ['98', 'T'], ['99', 'U'],
    ];
    for (const [division, section] of cases) expect(ok(division).section, division).toBe(section);
  });

  it('rejects divisions that do not exist, naming the division', () => {
    for (const division of ['00', '04', '34', '40', '44', '48', '54', '57', '67', '76', '83', '89']) {
      expect(reason(division)).toMatch(new RegExp(`division ${division} does not exist`));
      expect(reason(`${division}.11`)).toMatch(/does not exist/);
    }
  });

  it('rejects a section letter that contradicts the division', () => {
    expect(reason('G 28.1')).toMatch(/section G contradicts division 28, which belongs to section C/);
    expect(reason('A 46.49')).toMatch(/section A contradicts division 46/);
    expect(reason('V 28')).toMatch(/section letter V does not exist/);
  });

  it('rejects malformed codes with a reason', () => {
    expect(reason('')).toMatch(/empty/);
    expect(reason('   ')).toMatch(/empty/);
    expect(reason('G')).toMatch(/only a section letter/);
    for (const bad of ['464.9', '4', '46.', '46.4.9', '464900', 'GG 46', '46-49', 'abc', '46,49']) {
      expect(reason(bad), bad).toMatch(/not a WZ 2008 code/);
    }
  });

  it('rejects numbers and other non-text values instead of guessing lost digits', () => {
    expect(reason(28.1)).toMatch(/must be text.*28\.1/);
    expect(reason(null)).toMatch(/must be text, got null/);
    expect(reason(undefined)).toMatch(/must be text, got undefined/);
  });
});

describe('WZ tables', () => {
  it('has the 88 divisions of NACE Rev. 2, each inside its section span, with both titles', () => {
    const codes = Object.keys(WZ_DIVISIONS);
    expect(codes).toHaveLength(88);
    for (const code of codes) {
      expect(code).toMatch(/^\d{2}$/);
      expect(sectionOfDivision(Number(code))).toBeDefined();
      expect(WZ_DIVISIONS[code]!.de.length).toBeGreaterThan(3);
      expect(WZ_DIVISIONS[code]!.en.length).toBeGreaterThan(3);
    }
  });

  it('has the 21 sections A–U whose spans tile 01–99 in order', () => {
    const letters = Object.keys(WZ_SECTIONS);
    expect(letters.join('')).toBe('ABCDEFGHIJKLMNOPQRSTU');
    let previousEnd = 0;
    for (const letter of letters) {
      const [from, to] = WZ_SECTIONS[letter as WzSection].divisions;
      expect(from).toBeGreaterThan(previousEnd);
      expect(to).toBeGreaterThanOrEqual(from);
      previousEnd = to;
    }
    expect(previousEnd).toBe(99);
  });

  it('counts the divisions per section as NACE Rev. 2 does', () => {
    const counts: Record<string, number> = {};
    for (const code of Object.keys(WZ_DIVISIONS)) {
      const s = sectionOfDivision(Number(code))!;
      counts[s] = (counts[s] ?? 0) + 1;
    }
    expect(counts).toEqual({
      A: 3, B: 5, C: 24, D: 1, E: 4, F: 3, G: 3, H: 5, I: 2, J: 6, K: 3, L: 1, M: 7, N: 6, O: 1, P: 1, Q: 3, R: 4, S: 3, T: 2, U: 1,
    });
  });
});

describe('requireWz2008', () => {
  it('returns the parsed code or throws InputError with the reason', () => {
    expect(requireWz2008('C 28.1').group).toBe('28.1');
    expect(() => requireWz2008('G 28.1')).toThrow(InputError);
    expect(() => requireWz2008('34')).toThrow(/division 34 does not exist/);
  });
});
