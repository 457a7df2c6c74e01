/**
 * A small run directory written with real DuckDB and real files, for export
 * tests that need exact control over ids and names: hostile customer ids
 * (spreadsheet formulas, signs, `@`) and segment names with quotes,
 * semicolons and a leading `=`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTableFromColumns } from '../../src/db/append.ts';
import { withDatabase } from '../../src/db/database.ts';
import { quoteLiteral } from '../../src/db/quote.ts';

export const HOSTILE_SEGMENT = `Bob's "best" <b>*deals*</b>; DROP TABLE export_customers; --`;
export const FORMULA_SEGMENT = `=cmd|' /C calc'!A0`;

/** The fixture's segments. */
export const FIXTURE_SEGMENTS = [
  { id: 0, name: 'Loyal regulars' },
  { id: 1, name: HOSTILE_SEGMENT },
  { id: 2, name: FORMULA_SEGMENT },
] as const;

/** One customer of the fixture. */
export interface FixtureCustomer {
  id: string;
  segment: number;
  rfm: string;
  stage: string;
  revenue: number;
  country: string;
}

export const HYPERLINK_ID = '=HYPERLINK("http://evil.example","click")';

/** Customers: ids chosen to hit every CSV-injection case and the overlaps the priority rule decides. */
export const FIXTURE_CUSTOMERS: readonly FixtureCustomer[] = [
  { id: 'C01', segment: 0, rfm: 'Champions', stage: 'active', revenue: 5200, country: 'United Kingdom' },
  { id: 'C02', segment: 0, rfm: 'Champions', stage: 'active', revenue: 4100, country: 'Germany' },
  { id: 'C03', segment: 0, rfm: 'At Risk', stage: 'at_risk', revenue: 3900, country: 'France' },
  { id: 'C04', segment: 0, rfm: 'At Risk', stage: 'inactive', revenue: 3100, country: 'United Kingdom' },
  { id: HYPERLINK_ID, segment: 0, rfm: 'Loyal', stage: 'active', revenue: 2500, country: '=1+2' },
  { id: '+1', segment: 1, rfm: 'At Risk', stage: 'inactive', revenue: 800, country: 'United Kingdom' },
  { id: '-2', segment: 1, rfm: 'Hibernating', stage: 'inactive', revenue: 600, country: 'United Kingdom' },
  { id: '@x', segment: 1, rfm: 'At Risk', stage: 'at_risk', revenue: 700, country: 'Spain' },
  { id: '-x', segment: 1, rfm: 'New', stage: 'new', revenue: 300, country: 'United Kingdom' },
  { id: 'Müller-7', segment: 1, rfm: 'Lost', stage: 'inactive', revenue: 200, country: 'Österreich' },
  { id: 'C11', segment: 2, rfm: 'Lost', stage: 'inactive', revenue: 100, country: 'United Kingdom' },
  { id: 'C12', segment: 2, rfm: 'Hibernating', stage: 'inactive', revenue: 150, country: 'United Kingdom' },
  { id: 'C13', segment: 2, rfm: 'New', stage: 'new', revenue: 90, country: 'United Kingdom' },
  { id: 'C14', segment: 2, rfm: "Can't Lose Them", stage: 'reactivated', revenue: 1200, country: 'United Kingdom' },
];

export const FIXTURE_INPUT_SHA = 'f'.repeat(64);

/** Writes the fixture run into `dir` and returns its path. */
export async function writeFixtureRun(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const rows = FIXTURE_CUSTOMERS;
  await withDatabase({}, async ({ connection }) => {
    await createTableFromColumns(connection, 'c', [
      { name: 'customer_id', type: 'VARCHAR', values: rows.map((r) => r.id) },
      { name: 'segment_id', type: 'INTEGER', values: Int32Array.from(rows, (r) => r.segment) },
      { name: 'segment_name', type: 'VARCHAR', values: rows.map((r) => FIXTURE_SEGMENTS[r.segment].name) },
      { name: 'distance', type: 'DOUBLE', values: Float64Array.from(rows, (_, i) => 0.5 + i / 10) },
      { name: 'recency_days', type: 'INTEGER', values: Int32Array.from(rows, (r) => (r.stage === 'inactive' ? 300 : r.stage === 'at_risk' ? 120 : 10)) },
      { name: 'frequency', type: 'INTEGER', values: Int32Array.from(rows, (r) => Math.max(1, Math.round(r.revenue / 500))) },
      { name: 'revenue', type: 'DOUBLE', values: Float64Array.from(rows, (r) => r.revenue) },
      { name: 'rfm_segment', type: 'VARCHAR', values: rows.map((r) => r.rfm) },
      { name: 'lifecycle_stage', type: 'VARCHAR', values: rows.map((r) => r.stage) },
      { name: 'country', type: 'VARCHAR', values: rows.map((r) => r.country) },
    ]);
    await connection.run(`COPY (SELECT * FROM c ORDER BY customer_id) TO ${quoteLiteral(join(dir, 'customers.parquet'))} (FORMAT parquet)`);
  });
  const total = rows.reduce((a, r) => a + r.revenue, 0);
  const segments = FIXTURE_SEGMENTS.map((s) => {
    const members = rows.filter((r) => r.segment === s.id);
    const revenue = members.reduce((a, r) => a + r.revenue, 0);
    const count = (key: 'rfm' | 'stage') => members.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r[key]]: (acc[r[key]] ?? 0) + 1 }), {});
    return {
      id: s.id,
      name: s.name,
      description: 'written by the fixture',
      size: members.length,
      share: members.length / rows.length,
      revenue,
      revenue_share: revenue / total,
      profile: { revenue: revenue / members.length, frequency: 3 - s.id, recency_days: 20 + 100 * s.id },
      median: { revenue: revenue / members.length, frequency: 3 - s.id, recency_days: 20 + 100 * s.id },
      z: { revenue: 1 - s.id, frequency: 0.8 - 0.7 * s.id, recency_days: -0.9 + 0.8 * s.id },
      actions: ['fixture action'],
      lifecycle: count('stage'),
      rfm_segments: count('rfm'),
      stability: 0.9,
      unstable: s.id === 2,
    };
  });
  writeJson(join(dir, 'segments.json'), { k: 3, as_of: '2011-12-09', features: ['revenue', 'frequency', 'recency_days'], segments });
  writeJson(join(dir, 'manifest.json'), {
    format: 'segmenta.manifest/v1',
    command: 'discover',
    input: { path: '/data/fixture.csv', sha256: FIXTURE_INPUT_SHA, bytes: 1, format: 'csv', columns: {} },
    as_of: '2011-12-09',
    customers: rows.length,
    data_quality: { currencies: [] },
  });
  return dir;
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}
