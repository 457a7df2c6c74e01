/**
 * `discover --customers` end to end through the real CLI, on the Online
 * Retail file with a generated (synthetic) customer master: the master is
 * checked and counted, firmographics reach customers.csv, the profiles and
 * the report, and the groups planted in the master are found again.
 *
 * Recovery floors (adjusted Rand index against the planted groups, k = 4):
 * - `--segment-on firmographics`: at least 0.5 (0.62 when written). The
 *   groups were planted by buying behaviour and given an industry mix (85 %
 *   typical), a size and a turnover; postcodes are noise. Firmographics alone
 *   cannot tell the 15 % atypical industries apart, hence well below 1.
 * - `--segment-on both`: at least 0.65 (0.78 when written), and above
 *   firmographics alone: the behaviour the groups were planted by helps.
 * For comparison, k-means on behaviour alone scores about 0.28.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoMaster } from '../../src/customers/demoMaster.ts';
import { adjustedRandIndex } from '../../src/ml/metrics.ts';
import { ROOT, runCli, type CliResult } from '../helpers/cli.ts';

const RETAIL = join(ROOT, 'data', 'online_retail.csv.gz');
const FLOOR = { firmographics: 0.5, both: 0.65 } as const;

/** Segment id and planted group of every customer of a run, in customer_id order. */
async function labels(runDir: string): Promise<{ segments: Int32Array; planted: Int32Array }> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll('SELECT segment_id, attr_planted_group AS g FROM read_parquet($path) ORDER BY customer_id', {
      path: join(runDir, 'customers.parquet'),
    });
    const rows = reader.getRowObjectsJS() as Array<{ segment_id: number; g: string }>;
    const codes = new Map<string, number>();
    return {
      segments: Int32Array.from(rows, (r) => r.segment_id),
      planted: Int32Array.from(rows, (r) => (codes.has(r.g) ? codes.get(r.g)! : (codes.set(r.g, codes.size), codes.size - 1))),
    };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const json = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

