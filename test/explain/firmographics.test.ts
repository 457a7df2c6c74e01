/**
 * `segmenta explain` on runs found with k-prototypes (`discover --customers
 * … --segment-on both|firmographics`), on a small shop with a generated
 * (synthetic) master: the explanation is the k-prototypes arithmetic that
 * assigned the segment, rebuilt from model.json and the customer's row of
 * customers.parquet — checked against the distances the run published.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoMaster } from '../../src/customers/demoMaster.ts';
import { openDatabase } from '../../src/db/database.ts';
import { queryRows } from '../../src/db/query.ts';
import { quoteLiteral } from '../../src/db/quote.ts';
import { explainCustomer, type CustomerExplanation } from '../../src/explain/explainCustomer.ts';
import { renderExplanation } from '../../src/explain/render.ts';
import { runCli } from '../helpers/cli.ts';
import { SHOP_HEADER, shopRows, toCsv } from '../helpers/shop.ts';

interface Published {
  customer_id: string;
  segment_id: number;
  distance: number;
}

async function published(run: string): Promise<Published[]> {
  const db = await openDatabase();
  try {
    return await queryRows<Published>(
      db.connection,
      'SELECT customer_id::VARCHAR AS customer_id, segment_id::INTEGER AS segment_id, distance::DOUBLE AS distance FROM read_parquet($path) ORDER BY customer_id',
      { path: join(run, 'customers.parquet') },
    );
  } finally {
    db.close();
  }
}

describe('segmenta explain on a k-prototypes run', () => {
  let root: string;
  const runs: Record<'both' | 'firmographics', string> = { both: '', firmographics: '' };
  const customers: Record<'both' | 'firmographics', Published[]> = { both: [], firmographics: [] };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'segmenta-explain-b2b-'));
    const shop = join(root, 'shop.csv');
    writeFileSync(shop, toCsv(SHOP_HEADER, shopRows(90, 3)));
    const master = join(root, 'master.csv');
    await writeDemoMaster(shop, master);
    for (const mode of ['both', 'firmographics'] as const) {
      runs[mode] = join(root, mode);
      const result = await runCli([
        'discover', '--input', shop, '--customers', master, '--segment-on', mode, '--k', '3',
        '--stability-resamples', '0', '--no-report', '--value', 'off', '--out', runs[mode],
      ]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      customers[mode] = await published(runs[mode]);
    }
  }, 300_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  for (const mode of ['both', 'firmographics'] as const) {
    it(`${mode}: puts every customer nearest its own prototype, at the distance the run published`, async () => {
      for (const customer of customers[mode]) {
        const e = await explainCustomer(runs[mode], customer.customer_id);
        expect(e.method).toBe('k-prototypes');
        const distances = e.distances!;
        expect(distances).toHaveLength(3);
        expect(distances[0]!.assigned, customer.customer_id).toBe(true);
        expect(distances[0]!.segment_id).toBe(customer.segment_id);
        expect(Math.abs(distances[0]!.distance - customer.distance), customer.customer_id).toBeLessThan(1e-3);
        for (let i = 1; i < distances.length; i += 1) expect(distances[i]!.distance).toBeGreaterThanOrEqual(distances[i - 1]!.distance);
      }
    });
  }

  it('splits every dissimilarity into behaviour, firmographic numbers and γ × mismatches, and the margin into inputs that add up', async () => {
    const e = await explainCustomer(runs.both, customers.both[4]!.customer_id);
    const p = e.prototypes!;
    expect(p).toMatchObject({ segment_on: 'both', gamma: 0.5, numeric: ['log_employees', 'log_annual_revenue'], categorical: ['wz_section', 'size_class', 'state'] });
    expect(p.behaviour!.components).toBeGreaterThan(0);
    for (const prototype of p.prototypes) {
      expect(prototype.categorical).toBe(0.5 * prototype.mismatches.length);
      expect(prototype.dissimilarity).toBeCloseTo(prototype.behaviour! + prototype.numeric + prototype.categorical, 12);
      expect(prototype.distance).toBeCloseTo(Math.sqrt(prototype.dissimilarity), 12);
    }
    const own = p.prototypes.find((q) => q.segment_id === e.segment.id)!;
    const runner = p.prototypes.find((q) => q.segment_id === e.runner_up!.segment_id)!;
    const total = e.deciding_features.reduce((a, d) => a + d.contribution, 0);
    expect(total).toBeCloseTo(runner.dissimilarity - own.dissimilarity, 9);
    expect(e.deciding_features.map((d) => d.feature).sort()).toEqual(['behaviour', 'log_annual_revenue', 'log_employees', 'size_class', 'state', 'wz_section']);
    // The customer's firmographics, back in readable units.
    expect(p.customer.employees).not.toBeNull();
    expect(p.customer.wz_section).toMatch(/^[A-U]$/);
  });

  it('marks no behavioural feature as clustered for a run found on firmographics alone', async () => {
    const e = await explainCustomer(runs.firmographics, customers.firmographics[0]!.customer_id);
    expect(e.space).toBeNull();
    expect(e.prototypes!.behaviour).toBeNull();
    expect(e.features.length).toBeGreaterThan(0);
    expect(e.features.every((f) => !f.clustered)).toBe(true);
    expect(e.deciding_features.map((d) => d.feature)).not.toContain('behaviour');
  });

  it('prints the prototypes table and the k-prototypes sentence, and JSON with the same figures', async () => {
    const customer = customers.both[0]!;
    const table = await runCli(['explain', '--run', runs.both, '--customer', customer.customer_id]);
    expect(table.stderr).toBe('');
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('Its nearest prototype is');
    expect(table.stdout).toContain('Segments were found with k-prototypes on firmographics and behaviour');
    expect(table.stdout).toContain('Distance to each segment prototype');
    expect(table.stdout).not.toContain('centroid');
    expect(table.stdout.match(/← assigned/g)).toHaveLength(1);
    for (const line of table.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
    const json = await runCli(['explain', '--run', runs.both, '--customer', customer.customer_id, '--format', 'json']);
    expect(json.code).toBe(0);
    const e = JSON.parse(json.stdout) as CustomerExplanation;
    expect(e.method).toBe('k-prototypes');
    expect(e.prototypes!.prototypes).toHaveLength(3);
    expect(e.distances![0]!.distance).toBeCloseTo(customer.distance, 3);
  });

  it('says plainly that the distances cannot be recomputed when the customer table lacks the master columns', async () => {
    const run = join(root, 'no-master-columns');
    cpSync(runs.both, run, { recursive: true });
    const db = await openDatabase();
    try {
      const path = join(run, 'customers.parquet');
      await db.connection.run(`CREATE TABLE c AS SELECT * EXCLUDE (has_master, employees, annual_revenue, wz_section, size_class, state, company_country) FROM read_parquet(${quoteLiteral(path)})`);
      await db.connection.run(`COPY c TO ${quoteLiteral(path)} (FORMAT parquet)`);
    } finally {
      db.close();
    }
    const e = await explainCustomer(run, customers.both[0]!.customer_id);
    expect(e.method).toBe('k-prototypes');
    expect(e.distances).toBeNull();
    expect(e.prototypes).toBeNull();
    expect(e.space_note).toContain('the run found its segments with k-prototypes on firmographics and behaviour, but the customer table has no column "has_master"');
    expect(e.space_note).toContain('cannot be recomputed');
    const text = renderExplanation(e);
    expect(text).toContain('Distances are not available: the run found its segments with k-prototypes');
    expect(text).not.toContain('Distance to each segment');
  });

  it('keeps the k-means explanation for a behaviour run (method k-means, no prototypes)', async () => {
    // The firmographic run's model without its firmographics section is a behaviour model of the same customers.
    const run = join(root, 'behaviour-model');
    cpSync(runs.both, run, { recursive: true });
    const model = JSON.parse(readFileSync(join(run, 'model.json'), 'utf8'));
    delete model.firmographics;
    writeFileSync(join(run, 'model.json'), JSON.stringify(model));
    const e = await explainCustomer(run, customers.both[0]!.customer_id);
    expect(e.method).toBe('k-means');
    expect(e.prototypes).toBeNull();
    expect(renderExplanation(e)).toContain('Distance to each segment centroid');
  });
});
