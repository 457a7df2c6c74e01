import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import {
  assignPlantedGroups,
  generateMaster,
  MASTER_COLUMNS,
  masterToCsv,
  PLANTED_GROUPS,
  writeMasterCsv,
  type CustomerBehaviour,
  type GeneratedMaster,
} from '../../src/firmographics/generateMaster.ts';
import { BUNDESLAENDER, lookupPostcode } from '../../src/firmographics/postcode.ts';
import { classifySize } from '../../src/firmographics/sizeClass.ts';
import { parseWz2008 } from '../../src/firmographics/wz2008.ts';
import { KPrototypes } from '../../src/ml/kPrototypes.ts';
import { adjustedRandIndex } from '../../src/ml/metrics.ts';

/** Customers with skewed, correlated revenue and frequency, as transaction features look. */
function behaviour(n: number, seed: number): CustomerBehaviour[] {
  let state = seed >>> 0;
  const random = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Array.from({ length: n }, (_, i) => {
    const frequency = Math.max(1, Math.round(Math.exp(1.2 + 0.9 * gaussian())));
    return { customerId: String(12000 + i), frequency, revenue: Math.round(frequency * Math.exp(5.5 + 0.6 * gaussian()) * 100) / 100 };
  });
}

const CUSTOMERS = behaviour(3000, 17);
const MASTER = generateMaster(CUSTOMERS, { seed: 7 });

describe('generateMaster', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const again = generateMaster(CUSTOMERS, { seed: 7 });
    expect(again.records).toEqual(MASTER.records);
    expect(again.plantedGroups).toEqual(MASTER.plantedGroups);
    const other = generateMaster(CUSTOMERS, { seed: 8 });
    expect(other.plantedGroups).toEqual(MASTER.plantedGroups); // groups follow behaviour, not the seed
    const same = other.records.filter((r, i) => r.postal_code === MASTER.records[i]!.postal_code).length;
    expect(same).toBeLessThan(30);
  });

  it('writes one valid record per customer, in input order', () => {
    expect(MASTER.records).toHaveLength(CUSTOMERS.length);
    MASTER.records.forEach((record, i) => {
      expect(record.customer_id).toBe(CUSTOMERS[i]!.customerId);
      expect(record.country).toBe('DE');
      const industry = parseWz2008(record.industry_code);
      expect(industry.ok, record.industry_code).toBe(true);
      expect(industry.ok && industry.class).toBe(record.industry_code);
      const region = lookupPostcode(record.postal_code);
      expect(region.ok, record.postal_code).toBe(true);
      expect(Number.isInteger(record.employees) && record.employees >= 1).toBe(true);
      expect(record.annual_revenue % 1000).toBe(0);
      expect(record.annual_revenue).toBeGreaterThan(0);
      expect(record.company_name.endsWith(` ${record.legal_form}`)).toBe(true);
    });
  });

  it('keeps revenue consistent with headcount', () => {
    const perEmployee = MASTER.records.map((r) => r.annual_revenue / r.employees);
    expect(Math.min(...perEmployee)).toBeGreaterThan(10_000);
    expect(Math.max(...perEmployee)).toBeLessThan(4_000_000);
    // Within an industry, revenue grows with headcount.
    const wholesale = MASTER.records.filter((r) => r.industry_code.startsWith('46'));
    const small = wholesale.filter((r) => r.employees < 20);
    const big = wholesale.filter((r) => r.employees >= 60);
    const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean(big.map((r) => r.annual_revenue))).toBeGreaterThan(3 * mean(small.map((r) => r.annual_revenue)));
  });

  it('weights industries towards wholesale, retail and manufacturing', () => {
    const sections = MASTER.records.map((r) => {
      const parsed = parseWz2008(r.industry_code);
      return parsed.ok ? parsed.section : '?';
    });
    const share = (s: string): number => sections.filter((x) => x === s).length / sections.length;
    expect(share('G') + share('C')).toBeGreaterThan(0.65);
    expect(share('G')).toBeGreaterThan(share('C'));
  });

  it('has a skewed, log-normal-like size distribution with legal forms that fit the size', () => {
    const employees = MASTER.records.map((r) => r.employees).sort((a, b) => a - b);
    const median = employees[Math.floor(employees.length / 2)]!;
    const mean = employees.reduce((s, x) => s + x, 0) / employees.length;
    expect(mean).toBeGreaterThan(1.5 * median); // long right tail
    for (const r of MASTER.records) {
      const size = classifySize(r.employees, r.annual_revenue).sizeClass;
      if (r.legal_form === 'AG' || r.legal_form === 'SE') expect(['medium', 'large']).toContain(size);
      if (r.legal_form === 'GbR' || r.legal_form === 'UG (haftungsbeschränkt)') expect(size).toBe('micro');
    }
  });

  it('draws postcodes in proportion to state population', () => {
    const total = Object.values(BUNDESLAENDER).reduce((s, b) => s + b.population, 0);
    const counts = new Map<string, number>();
    for (const r of MASTER.records) {
      const region = lookupPostcode(r.postal_code);
      if (region.ok) counts.set(region.state, (counts.get(region.state) ?? 0) + 1);
    }
    for (const state of Object.values(BUNDESLAENDER)) {
      const expected = state.population / total;
      const observed = (counts.get(state.code) ?? 0) / MASTER.records.length;
      // ±4 binomial standard errors, plus slack for codes shared between states
      const tolerance = 4 * Math.sqrt((expected * (1 - expected)) / MASTER.records.length) + 0.003;
      expect(Math.abs(observed - expected), state.code).toBeLessThan(tolerance);
    }
  });
});

