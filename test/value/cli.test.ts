/**
 * The value stage and `validate-value` through the CLI's `main`, in process:
 * CDNOW's holdout check, a discover run whose model.json a refresh can score
 * with, and `--value on|auto|off` on data that cannot support the models.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { ingest } from '../../src/ingest/index.ts';
import { stageLines } from '../../src/staging/index.ts';
import { scoreValue } from '../../src/value/model.ts';
import { scoreWithSavedValueModel } from '../../src/value/stage.ts';
import { buildValueSummaries, readValueCustomerIds } from '../../src/value/summaries.ts';
import { runMain } from '../helpers/inProcess.ts';
import { tempDir } from '../helpers/files.ts';
import { SHOP_HEADER, shopRows, toCsv } from '../helpers/shop.ts';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { CDNOW, CDNOW_ARGS, CDNOW_FLAGS } from './cdnowData.ts';

function csv(path: string): { header: string[]; rows: string[][] } {
  const [header, ...lines] = readFileSync(path, 'utf8').trimEnd().split('\n');
  return { header: header.split(','), rows: lines.map((l) => l.split(',')) };
}

describe('segmenta validate-value on CDNOW (weeks 40–78 as holdout)', () => {
  it('prints the table and writes JSON, SVG and HTML with the error against the actual repeat purchases', async () => {
    const out = join(tempDir(), 'validation');
    const result = await runMain(['validate-value', ...CDNOW_ARGS, '--calibration-end', '1997-09-30', '--holdout-end', '1998-06-30', '--out', out]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/total\s+2,357\s+1,882\s+1,653\.4\s+−12\.1%/);
    const v = JSON.parse(readFileSync(join(out, 'validation.json'), 'utf8'));
    expect(v.holdout_length).toBe(39);
    expect(v.total.actual).toBe(1882);
    // The library test's independent reference at the fitted parameters: 1,653.4 (−12.1 %).
    expect(v.total.predicted).toBeCloseTo(1653.4, 0);
    expect(v.total.relative_error).toBeCloseTo(-0.121, 3);
    expect(v.by_frequency.map((g: { frequency: string }) => g.frequency)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7+']);
    expect(v.by_frequency.map((g: { customers: number }) => g.customers)).toEqual([1411, 439, 214, 100, 62, 38, 29, 64]);
    expect(v.by_frequency[7].actual_mean).toBeCloseTo(6.359375, 6);
    const svg = readFileSync(join(out, 'validation.svg'), 'utf8');
    expect(svg).toMatch(/^<svg /);
    expect((svg.match(/<path/g) ?? []).length).toBeGreaterThanOrEqual(16); // 8 groups × 2 bars
    expect(readFileSync(join(out, 'validation.html'), 'utf8')).toContain('actual 1882, predicted 1653.4 (−12.1%)');
  });

  it('a calibration end after the holdout end is exit 2 naming the flag', async () => {
    const result = await runMain(['validate-value', ...CDNOW_ARGS, '--calibration-end', '1998-09-30', '--holdout-end', '1998-06-30']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual(['segmenta: --calibration-end 1998-09-30 must be before the holdout end 1998-06-30']);
  });

  it('a malformed date or model is exit 2 naming the flag', async () => {
    const date = await runMain(['validate-value', ...CDNOW_ARGS, '--calibration-end', '30.09.1997']);
    expect(date.code).toBe(2);
    expect(date.stderr).toMatch(/^segmenta: --calibration-end: expected yyyy-mm-dd/);
    const model = await runMain(['validate-value', ...CDNOW_ARGS, '--calibration-end', '1997-09-30', '--value-model', 'pareto']);
    expect(model.code).toBe(2);
    expect(model.stderr).toMatch(/^segmenta: --value-model: /);
  });
});

describe('segmenta discover with the value stage on CDNOW', () => {
  let out: string;
  let result: Awaited<ReturnType<typeof runMain>>;
  beforeAll(async () => {
    out = join(mkdtempSync(join(tmpdir(), 'segmenta-value-')), 'run');
    result = await runMain([
      'discover',
      ...CDNOW_ARGS,
      '--as-of',
      '1997-09-30',
      '--out',
      out,
      '--k',
      '3',
      '--stability-resamples',
      '0',
      '--value',
      'on',
      '--value-model',
      'mbgnbd',
      '--clv-months',
      '6',
    ]);
  });

  it('adds the value columns after the contract’s and value figures per segment', () => {
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('customer value: MBG/NBD fitted on 2,357 customers (946 repeat)\n');
    const { header, rows } = csv(join(out, 'customers.csv'));
    expect(header.slice(0, 4)).toEqual(['customer_id', 'segment_id', 'segment_name', 'distance']);
    expect(header.slice(-4)).toEqual(['clv', 'p_alive', 'expected_purchases_90d', 'churn_risk']);
    // 2,349 customers bought something; the 8 whose only purchase was free are not in the table.
    expect(rows).toHaveLength(2349);
    const pAlive = header.indexOf('p_alive');
    const churn = header.indexOf('churn_risk');
    for (const row of rows) {
      expect(Number(row[pAlive]) + Number(row[churn])).toBeCloseTo(1, 5);
    }
    const segments = JSON.parse(readFileSync(join(out, 'segments.json'), 'utf8')).segments;
    const clv = header.indexOf('clv');
    const segment = header.indexOf('segment_id');
    for (const s of segments) {
      const sum = rows.filter((r) => Number(r[segment]) === s.id).reduce((a, r) => a + Number(r[clv]), 0);
      expect(s.value.clv_sum).toBeCloseTo(sum, 0);
    }
    expect(segments.reduce((a: number, s: { value: { clv_share: number } }) => a + s.value.clv_share, 0)).toBeCloseTo(1, 5);
  });

  it('writes the fitted models into model.json and what happened into the manifest', () => {
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.value).toMatchObject({ mode: 'on', status: 'fitted', model: 'mbgnbd', customers: 2357, repeat_customers: 946, zero_price_lines: 8 });
    expect(manifest.value.transaction.standard_errors.r).toBeGreaterThan(0);
    expect(manifest.value.frequency_spend_correlation).toBeCloseTo(0.1139, 3);
    expect(Object.keys(manifest.timings_ms)).toContain('value');
    const model = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    expect(model.value.format).toBe('segmenta.value/v1');
    expect(model.value.transaction.format).toBe('segmenta.mbgnbd/v1');
    expect(model.value.clv.months).toBe(6);
  });

  it('scores customers with model.json alone, as a refresh does', async () => {
    const model = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    const db = await openDatabase();
    try {
      const staged = await stageLines(db.connection, await ingest(db.connection, CDNOW, CDNOW_FLAGS), { asOf: '1997-09-30' });
      const scored = await scoreWithSavedValueModel(db.connection, staged.asOf, model.value);
      expect(scored.manifest).toMatchObject({ status: 'scored', model: 'mbgnbd', customers: 2357 });
      const reader = await db.connection.runAndReadAll('SELECT customer_id, clv, p_alive FROM customer_value ORDER BY customer_id');
      const table = new Map(reader.getRowObjectsJS().map((r) => [String(r.customer_id), r as { clv: number; p_alive: number }]));
      const { header, rows } = csv(join(out, 'customers.csv'));
      for (const row of rows.slice(0, 50)) {
        expect(Number(row[header.indexOf('clv')])).toBeCloseTo(table.get(row[0])!.clv, 2);
        expect(Number(row[header.indexOf('p_alive')])).toBeCloseTo(table.get(row[0])!.p_alive, 6);
      }
      // scoreValue on the summaries gives the same; MBG/NBD lets one-time buyers be gone.
      const summaries = await buildValueSummaries(db.connection, staged.asOf);
      const values = scoreValue(model.value, summaries);
      expect(values.clv[0]).toBeCloseTo(table.get((await readValueCustomerIds(db.connection))[0])!.clv, 9);
      expect(values.p_alive.some((p, i) => summaries.frequency[i] === 0 && p < 0.9)).toBe(true);
      // A section damaged in the file is a one-line input error, not NaN scores.
      expect(() => scoreValue({ ...model.value, time_unit: 'months' }, summaries)).toThrow(/time_unit must be days or weeks, got "months"/);
      expect(() => scoreValue({ ...model.value, clv: { ...model.value.clv, months: 0 } }, summaries)).toThrow(/clv\.months is not valid/);
    } finally {
      db.close();
    }
  });

  it('explain shows a customer’s value next to its segment’s', async () => {
    const json = await runMain(['explain', '--run', out, '--customer', '00004', '--format', 'json']);
    expect(json.code).toBe(0);
    const e = JSON.parse(json.stdout);
    const { header, rows } = csv(join(out, 'customers.csv'));
    const row = rows.find((r) => r[0] === '00004')!;
    expect(e.value.clv).toBe(Number(row[header.indexOf('clv')]));
    expect(e.value.churn_risk).toBe(Number(row[header.indexOf('churn_risk')]));
    const segments = JSON.parse(readFileSync(join(out, 'segments.json'), 'utf8')).segments;
    expect(e.value.segment_clv_mean).toBe(segments.find((s: { id: number }) => s.id === Number(row[1])).value.clv_mean);
    const text = await runMain(['explain', '--run', out, '--customer', '00004']);
    expect(text.stdout).toMatch(/Value {6}CLV \d+\.\d\d \(segment mean \d+\.\d\d\) · P\(alive\) \d+\.\d%/);
  });

  it('shows value per segment, the fading callout and the model in the report', () => {
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<section id="value">');
    expect(html).toContain('data-chart="value"');
    expect(html).toMatch(/Valuable but fading/);
    expect(html).toContain('MBG/NBD (purchase days; time unit weeks)');
    expect(html).not.toContain('P(alive) = 1 (churn risk 0)');
  });
});

describe('--value on a shop where too few customers repeat', () => {
  // 12 customers, a few with repeat days: well below the 30 repeat customers the models need.
  function smallShop(): string {
    const dir = tempDir();
    const path = join(dir, 'small.csv');
    writeFileSync(path, toCsv(SHOP_HEADER, shopRows(12)));
    return path;
  }

  it('auto carries on without value columns and says why in the manifest and report', async () => {
    const out = join(tempDir(), 'run');
    const result = await runMain(['discover', '--input', smallShop(), '--out', out, '--k', '2', '--stability-resamples', '0']);
    expect(result.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.value.status).toBe('skipped');
    expect(manifest.value.reason).toMatch(/customers bought on more than one day .*at least 30/);
    expect(csv(join(out, 'customers.csv')).header).not.toContain('clv');
    expect(JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')).value).toBeUndefined();
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toMatch(/Customer lifetime value was not computed for this run \(skipped: only \d+ customers/);
    const explained = await runMain(['explain', '--run', out, '--customer', 'c001', '--format', 'json']);
    expect(JSON.parse(explained.stdout).value).toBeNull();
  });

  it('on is exit 2 with the reason, and leaves no run directory', async () => {
    const out = join(tempDir(), 'run');
    const result = await runMain(['discover', '--input', smallShop(), '--out', out, '--value', 'on']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^segmenta: --value on: only \d+ customers bought on more than one day up to 2011-12-\d\d; the value models need at least 30/);
    expect(existsSync(out)).toBe(false);
  });

  it('off skips the stage and a bad mode names the flag', async () => {
    const out = join(tempDir(), 'run');
    expect((await runMain(['discover', '--input', smallShop(), '--out', out, '--value', 'off', '--k', '2', '--stability-resamples', '0'])).code).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).value).toMatchObject({ mode: 'off', status: 'skipped', reason: '--value off' });
    const bad = await runMain(['discover', '--input', smallShop(), '--out', join(tempDir(), 'x'), '--value', 'maybe']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^segmenta: --value: /);
  });
});

describe('--value when the fit fails', () => {
  // 40 customers who all buy every Monday of 2011: no heterogeneity in rate or dropout, so BG/NBD's parameters run off.
  function clockworkShop(): string {
    const rows: string[][] = [];
    let invoice = 1000;
    for (let c = 0; c < 40; c += 1) {
      for (let w = 0; w < 52; w += 1) {
        invoice += 1;
        const day = new Date(Date.UTC(2011, 0, 3 + 7 * w)).toISOString().slice(0, 10);
        rows.push([String(invoice), 'P1', 'THING', '1', `${day} 10:00:00`, `${5 + (c % 3)}.00`, `k${String(c).padStart(3, '0')}`, 'UK']);
      }
    }
    const path = join(tempDir(), 'clockwork.csv');
    writeFileSync(path, toCsv(SHOP_HEADER, rows));
    return path;
  }

  it('auto records the failure with its reason and publishes the run without value columns', async () => {
    const out = join(tempDir(), 'run');
    const result = await runMain(['discover', '--input', clockworkShop(), '--out', out, '--k', '2', '--stability-resamples', '0']);
    expect(result.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.value).toMatchObject({ mode: 'auto', status: 'failed', repeat_customers: 40 });
    expect(result.stdout).toMatch(/^customer value: failed: BG\/NBD: the data cannot identify the model/m);
    expect(manifest.value.reason).toMatch(/^BG\/NBD: the data cannot identify the model/);
    expect(csv(join(out, 'customers.csv')).header).not.toContain('clv');
  });

  it('on is exit 2 with the fit’s reason in one line', async () => {
    const result = await runMain(['discover', '--input', clockworkShop(), '--out', join(tempDir(), 'run'), '--value', 'on']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^segmenta: --value on: BG\/NBD: the data cannot identify the model/);
  });
});