describe('segmenta discover --customers on Online Retail with a generated master (the real CLI)', () => {
  let dir: string;
  let master: string;
  let both: CliResult;
  let firmographics: CliResult;
  const ari: Record<string, number> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'segmenta-b2b-'));
    master = join(dir, 'master.csv');
    await writeDemoMaster(RETAIL, master, { includePlantedGroup: true });
    // Two rows no transaction matches: one usable, one with a division that does not exist.
    appendFileSync(master, '99998,Extra GmbH,GmbH,46.49,10,1500000,80331,DE,none\n99999,Bad KG,KG,48.10,5,100000,01067,DE,none\n');
    const common = ['discover', '--input', RETAIL, '--customers', master, '--k', '4', '--stability-resamples', '0'];
    [both, firmographics] = await Promise.all([
      runCli([...common, '--segment-on', 'both', '--out', join(dir, 'both')]),
      runCli([...common, '--segment-on', 'firmographics', '--out', join(dir, 'firmographics')]),
    ]);
    for (const mode of ['both', 'firmographics'] as const) {
      const { segments, planted } = await labels(join(dir, mode));
      ari[mode] = adjustedRandIndex(segments, planted);
    }
    console.log(`planted-group recovery (ARI, k = 4): firmographics ${ari.firmographics!.toFixed(3)}, both ${ari.both!.toFixed(3)}`);
  }, 600_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 for both modes', () => {
    expect(both.stderr).toBe('');
    expect(both.code).toBe(0);
    expect(firmographics.stderr).toBe('');
    expect(firmographics.code).toBe(0);
  });

  it('counts the master in the manifest and lists its rejects with reasons', () => {
    const manifest = json(join(dir, 'both', 'manifest.json'));
    expect(manifest.customer_master).toMatchObject({
      format: 'csv',
      attributes: ['legal_form', 'planted_group'],
      rows: { read: 4_336, used: 4_335, rejected: 1, rejected_by_reason: { invalid_industry_code: 1 } },
      customers: { with_master: 4_334, without_master: 0, master_without_transactions: 1 },
      company_name_written: false,
    });
    expect(Object.keys(manifest.timings_ms)).toEqual(['ingest', 'staging', 'features', 'value', 'transform', 'cluster', 'profile', 'publish']);
    const rejects = readFileSync(join(dir, 'both', 'customers_rejects.csv'), 'utf8').trimEnd().split('\n');
    expect(rejects[0]).toBe('row_number,reason,detail,customer_id,industry_code,employees,annual_revenue,postal_code,country');
    expect(rejects.slice(1)).toEqual(['4337,invalid_industry_code,"industry code ""48.10"": division 48 does not exist in WZ 2008 / NACE Rev. 2",99999,48.10,5,100000,01067,DE']);
  });

  it('adds the firmographic columns after the contract and value columns, without company names', () => {
    const header = readFileSync(join(dir, 'both', 'customers.csv'), 'utf8').split('\n', 1)[0]!.split(',');
    expect(header.slice(0, 4)).toEqual(['customer_id', 'segment_id', 'segment_name', 'distance']);
    const at = header.indexOf('has_master');
    expect(at).toBeGreaterThan(header.indexOf('churn_risk'));
    expect(header.slice(at)).toEqual([
      'has_master', 'industry_code', 'wz_section', 'wz_section_name_de', 'wz_section_name_en', 'wz_division', 'wz_division_name_de', 'wz_division_name_en',
      'employees', 'annual_revenue', 'size_class', 'size_basis', 'postal_code', 'leitzone', 'leitregion', 'state', 'state_name_de', 'state_name_en',
      'state_ambiguous', 'company_country', 'attr_legal_form', 'attr_planted_group',
    ]);
    expect(header).not.toContain('company_name');
  });

  it('profiles say who each segment is, and model.json holds the k-prototypes model', () => {
    const segments = json(join(dir, 'both', 'segments.json'));
    expect(segments.segment_on).toMatchObject({ mode: 'both', method: 'k-prototypes', categorical: ['wz_section', 'size_class', 'state'] });
    expect(segments.k_choice.rule).toBe('fixed by --k');
    for (const s of segments.segments) {
      expect(s.firmographics.customers_with_master).toBe(s.size);
      expect(s.firmographics.summary).toMatch(/^(Mostly|Mainly|A mix of industries).* (firms|companies) .*\.$/);
      expect(s.description.startsWith(s.firmographics.summary.split(',')[0])).toBe(true);
    }
    // The segment with the most revenue is the wholesalers' (the key accounts were planted there).
    expect(segments.segments[0].firmographics.top_industries[0]).toMatchObject({ division: '46', name: 'Wholesale trade' });
    const model = json(join(dir, 'both', 'model.json'));
    expect(model.firmographics).toMatchObject({ format: 'segmenta.firmographic-segmentation/v1', method: 'k-prototypes', segment_on: 'both' });
    expect(model.firmographics.kprototypes.k).toBe(4);
    expect([...model.firmographics.label_to_segment].sort()).toEqual([0, 1, 2, 3]);
  });

  it('the report shows the firmographic profiles and panels', () => {
    const html = readFileSync(join(dir, 'both', 'report.html'), 'utf8');
    const segments = json(join(dir, 'both', 'segments.json'));
    expect(html).toContain('<section id="firmographics">');
    for (const s of segments.segments) expect(html).toContain(s.firmographics.summary.replace(/&/g, '&amp;'));
    expect(html).toContain('Industry × segment');
    expect(html).toContain('Company size classes per segment');
    expect(html).toContain('Customers and revenue by federal state');
    expect(html).toContain('North Rhine-Westphalia');
  });

  it(`finds the planted groups again: ARI ≥ ${FLOOR.firmographics} on firmographics, ≥ ${FLOOR.both} on both`, () => {
    expect(ari.firmographics).toBeGreaterThanOrEqual(FLOOR.firmographics);
    expect(ari.both).toBeGreaterThanOrEqual(FLOOR.both);
    expect(ari.both).toBeGreaterThan(ari.firmographics!);
  });

  it('exports one audience per customer by the example priority file', async () => {
    const out = join(dir, 'audience.csv');
    const result = await runCli(['export', '--run', join(dir, 'both'), '--priority', join(ROOT, 'config', 'priority.example.json'), '--out', out]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('customer_id,segment_id,segment_name,audience');
    const ids = lines.slice(1).map((l) => l.split(',')[0]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(4_334);
    const manifest = json(`${out}.manifest.json`);
    expect(manifest.filters.priority).toBe(`file:${join(ROOT, 'config', 'priority.example.json')}`);
    expect(Object.keys(manifest.rows.by_audience).slice(0, 4)).toEqual(['key_accounts', 'lifecycle:at_risk', 'lifecycle:inactive', 'lifecycle:new']);
    // The top 5 % by revenue (217 of 4,334) plus the large companies by turnover.
    expect(manifest.rows.by_audience.key_accounts).toBeGreaterThanOrEqual(217);
  });
});
