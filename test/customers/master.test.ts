import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCustomerMaster, MASTER_REJECT_REASONS, sizeCeilingParameters } from '../../src/customers/master.ts';
import { parseMasterColumnMap, resolveMasterColumns } from '../../src/customers/columns.ts';
import { checkCustomerOptions } from '../../src/customers/options.ts';
import { parseDiscoverOptions } from '../../src/config.ts';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { quoteLiteral } from '../../src/db/quote.ts';
import { InputError } from '../../src/errors.ts';
import { classifySize } from '../../src/firmographics/sizeClass.ts';
import { tempDir } from '../helpers/files.ts';
import { rowsOf } from '../helpers/pipeline.ts';

let db: Database | undefined;
afterEach(() => {
  db?.close();
  db = undefined;
});

async function load(path: string, options = {}) {
  db = await openDatabase();
  const master = await loadCustomerMaster(db.connection, path, options);
  return { master, connection: db.connection };
}

function write(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** A master with one row per reject reason, a conflicting and an identical duplicate, and good rows. */
const HOSTILE = [
  'customer_id,company_name,industry_code,employees,annual_revenue,postal_code,country,segment',
  '007,Alpha GmbH,46.49,12,"2.500.000,50",01067,DE,A', // 2: leading zeros in id and postcode, German number
  '008,Beta AG,C 28.1,300,60000000,80331,,B', // 3: section letter, empty country = DE
  '009,Gamma,48.10,5,,10115,DE,C', // 4: division 48 does not exist
  '010,Delta,4649,-3,100,20095,DE,D', // 5: negative employees
  '011,Eps,47.11,5,100,1067,DE,E', // 6: conflicting duplicate …
  '011,Eps,47.11,5,100,01067,DE,E', // 7: … of this row
  '012,Zeta,,,,8010,AT,F', // 8: Austrian postcode: not checked, no state
  '013,Eta,46.49.0,3,abc,70173,DE,G', // 9: revenue not a number
  '014,Theta,62.01,2.5,,50667,DE,H', // 10: employees not whole
  ',NoId,46,1,1,50667,DE,I', // 11: no customer id
  '015,Same,46,1,1,50667,DE,J', // 12: identical duplicate: kept …
  '015,Same,46,1,1,50667,DE,J', // 13: … and this one rejected
  '016,Bad,,1,1,05123,DE,K', // 14: Leitregion 05 is not issued
  '017,"=HYPERLINK(""x"")",46,1,1,1067,DE,L', // 15: postcode lost its zero
  '018,Short,46,too,many,fields,here,M,N', // 16: malformed record
].join('\n');

describe('the customer master', () => {
  it('keeps ids and postcodes as text, derives industry, size and region, and rejects each bad row with its reason', async () => {
    const dir = tempDir();
    const { master, connection } = await load(write(dir, 'master.csv', HOSTILE));
    expect(master.rows).toEqual({
      read: 15,
      used: 4,
      rejected: 11,
      rejected_by_reason: {
        duplicate_customer_id: 3,
        invalid_annual_revenue: 1,
        invalid_employees: 2,
        invalid_industry_code: 1,
        invalid_postal_code: 2,
        malformed_row: 1,
        missing_customer_id: 1,
      },
    });
    expect(master.attributes).toEqual(['segment']);
    const used = await rowsOf(connection, 'SELECT * FROM customer_master ORDER BY customer_id');
    expect(used.map((r) => r.customer_id)).toEqual(['007', '008', '012', '015']);
    const byId = Object.fromEntries(used.map((r) => [r.customer_id, r]));
    expect(byId['007']).toMatchObject({
      industry_code: '46.49',
      wz_section: 'G',
      wz_division: '46',
      wz_division_name_de: 'Großhandel (ohne Handel mit Kraftfahrzeugen)',
      employees: 12,
      annual_revenue: 2500000.5,
      size_class: 'small',
      size_basis: 'employees+turnover',
      postal_code: '01067',
      leitzone: '0',
      leitregion: '01',
      state: 'SN',
      state_name_de: 'Sachsen',
      company_country: 'DE',
      attr_segment: 'A',
    });
    expect(byId['008']).toMatchObject({ industry_code: '28.1', wz_section: 'C', size_class: 'large', state: 'BY', company_country: 'DE' });
    // Outside Germany the postcode is kept as written and no state is guessed.
    expect(byId['012']).toMatchObject({ postal_code: '8010', state: null, company_country: 'AT', size_class: 'unknown', size_basis: 'none' });
    expect(Object.keys(byId['007'])).not.toContain('company_name');

    const rejects = await rowsOf(connection, 'SELECT row_number, reason, detail, customer_id, postal_code FROM customers_rejects ORDER BY row_number');
    expect(rejects.map((r) => [r.row_number, r.reason])).toEqual([
      [4, 'invalid_industry_code'],
      [5, 'invalid_employees'],
      [6, 'duplicate_customer_id'],
      [7, 'duplicate_customer_id'],
      [9, 'invalid_annual_revenue'],
      [10, 'invalid_employees'],
      [11, 'missing_customer_id'],
      [13, 'duplicate_customer_id'],
      [14, 'invalid_postal_code'],
      [15, 'invalid_postal_code'],
      [16, 'malformed_row'],
    ]);
    const detail = Object.fromEntries(rejects.map((r) => [r.row_number, r.detail]));
    expect(detail[4]).toContain('division 48 does not exist');
    expect(detail[6]).toBe('customer id 011 is on rows 6, 7 with different values');
    expect(detail[13]).toBe('repeats row 12');
    expect(detail[15]).toContain('would be 01067');
    expect(rejects.find((r) => r.row_number === 15)!.postal_code).toBe('1067');
    // Every reason the code can give is documented.
    for (const r of rejects) expect(MASTER_REJECT_REASONS.map((d) => d.reason)).toContain(r.reason);
  });

  it('writes company_name only when asked for', async () => {
    const dir = tempDir();
    const { connection } = await load(write(dir, 'master.csv', HOSTILE), { includeCompanyName: true });
    const names = await rowsOf(connection, "SELECT company_name FROM customer_master WHERE customer_id = '007'");
    expect(names).toEqual([{ company_name: 'Alpha GmbH' }]);
    const rejected = await rowsOf(connection, 'SELECT company_name FROM customers_rejects WHERE row_number = 15');
    expect(rejected).toEqual([{ company_name: '=HYPERLINK("x")' }]);
  });

  it('reads German headers with a semicolon, and --map-customers for the rest', async () => {
    const dir = tempDir();
    const path = write(dir, 'stamm.csv', 'Kundennummer;Firma;Branchenschlüssel;Mitarbeiter;Jahresumsatz;PLZ;Land;Vertreter\n00042;Müller KG;47.78;8;900000;99084;Deutschland;Huber\n');
    const { master, connection } = await load(path, { map: 'industry_code=Branchenschlüssel' });
    expect(master.mapping).toEqual({
      customer_id: 'Kundennummer',
      company_name: 'Firma',
      industry_code: 'Branchenschlüssel',
      employees: 'Mitarbeiter',
      annual_revenue: 'Jahresumsatz',
      postal_code: 'PLZ',
      country: 'Land',
    });
    expect(master.attributes).toEqual(['Vertreter']);
    const [row] = await rowsOf(connection, 'SELECT customer_id, wz_division, size_class, state, company_country, "attr_Vertreter" FROM customer_master');
    expect(row).toEqual({ customer_id: '00042', wz_division: '47', size_class: 'micro', state: 'TH', company_country: 'DE', attr_Vertreter: 'Huber' });
  });

  it('reads JSON, where a numeric postcode has lost its zero and is rejected with the fix', async () => {
    const dir = tempDir();
    const path = write(dir, 'master.json', JSON.stringify([
      { customer_id: '1', industry_code: '46.49', postal_code: 1067 },
      { customer_id: '2', industry_code: '46.49', postal_code: 80331 },
    ]));
    const { master, connection } = await load(path);
    expect(master.format).toBe('json');
    expect(master.rows.used).toBe(1);
    expect(await rowsOf(connection, 'SELECT customer_id, postal_code, state FROM customer_master')).toEqual([{ customer_id: '2', postal_code: '80331', state: 'BY' }]);
    const [reject] = await rowsOf(connection, 'SELECT row_number, reason, detail FROM customers_rejects');
    expect(reject).toMatchObject({ row_number: 1, reason: 'invalid_postal_code' });
    expect(reject!.detail).toContain('01067');
  });

  it('reads German thousands in turnover when unambiguous, and rejects 1.500 as ambiguous rather than guess', async () => {
    const dir = tempDir();
    const path = write(dir, 'numbers.csv', [
      'customer_id;employees;annual_revenue',
      'a;12;9.500.000',
      'b;12;€ 2.500.000,00',
      'c;12;1,5',
      'd;1.000;100',
      'e;12;1.500',
      'f;12,0;1.234.567,89',
    ].join('\n'));
    const { connection } = await load(path);
    expect(await rowsOf(connection, 'SELECT customer_id, employees, annual_revenue FROM customer_master ORDER BY customer_id')).toEqual([
      { customer_id: 'a', employees: 12, annual_revenue: 9_500_000 },
      { customer_id: 'b', employees: 12, annual_revenue: 2_500_000 },
      { customer_id: 'c', employees: 12, annual_revenue: 1.5 },
      { customer_id: 'f', employees: 12, annual_revenue: 1_234_567.89 },
    ]);
    expect(await rowsOf(connection, 'SELECT customer_id, reason, detail FROM customers_rejects ORDER BY customer_id')).toEqual([
      { customer_id: 'd', reason: 'invalid_employees', detail: 'employees 1.000 is ambiguous (a thousands dot or a decimal point?): write it without the dot, 1000' },
      {
        customer_id: 'e',
        reason: 'invalid_annual_revenue',
        detail: 'annual revenue 1.500 is ambiguous (a thousands dot or a decimal point?): write it without the dot, or with a decimal comma',
      },
    ]);
  });

  it('reads Parquet, with ids and postcodes kept as the text they are', async () => {
    const dir = tempDir();
    const path = join(dir, 'master.parquet');
    db = await openDatabase();
    await db.connection.run(
      `COPY (SELECT * FROM (VALUES ('0042', '46.49', 12, '01067'), ('0043', 'G 47.11', 3, '99084')) t(kdnr, wz, mitarbeiter, plz)) TO ${quoteLiteral(path)} (FORMAT parquet)`,
    );
    db.close();
    const { master, connection } = await load(path);
    expect(master.format).toBe('parquet');
    expect(master.mapping).toEqual({ customer_id: 'kdnr', industry_code: 'wz', employees: 'mitarbeiter', postal_code: 'plz' });
    expect(await rowsOf(connection, 'SELECT customer_id, industry_code, employees, postal_code, state FROM customer_master ORDER BY customer_id')).toEqual([
      { customer_id: '0042', industry_code: '46.49', employees: 12, postal_code: '01067', state: 'SN' },
      { customer_id: '0043', industry_code: '47.11', employees: 3, postal_code: '99084', state: 'TH' },
    ]);
  });

  it('fails with one line naming --customers, the file and the missing column', async () => {
    const dir = tempDir();
    await expect(load(write(dir, 'nope.csv', 'name,plz\nA,01067\n'))).rejects.toThrow(
      /^--customers ".*nope\.csv": required column customer_id not found \(columns found: name, plz\); name it with --map-customers customer_id=<column>$/,
    );
    await expect(load(join(dir, 'missing.csv'))).rejects.toThrow(/^--customers ".*missing\.csv": no such file$/);
    expect(() => parseMasterColumnMap('turnover=Umsatz')).toThrow(/^--map-customers: unknown column "turnover", expected one of customer_id, /);
    expect(() => resolveMasterColumns('m.csv', ['id'], { customer_id: 'Kunde' })).toThrow(InputError);
  });

  it('classifies size in SQL exactly as classifySize does', async () => {
    const dir = tempDir();
    const employees = ['', '0', '9', '10', '49', '50', '249', '250', '5000'];
    const revenue = ['', '0', '2000000', '2000000.01', '10000000', '10000001', '50000000', '50000001', '1e9'];
    const lines = ['customer_id,employees,annual_revenue'];
    let id = 0;
    for (const e of employees) for (const r of revenue) lines.push(`${id++},${e},${r}`);
    const { connection } = await load(write(dir, 'sizes.csv', `${lines.join('\n')}\n`));
    const rows = await rowsOf(connection, 'SELECT customer_id::INTEGER AS id, employees, annual_revenue, size_class, size_basis FROM customer_master ORDER BY id');
    expect(rows).toHaveLength(employees.length * revenue.length);
    for (const row of rows) {
      const expected = classifySize(row.employees as number | null, row.annual_revenue as number | null);
      expect([row.id, row.size_class, row.size_basis]).toEqual([row.id, expected.sizeClass, expected.basis]);
    }
    expect(sizeCeilingParameters()).toEqual({
      micro_employees_below: 10,
      micro_turnover_at_most: 2_000_000,
      small_employees_below: 50,
      small_turnover_at_most: 10_000_000,
      medium_employees_below: 250,
      medium_turnover_at_most: 50_000_000,
    });
  });
});

describe('customer-master flags', () => {
  const base = { input: 'x.csv', out: 'o' };
  it('refuses what needs a master without --customers, naming the flag', () => {
    expect(() => parseDiscoverOptions({ ...base, segmentOn: 'both' })).toThrow('--segment-on both needs a customer master: add --customers FILE');
    expect(() => parseDiscoverOptions({ ...base, includeCompanyName: true })).toThrow('--include-company-name needs a customer master');
    expect(() => parseDiscoverOptions({ ...base, mapCustomers: 'industry_code=B' })).toThrow('--map-customers needs a customer master');
    expect(() => parseDiscoverOptions({ ...base, customers: 'm.csv', segmentOn: 'industry' })).toThrow(/^--segment-on: invalid enum value/);
    expect(parseDiscoverOptions({ ...base, customers: 'm.csv', segmentOn: 'firmographics' }).segmentOn).toBe('firmographics');
    expect(parseDiscoverOptions(base).segmentOn).toBe('behaviour');
    expect(() => checkCustomerOptions({ segmentOn: 'behaviour' })).not.toThrow();
  });
});
