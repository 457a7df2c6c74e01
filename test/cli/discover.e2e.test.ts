import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, type CliResult } from '../helpers/cli.ts';
import { tempDir } from '../helpers/files.ts';

const RETAIL = join(ROOT, 'data', 'online_retail.csv.gz');

function csvLines(path: string): string[] {
  return readFileSync(path, 'utf8').trimEnd().split('\n');
}

describe('segmenta discover on Online Retail (the real CLI)', () => {
  let dir: string;
  let first: CliResult;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'segmenta-e2e-'));
    first = await runCli(['discover', '--input', RETAIL, '--out', join(dir, 'a'), '--k', '3..6', '--stability-resamples', '5']);
  }, 600_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 and says where the run and the report are', () => {
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`run directory: ${join(dir, 'a')}`);
    expect(first.stdout).toContain(`report: ${join(dir, 'a', 'report.html')}`);
  });

  it('accounts for every input row', () => {
    const manifest = JSON.parse(readFileSync(join(dir, 'a', 'manifest.json'), 'utf8'));
    const { read, used, out_of_window, rejected, rejected_by_reason } = manifest.rows;
    expect(read).toBe(541_909);
    expect(used + out_of_window + rejected).toBe(read);
    expect(Object.values(rejected_by_reason as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(rejected);
    expect(rejected_by_reason.missing_customer_id).toBe(135_080);
    // No --currency and no currency column: the figures stay plain numbers.
    expect(manifest.currency).toBeNull();
    // rejects.csv holds every unused row: header + (read − used) lines
    expect(csvLines(join(dir, 'a', 'rejects.csv')).length - 1).toBe(read - used);
    expect(Object.keys(manifest.timings_ms)).toEqual(['ingest', 'staging', 'features', 'value', 'transform', 'cluster', 'profile', 'publish']);
  });

  it('has the customers we expect: 4,339 buyers less 5 whose only purchases were not products or free', () => {
    const lines = csvLines(join(dir, 'a', 'customers.csv'));
    expect(lines.length - 1).toBe(4_334);
    const header = lines[0].split(',');
    expect(header.slice(0, 4)).toEqual(['customer_id', 'segment_id', 'segment_name', 'distance']);
    for (const column of ['recency_days', 'frequency', 'revenue', 'avg_order_value', 'tenure_days', 'rfm_r', 'rfm_f', 'rfm_m', 'rfm_segment', 'lifecycle_stage']) {
      expect(header).toContain(column);
    }
    // The value stage's columns come after the contract's.
    expect(header.slice(-4)).toEqual(['clv', 'p_alive', 'expected_purchases_90d', 'churn_risk']);
  });

  it('writes segments whose sizes and shares add up', () => {
    const segments = JSON.parse(readFileSync(join(dir, 'a', 'segments.json'), 'utf8'));
    expect(segments.k).toBeGreaterThanOrEqual(3);
    expect(segments.k).toBeLessThanOrEqual(6);
    expect(segments.segments).toHaveLength(segments.k);
    expect(segments.segments.reduce((a: number, s: { size: number }) => a + s.size, 0)).toBe(4_334);
    expect(segments.segments.reduce((a: number, s: { share: number }) => a + s.share, 0)).toBeCloseTo(1, 4);
    expect(new Set(segments.segments.map((s: { name: string }) => s.name)).size).toBe(segments.k);
    for (const s of segments.segments) {
      expect(s.description.length).toBeGreaterThan(40);
      expect(s.actions.length).toBeGreaterThanOrEqual(2);
    }
    expect(segments.k_scan.map((e: { k: number }) => e.k)).toEqual([3, 4, 5, 6]);
    // Value per segment: the CLV shares add up to 1 and every segment has customers likely alive.
    expect(segments.segments.reduce((a: number, s: { value: { clv_share: number } }) => a + s.value.clv_share, 0)).toBeCloseTo(1, 4);
    for (const s of segments.segments) expect(s.value.p_alive_mean).toBeGreaterThan(0);
  });

  it('is byte-identical on a second run with the same input, flags and seed', async () => {
    const second = await runCli(['discover', '--input', RETAIL, '--out', join(dir, 'b'), '--k', '3..6', '--stability-resamples', '5']);
    expect(second.code).toBe(0);
    for (const file of ['customers.csv', 'segments.json']) {
      expect(readFileSync(join(dir, 'b', file)).equals(readFileSync(join(dir, 'a', file)))).toBe(true);
    }
  }, 600_000);
});

describe('CLI errors', () => {
  it('a missing input is exit 2 with one line and no stack', async () => {
    const result = await runCli(['discover', '--input', 'nope.csv', '--out', join(tempDir(), 'x')]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual(['segmenta: --input "nope.csv": no such file']);
  });

  it('a bad flag value is exit 2 naming the flag', async () => {
    const result = await runCli(['discover', '--input', RETAIL, '--out', join(tempDir(), 'x'), '--k', 'lots']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^segmenta: --k: expected auto, a number or MIN\.\.MAX/);
  });

  it('an unknown option is exit 2', async () => {
    const result = await runCli(['discover', '--input', 'x.csv', '--out', 'y', '--inptu', 'x']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown option '--inptu'/);
  });
});
