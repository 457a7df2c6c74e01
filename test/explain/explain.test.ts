/**
 * `segmenta explain` on a real run: one discover of a small shop in
 * beforeAll, then the real CLI and the functions behind it, checked against
 * the run's own customers.csv, segments.json and model.json.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainCustomer, type CustomerExplanation } from '../../src/explain/explainCustomer.ts';
import { formatFeatureValue, renderExplanation } from '../../src/explain/render.ts';
import { runCli } from '../helpers/cli.ts';
import { SHOP_HEADER, shopRows, toCsv } from '../helpers/shop.ts';

interface CustomerRow {
  customer_id: string;
  segment_id: number;
  distance: number;
  [column: string]: string | number;
}

/** customers.csv as objects; numbers parsed, empty cells as NaN (the shop's ids and names have no commas). */
function readCustomers(path: string): CustomerRow[] {
  const [header, ...lines] = readFileSync(path, 'utf8').trimEnd().split('\n');
  const names = header.split(',');
  const text = new Set(['customer_id', 'segment_name', 'rfm_segment', 'lifecycle_stage', 'country', 'first_order_date', 'last_order_date']);
  return lines.map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(names.map((name, i) => [name, text.has(name) ? cells[i] : cells[i] === '' ? NaN : Number(cells[i])])) as CustomerRow;
  });
}

