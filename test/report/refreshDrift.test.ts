/**
 * The refresh section of the report with and without the firmographic drift
 * of a model found on firmographics (`drift.firmographics` in the manifest).
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunManifest } from '../../src/publish/manifest.ts';
import type { FirmographicDrift, RefreshManifest } from '../../src/refresh/types.ts';
import { buildReport } from '../../src/report/index.ts';
import { firmographicDriftBlock, refreshSection } from '../../src/report/migrationChart.ts';
import { DEFAULT_NAMES, FEATURES, createFakeRun } from './fakeRun.ts';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A refresh block as a refresh of the fake run would write it, behaviour only. */
function refreshBlock(): RefreshManifest {
  return {
    model: { dir: '/runs/model', as_of: '2024-01-31', created_at: '2024-02-01T02:00:00Z', input_sha256: 'ab'.repeat(32) },
    previous: { dir: '/runs/2024-02-29', command: 'refresh', as_of: '2024-02-29', customers: 380 },
    rerun: false,
    retrain: { mode: 'auto', retrained: false, reason: 'drift below the thresholds' },
    drift: {
      reference: true,
      psi: FEATURES.map((feature, i) => ({ feature, psi: 0.02 * (i + 1), level: 'stable' as const, bins: 10 })),
      max_psi: 0.12,
      centroid_shift: DEFAULT_NAMES.map((segment, segment_id) => ({ segment_id, segment, customers: 100, shift: 0.1 * (segment_id + 1) })),
      max_centroid_shift: 0.4,
      thresholds: { psi: 0.25, centroid_shift: 0.5 },
    },
    continuity: {
      method: 'kept model',
      max_distance: 1.5,
      matches: DEFAULT_NAMES.map((segment, segment_id) => ({
        segment_id,
        segment,
        previous_segment_id: segment_id,
        previous_segment: segment,
        distance: null,
        status: 'kept' as const,
      })),
      new: [],
      vanished: [],
    },
    migration: { in_both: 360, stayed: 340, moved: 20, new_customers: 40, gone_customers: 20 },
    checks: [{ name: 'customer_count', passed: true, detail: '400 customers' }],
    warehouse: null,
  };
}

/** Firmographic drift with one input past the threshold and names that need escaping. */
function firmographicDrift(): FirmographicDrift {
  return {
    segment_on: 'both',
    numeric: [
      { input: 'log_employees', training_mean: 3.2, training_std: 1.1, mean: 3.9, known_share: 0.8125, shift: 0.636364 },
      { input: 'log_annual_revenue', training_mean: 14.1, training_std: 1.6, mean: 13.9, known_share: 0.5, shift: -0.125 },
      { input: 'log_<seats>', training_mean: 1, training_std: 1, mean: null, known_share: 0, shift: null },
    ],
    max_numeric_shift: 0.636364,
    prototype_shift: [
      { segment_id: 0, segment: 'Loyal high spenders', customers: 120, shift: 0.71 },
      { segment_id: 1, segment: 'Tools & <Parts>', customers: 0, shift: null },
      { segment_id: 2, segment: 'New & promising', customers: 80, shift: 0.2 },
    ],
    max_prototype_shift: 0.71,
    threshold: 0.5,
    not_measured: ['wz_section', 'size_class', 'state'],
  };
}

async function writeRefresh(dir: string, manifest: RunManifest, refresh: RefreshManifest): Promise<string> {
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, command: 'refresh', refresh }, null, 2));
  return buildReport(dir);
}

/** The refresh section of a page. */
function section(html: string): string {
  const start = html.indexOf('<section id="refresh">');
  expect(start).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf('</section>', start) + '</section>'.length);
}