describe('planted groups', () => {
  it('are cut from the behaviour ranking in the documented shares', () => {
    const n = CUSTOMERS.length;
    PLANTED_GROUPS.forEach((group) => {
      const size = MASTER.plantedGroups.filter((g) => g === group.id).length;
      expect(Math.abs(size - group.share * n)).toBeLessThanOrEqual(1);
    });
    expect(MASTER.plantedGroupById.get(CUSTOMERS[5]!.customerId)).toBe(MASTER.plantedGroups[5]);
  });

  it('buy differently: revenue and frequency fall from group to group', () => {
    const meanOf = (id: string, pick: (c: CustomerBehaviour) => number): number => {
      const members = CUSTOMERS.filter((_, i) => MASTER.plantedGroups[i] === id);
      return members.reduce((s, c) => s + pick(c), 0) / members.length;
    };
    const revenue = PLANTED_GROUPS.map((g) => meanOf(g.id, (c) => c.revenue));
    const frequency = PLANTED_GROUPS.map((g) => meanOf(g.id, (c) => c.frequency));
    for (let g = 1; g < PLANTED_GROUPS.length; g += 1) {
      expect(revenue[g]).toBeLessThan(revenue[g - 1]!);
      expect(frequency[g]).toBeLessThan(frequency[g - 1]!);
    }
  });

  it('differ in firmographics: each group is dominated by its own industry', () => {
    const prefixes: Record<string, (code: string) => boolean> = {
      wholesale_key_accounts: (c) => c.startsWith('46'),
      manufacturers: (c) => Number(c.slice(0, 2)) >= 10 && Number(c.slice(0, 2)) <= 33,
      retailers: (c) => c.startsWith('47'),
      service_micro: (c) => ['43', '55', '56', '62', '70', '73', '74', '82'].includes(c.slice(0, 2)),
    };
    for (const group of PLANTED_GROUPS) {
      const members = MASTER.records.filter((_, i) => MASTER.plantedGroups[i] === group.id);
      const share = members.filter((r) => prefixes[group.id]!(r.industry_code)).length / members.length;
      expect(share, group.id).toBeGreaterThan(0.8);
    }
  });

  it('are recovered by k-prototypes on the firmographics alone', () => {
    const divisions = [...new Set(MASTER.records.map((r) => r.industry_code.slice(0, 2)))].sort();
    const n = MASTER.records.length;
    const numeric = new Float64Array(n * 2);
    const categorical = new Int32Array(n);
    MASTER.records.forEach((r, i) => {
      numeric[i * 2] = Math.log(r.employees);
      numeric[i * 2 + 1] = Math.log(r.annual_revenue);
      categorical[i] = divisions.indexOf(r.industry_code.slice(0, 2));
    });
    const model = new KPrototypes({ k: 4, seed: 1 }).fit({ n, p: 2, q: 1, numeric, categorical });
    const planted = MASTER.plantedGroups.map((id) => PLANTED_GROUPS.findIndex((g) => g.id === id));
    expect(adjustedRandIndex(model.labels, planted)).toBeGreaterThan(0.6);
  });

  it('ties in behaviour are broken by input order', () => {
    const flat = Array.from({ length: 10 }, (_, i) => ({ customerId: `c${i}`, revenue: 5, frequency: 1 }));
    expect(assignPlantedGroups(flat)).toEqual([
      // shares 15/25/30/30 % of 10 rows → cumulative cuts at 2 (1.5 rounded), 4, 7, 10
      'wholesale_key_accounts', 'wholesale_key_accounts', 'manufacturers', 'manufacturers',
      'retailers', 'retailers', 'retailers', 'service_micro', 'service_micro', 'service_micro',
    ]);
  });
});