describe('segmenta explain', () => {
  let root: string;
  let run: string;
  let customers: CustomerRow[];
  let segments: { k: number; segments: Array<{ id: number; name: string; profile: Record<string, number>; median: Record<string, number> }> };
  let model: { features: string[]; label_to_segment: number[]; kmeans: { centroids: number[][] } };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'segmenta-explain-'));
    const input = join(root, 'shop.csv');
    writeFileSync(input, toCsv(SHOP_HEADER, shopRows(60, 7)));
    run = join(root, 'run');
    const result = await runCli(['discover', '--input', input, '--out', run, '--k', '4', '--stability-resamples', '0', '--no-report']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    customers = readCustomers(join(run, 'customers.csv'));
    segments = JSON.parse(readFileSync(join(run, 'segments.json'), 'utf8'));
    model = JSON.parse(readFileSync(join(run, 'model.json'), 'utf8'));
  }, 300_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  describe('the CLI', () => {
    it('prints a readable explanation of one customer', async () => {
      const customer = customers[0];
      const segment = segments.segments.find((s) => s.id === customer.segment_id)!;
      const result = await runCli(['explain', '--run', run, '--customer', customer.customer_id]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const out = result.stdout;
      expect(out).toContain(`Customer ${customer.customer_id} — segment ${segment.id} “${segment.name}”`);
      expect(out).toContain('Why this segment');
      expect(out).toContain('Recency (days)');
      expect(out).toContain('Net revenue');
      // Not a terminal: no ANSI escapes in a pipe.
      expect(out).not.toContain('\x1b[');
      // The distance table lists every segment once, the assigned one marked.
      for (const s of segments.segments) expect(out).toContain(`${String(s.id).padStart(2)}  ${s.name}`);
      expect(out.match(/← assigned/g)).toHaveLength(1);
      expect(out).toMatch(new RegExp(`RFM\\s+R ${customer.rfm_r} · F ${customer.rfm_f} · M ${customer.rfm_m} \\(FM \\d\\) → ${customer.rfm_segment}`));
      expect(out).toMatch(new RegExp(`Lifecycle\\s+${customer.lifecycle_stage}: `));
      for (const line of out.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
    });

    it('writes the same explanation as JSON with --format json', async () => {
      const customer = customers[5];
      const result = await runCli(['explain', '--run', run, '--customer', customer.customer_id, '--format', 'json']);
      expect(result.code).toBe(0);
      const json = JSON.parse(result.stdout) as CustomerExplanation;
      expect(json.customer_id).toBe(customer.customer_id);
      expect(json.segment.id).toBe(customer.segment_id);
      expect(json.distances).toHaveLength(segments.k);
      expect(json).toEqual(JSON.parse(JSON.stringify(await explainCustomer(run, customer.customer_id))));
    });

    it('exits 2 naming an unknown customer and suggests close ids', async () => {
      const known = customers[3].customer_id; // c004
      // Same id in another case: the closest hint, named first.
      const typo = known.toUpperCase();
      const result = await runCli(['explain', '--run', run, '--customer', typo]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`--customer "${typo}": no such customer in run`);
      expect(lines[0]).toMatch(new RegExp(`did you mean "${known}"(, "c\\d{3}"){0,2}\\?$`));
    });

    it('suggests nothing when no id is close', async () => {
      const result = await runCli(['explain', '--run', run, '--customer', 'nobody-at-all']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('"nobody-at-all": no such customer');
      expect(result.stderr).not.toContain('did you mean');
    });

    it('exits 2 on a bad --format, a missing run directory and an incomplete one', async () => {
      const id = customers[0].customer_id;
      const format = await runCli(['explain', '--run', run, '--customer', id, '--format', 'xml']);
      expect(format.code).toBe(2);
      expect(format.stderr).toContain('--format "xml": expected table or json');

      const missing = await runCli(['explain', '--run', join(root, 'nope'), '--customer', id]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/--run ".*nope": no such run directory/);

      const partial = join(root, 'partial');
      cpSync(run, partial, { recursive: true });
      rmSync(join(partial, 'model.json'));
      const incomplete = await runCli(['explain', '--run', partial, '--customer', id]);
      expect(incomplete.code).toBe(2);
      expect(incomplete.stderr).toContain('model.json');
      expect(incomplete.stderr.trimEnd().split('\n')).toHaveLength(1);
    });
  });

  describe('the figures', () => {
    it('puts every customer nearest its own centroid, at the distance the run published', async () => {
      for (const customer of customers) {
        const e = await explainCustomer(run, customer.customer_id);
        expect(e.segment.id, customer.customer_id).toBe(customer.segment_id);
        const distances = e.distances!;
        expect(distances.map((d) => d.segment_id).sort()).toEqual(segments.segments.map((s) => s.id).sort());
        for (let i = 1; i < distances.length; i += 1) expect(distances[i].distance).toBeGreaterThanOrEqual(distances[i - 1].distance);
        expect(distances[0].assigned, customer.customer_id).toBe(true);
        // customers.csv keeps rounded features (cents, 4–6 decimals) and a rounded distance.
        expect(Math.abs(distances[0].distance - customer.distance), customer.customer_id).toBeLessThan(1e-3);
        expect(e.published_distance).toBe(customer.distance);
      }
    });

    it('splits the margin to the runner-up into per-feature parts that add up', async () => {
      const e = await explainCustomer(run, customers[10].customer_id);
      const own = e.distances!.find((d) => d.assigned)!;
      const runner = e.runner_up!;
      expect(runner.segment_id).toBe(e.distances![1].segment_id);
      expect(runner.margin).toBeCloseTo(runner.distance - own.distance, 12);
      const total = e.deciding_features.reduce((a, d) => a + d.contribution, 0);
      expect(total).toBeCloseTo(runner.distance ** 2 - own.distance ** 2, 9);
      expect(e.deciding_features.reduce((a, d) => a + d.share, 0)).toBeCloseTo(1, 9);
      expect(e.deciding_features.map((d) => d.feature).sort()).toEqual([...model.features].sort());
    });

    it('gives z-scores and percentiles against all customers and the segment profile next to them', async () => {
      const customer = customers[20];
      const e = await explainCustomer(run, customer.customer_id);
      const segment = segments.segments.find((s) => s.id === customer.segment_id)!;
      for (const feature of ['recency_days', 'frequency', 'revenue', 'tenure_days']) {
        const values = customers.map((c) => c[feature] as number);
        const mean = values.reduce((a, b) => a + b, 0) / values.length;
        const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
        const below = values.filter((v) => v < (customer[feature] as number)).length;
        const ties = values.filter((v) => v === customer[feature]).length;
        const row = e.features.find((f) => f.feature === feature)!;
        expect(row.value).toBe(customer[feature]);
        expect(row.z).toBeCloseTo(((customer[feature] as number) - mean) / sd, 9);
        expect(row.percentile).toBeCloseTo((100 * (below + ties / 2)) / values.length, 9);
        expect(row.segment_mean).toBe(segment.profile[feature]);
        expect(row.segment_median).toBe(segment.median[feature]);
        expect(row.clustered).toBe(model.features.includes(feature));
      }
      // Clustering features first, in model order.
      expect(e.features.slice(0, model.features.length).map((f) => f.feature)).toEqual(model.features);
    });

    it('reports RFM and lifecycle as the run wrote them, with the rule that matched', async () => {
      for (const customer of customers.slice(0, 15)) {
        const e = await explainCustomer(run, customer.customer_id);
        expect(e.rfm).toMatchObject({ r: customer.rfm_r, f: customer.rfm_f, m: customer.rfm_m, segment: customer.rfm_segment });
        expect(e.lifecycle.stage).toBe(customer.lifecycle_stage);
        if (customer.lifecycle_stage === 'inactive') expect(e.lifecycle.reason).toBe(`no order for ${customer.recency_days} days (inactive from 180)`);
        else expect(e.lifecycle.reason).toBeTruthy();
      }
    });

    it('maps k-means labels to segment ids through label_to_segment', async () => {
      const id = customers[7].customer_id;
      const before = await explainCustomer(run, id);

      // The same model with its labels renumbered: centroids reversed, mapping reversed with them.
      const renumbered = join(root, 'renumbered');
      cpSync(run, renumbered, { recursive: true });
      const reversed = structuredClone(model);
      reversed.kmeans.centroids.reverse();
      reversed.label_to_segment.reverse();
      writeFileSync(join(renumbered, 'model.json'), JSON.stringify(reversed));
      const after = await explainCustomer(renumbered, id);
      expect(after.distances).toEqual(before.distances);

      // Centroids reversed but the mapping kept: the segments no longer sit where the run put them.
      const scrambled = join(root, 'scrambled');
      cpSync(run, scrambled, { recursive: true });
      const wrong = structuredClone(model);
      wrong.kmeans.centroids.reverse();
      writeFileSync(join(scrambled, 'model.json'), JSON.stringify(wrong));
      const broken = await explainCustomer(scrambled, id);
      expect(broken.distances!.map((d) => d.segment_id)).not.toEqual(before.distances!.map((d) => d.segment_id));
    });
  });

  describe('the rendering', () => {
    it('formats values in their unit', () => {
      expect(formatFeatureValue(12, 'days')).toBe('12');
      expect(formatFeatureValue(12.25, 'days')).toBe('12.3');
      expect(formatFeatureValue(1234.5, 'currency')).toBe('1,234.50');
      expect(formatFeatureValue(0.125, 'ratio')).toBe('12.5%');
      expect(formatFeatureValue(3, 'orders')).toBe('3');
      expect(formatFeatureValue(null, 'orders')).toBe('—');
      expect(formatFeatureValue(0.000123456, null)).toBe('0.0001235');
    });

    it('says so when the customer sits on the border and when distances cannot be computed', async () => {
      const e = await explainCustomer(run, customers[2].customer_id);
      const [first, second] = e.distances!;
      const border: CustomerExplanation = {
        ...e,
        distances: [
          { ...second, assigned: false, distance: first.distance },
          { ...first, assigned: true, distance: first.distance + 0.0004 },
          ...e.distances!.slice(2),
        ],
      };
      expect(renderExplanation(border)).toContain('It sits on the border');

      const none = renderExplanation({ ...e, distances: null, space: null, runner_up: null, deciding_features: [], space_note: 'no column "x"' });
      expect(none).toContain('Distances are not available: no column "x".');
      expect(none).not.toContain('Distance to each segment centroid');
    });

    it('uses bold headings only when asked', async () => {
      const e = await explainCustomer(run, customers[1].customer_id);
      expect(renderExplanation(e, { color: true })).toContain('\x1b[1mWhy this segment\x1b[22m');
      expect(renderExplanation(e)).not.toContain('\x1b[');
    });
  });
});
