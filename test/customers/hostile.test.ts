/**
 * `discover --customers` on a small shop with a hostile master, through the
 * CLI's main: SQL-looking column names, formula text, customers missing on
 * either side, and the flags' one-line errors.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/files.ts';
import { runMain } from '../helpers/inProcess.ts';
import { SHOP_HEADER, shopRows, toCsv } from '../helpers/shop.ts';

const FAST = ['--k', '2..3', '--stability-resamples', '0', '--n-init', '3', '--no-report'];

function writeFile(name: string, content: string): string {
  const path = join(tempDir(), name);
  writeFileSync(path, content);
  return path;
}

const SHOP = () => writeFile('shop.csv', toCsv(SHOP_HEADER, shopRows(40)));
const EVIL = 'Vertreter"; DROP TABLE raw_customers; --';

/** A master for c001 … c035 (c036 … c040 have none) plus one company that never bought. */
function master(): string {
  const header = ['Kundennummer', 'Firma', 'WZ', 'Mitarbeiter', 'Umsatz', 'PLZ', 'Land', EVIL];
  const rows: string[][] = [];
  for (let c = 1; c <= 35; c += 1) {
    const id = `c${String(c).padStart(3, '0')}`;
    const wholesale = c % 2 === 0;
    rows.push([
      id,
      c === 1 ? '=HYPERLINK("http://x","y")' : `Firma ${c}`,
      wholesale ? '46.49' : '56.10',
      wholesale ? String(40 + c) : String(1 + (c % 3)),
      wholesale ? '9.500.000' : '120000',
      c % 5 === 0 ? '80331' : '01067',
      'DE',
      c === 2 ? '+SUM(A1)' : `Rep ${c % 3}`,
    ]);
  }
  rows.push(['x999', 'Never GmbH', '46.49', '5', '100', '20095', 'DE', 'Rep 0']);
  return writeFile('stamm.csv', toCsv(header, rows));
}

async function discover(extra: string[]) {
  const out = join(tempDir(), 'run');
  const result = await runMain(['discover', '--input', SHOP(), '--out', out, ...FAST, ...extra]);
  return { ...result, out };
}

describe('discover with a hostile customer master', () => {
  it('runs on firmographics, keeps SQL-looking names as names and neutralises formula text', async () => {
    const result = await discover(['--customers', master(), '--segment-on', 'firmographics', '--include-company-name']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(result.out, 'manifest.json'), 'utf8'));
    expect(manifest.customer_master).toMatchObject({
      attributes: [EVIL],
      rows: { read: 36, used: 36, rejected: 0 },
      customers: { with_master: 35, without_master: 5, master_without_transactions: 1 },
      company_name_written: true,
    });
    const customers = readFileSync(join(result.out, 'customers.csv'), 'utf8');
    const header = customers.split('\n', 1)[0]!;
    expect(header).toContain(',company_name,');
    expect(header).toContain(`"attr_${EVIL.replaceAll('"', '""')}"`);
    expect(customers).toContain(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(customers).toContain("'+SUM(A1)");
    for (const line of customers.split('\n')) expect(line).not.toMatch(/,[=+@]/);
    const segments = JSON.parse(readFileSync(join(result.out, 'segments.json'), 'utf8'));
    expect(segments.segment_on.mode).toBe('firmographics');
    // Customers without master data are said to be so in the profile of their segment.
    const withMaster = segments.segments.reduce((n: number, s: { firmographics: { customers_with_master: number } }) => n + s.firmographics.customers_with_master, 0);
    expect(withMaster).toBe(35);
    expect(readFileSync(join(result.out, 'customers_rejects.csv'), 'utf8')).toBe('row_number,reason,detail,customer_id,industry_code,employees,annual_revenue,postal_code,country,company_name\n');
  });

  it('stops with one line naming the flag or the file', async () => {
    const noMaster = await discover(['--segment-on', 'both']);
    expect(noMaster.code).toBe(2);
    expect(noMaster.stderr.trimEnd()).toBe('segmenta: --segment-on both needs a customer master: add --customers FILE');
    const missing = await discover(['--customers', join(tempDir(), 'none.csv')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trimEnd()).toMatch(/^segmenta: --customers ".*none\.csv": no such file$/);
    const badMap = await discover(['--customers', master(), '--map-customers', 'industry_code=Branche']);
    expect(badMap.code).toBe(2);
    expect(badMap.stderr.trimEnd()).toMatch(/^segmenta: --customers ".*stamm\.csv": --map-customers industry_code=Branche: no column "Branche" \(columns found: Kundennummer, /);
  });
});