describe('input checks', () => {
  it('rejects duplicate or empty ids, non-finite revenue, negative frequency and bad seeds', () => {
    const ok = { customerId: 'a', revenue: 1, frequency: 1 };
    expect(() => generateMaster([ok, { ...ok }], { seed: 1 })).toThrow(/"a" occurs more than once/);
    expect(() => generateMaster([{ ...ok, customerId: ' ' }], { seed: 1 })).toThrow(InputError);
    expect(() => generateMaster([{ ...ok, revenue: Number.NaN }], { seed: 1 })).toThrow(/revenue "NaN" is not a finite number/);
    expect(() => generateMaster([{ ...ok, frequency: -1 }], { seed: 1 })).toThrow(/frequency "-1" must be/);
    expect(() => generateMaster([ok], { seed: -1 })).toThrow(/seed/);
    expect(generateMaster([], { seed: 1 }).records).toEqual([]);
  });

  it('accepts negative net revenue (returns exceeding purchases)', () => {
    const master = generateMaster([{ customerId: 'x', revenue: -20, frequency: 2 }, { customerId: 'y', revenue: 50, frequency: 2 }], { seed: 3 });
    expect(master.records).toHaveLength(2);
  });
});

describe('CSV', () => {
  it('writes a header and one line per record, postcodes with their leading zeros', () => {
    const csv = masterToCsv(MASTER);
    const lines = csv.trimEnd().split('\n');
    expect(lines[0]).toBe(MASTER_COLUMNS.join(','));
    expect(lines).toHaveLength(MASTER.records.length + 1);
    const withZero = MASTER.records.findIndex((r) => r.postal_code.startsWith('0'));
    expect(withZero).toBeGreaterThanOrEqual(0);
    expect(lines[withZero + 1]!.split(',').at(-2)).toMatch(/^0\d{4}$/);
    expect(masterToCsv(MASTER, { includePlantedGroup: true }).split('\n')[1]!.endsWith(`,${MASTER.plantedGroups[0]}`)).toBe(true);
  });

  it('quotes fields with commas, quotes and outer spaces', () => {
    const tricky: GeneratedMaster = {
      records: [{
        customer_id: ' 7', company_name: 'Weber, Söhne "Alt" GmbH', legal_form: 'GmbH', industry_code: '46.49',
        employees: 3, annual_revenue: 5000, postal_code: '01067', country: 'DE',
      }],
      plantedGroups: ['retailers'],
      plantedGroupById: new Map([[' 7', 'retailers']]),
    };
    expect(masterToCsv(tricky).split('\n')[1]).toBe('" 7","Weber, Söhne ""Alt"" GmbH",GmbH,46.49,3,5000,01067,DE');
  });

  it('neutralises text a spreadsheet would run as a formula, but not negative numbers', () => {
    const base = MASTER.records[0]!;
    const master = (ids: string[]): GeneratedMaster => ({
      records: ids.map((id) => ({ ...base, customer_id: id })),
      plantedGroups: ids.map(() => 'retailers'),
      plantedGroupById: new Map(),
    });
    const ids = masterToCsv(master(['=HYPERLINK("x")', '+49 30', '@SUM(A1)', '-12', '12'])).trimEnd().split('\n').slice(1).map((l) => l.split(',')[0]);
    expect(ids).toEqual(['"\'=HYPERLINK(""x"")"', "'+49 30", "'@SUM(A1)", '-12', '12']);
  });

  it('writes the file in place without leaving temporary files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'segmenta-master-'));
    try {
      const path = join(dir, 'customer_master.csv');
      await writeMasterCsv(path, MASTER);
      expect(await readFile(path, 'utf8')).toBe(masterToCsv(MASTER));
      expect(await readdir(dir)).toEqual(['customer_master.csv']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