/** Rows of the table with this class, as arrays of cell texts (tags stripped, entities kept). */
function tableRows(html: string, className: string): string[][] {
  const start = html.indexOf(`<table class="data ${className}">`);
  expect(start, className).toBeGreaterThanOrEqual(0);
  const body = html.slice(html.indexOf('<tbody>', start) + 7, html.indexOf('</tbody>', start));
  return [...body.matchAll(/<tr>(.*?)<\/tr>/g)].map((row) => [...row[1].matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((cell) => cell[1].replace(/<[^>]+>/g, '')));
}

describe('report: firmographic drift in the refresh section', () => {
  let plain: string;
  let firmographic: string;
  let manifest: RunManifest;

  beforeAll(async () => {
    const run = await createFakeRun({ customers: 200 });
    dirs.push(run.dir);
    manifest = run.manifest;
    plain = await writeRefresh(run.dir, manifest, refreshBlock());
    const refresh = refreshBlock();
    refresh.drift.firmographics = firmographicDrift();
    refresh.retrain = { mode: 'auto', retrained: true, reason: 'the mean of log_employees moved 0.64 sd ≥ 0.5' };
    firmographic = await writeRefresh(run.dir, manifest, refresh);
  }, 60_000);

  it('shows the shift, share with a value, threshold and retrain of every firmographic number', () => {
    const s = section(firmographic);
    expect(s).toContain('<h3>Firmographic drift</h3>');
    expect(tableRows(s, 'firmographic-drift')).toEqual([
      ['Employees (log)', '+0.636', '81.3%', '0.50', 'yes'],
      ['Annual turnover (log)', '-0.125', '50.0%', '0.50', 'no'],
      ['Log &lt;seats&gt;', '—', '0.0%', '0.50', 'no'],
    ]);
    // The shift past the threshold is marked.
    expect(s).toContain('<td class="num warn">+0.636</td>');
    expect(s).toContain('Not measured: Industry (WZ section), Size class, Federal state');
    expect(s).toContain('either drift can decide a retrain');
  });

  it('shows how far every saved prototype moved, with segment names escaped', () => {
    const s = section(firmographic);
    expect(tableRows(s, 'firmographic-prototypes')).toEqual([
      ['Loyal high spenders', '120', '0.710', 'yes'],
      ['Tools &amp; &lt;Parts&gt;', '0', '—', 'no'],
      ['New &amp; promising', '80', '0.200', 'no'],
    ]);
    expect(s).not.toContain('<Parts>');
    expect(s).not.toContain('<seats>');
  });

  it('says which retrain mode overrode a reached threshold, and that behaviour does not decide for a firmographics-only model', () => {
    const drift = { ...firmographicDrift(), segment_on: 'firmographics' as const };
    const never = firmographicDriftBlock(drift, { mode: 'never', retrained: false, reason: '--retrain never' });
    expect(tableRows(never, 'firmographic-drift')[0]).toEqual(['Employees (log)', '+0.636', '81.3%', '0.50', 'threshold reached (--retrain never)']);
    expect(never).toContain('does not decide a retrain');
    const kept = firmographicDriftBlock(
      { ...drift, numeric: drift.numeric.map((n) => ({ ...n, shift: n.shift === null ? null : n.shift / 10 })), prototype_shift: [] },
      { mode: 'auto', retrained: false, reason: 'firmographic drift below the thresholds' },
    );
    expect(tableRows(kept, 'firmographic-drift').map((row) => row[4])).toEqual(['no', 'no', 'no']);
  });

  it('renders a run without firmographic drift as before', () => {
    const s = section(plain);
    expect(s).not.toContain('firmographic');
    expect(s).not.toContain('Firmographic');
    // The section still ends with the centroid-shift and publish-check tables.
    expect(s).toMatch(/<h3>Publish checks<\/h3><table class="data">.*<\/table><\/div>\n<\/div>\n<\/section>$/);
    // Both pages are the same apart from the firmographic block and the decision.
    const full = section(firmographic);
    const withoutBlock = full.slice(0, full.indexOf('\n<div class="two-col" id="firmographic-drift">')) + '\n</section>';
    const lead = /<p class="lead">.*?<\/p>/;
    expect(withoutBlock.replace(lead, '')).toBe(s.replace(lead, ''));
    expect(firmographicDriftBlock(undefined, refreshBlock().retrain)).toBe('');
  });

  it('has no refresh section for a run that is not a refresh', async () => {
    const run = await createFakeRun({ customers: 120 });
    dirs.push(run.dir);
    const html = await buildReport(run.dir);
    expect(html).not.toContain('<section id="refresh">');
    expect(refreshSection(null)).toBe('');
  }, 60_000);
});
