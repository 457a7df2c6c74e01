import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import {
  SEGMENT_PALETTE,
  kScanChart,
  lifecycleChart,
  pcaMap,
  profileHeatmap,
  renderCharts,
  rfmGridChart,
  segmentStyles,
  sizeShareChart,
  stabilityChart,
  type ReportCharts,
} from '../../src/report/charts.ts';
import { escapeHtml } from '../../src/report/escape.ts';
import { buildReport, prepareReport, writeReport } from '../../src/report/index.ts';
import { MAP_SAMPLE_LIMIT, loadReportInput, type ReportInput } from '../../src/report/loadRun.ts';
import { DEFAULT_NAMES, createFakeRun, type FakeRun } from './fakeRun.ts';

const temps: string[] = [];
async function tempDir(name = 'segmenta-report-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), name));
  temps.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
});

/**
 * A small XML well-formedness check for the SVG strings: every tag closes in
 * order, attributes are quoted, and no raw `<` or `&` sits in text.
 */
function assertWellFormedSvg(svg: string): void {
  expect(svg.startsWith('<svg ')).toBe(true);
  expect(svg.endsWith('</svg>')).toBe(true);
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>/y;
  let i = 0;
  while (i < svg.length) {
    const lt = svg.indexOf('<', i);
    const text = svg.slice(i, lt === -1 ? svg.length : lt);
    expect(text, 'raw & in text').not.toMatch(/&(?!(?:amp|lt|gt|quot|#39|#\d+|#x[0-9a-f]+);)/i);
    if (lt === -1) break;
    tag.lastIndex = lt;
    const m = tag.exec(svg);
    if (!m) throw new Error(`malformed tag at ${lt}: ${svg.slice(lt, lt + 80)}`);
    const [, closing, name, , selfClosing] = m;
    if (closing) expect(stack.pop(), `closing </${name}>`).toBe(name);
    else if (!selfClosing) stack.push(name);
    i = tag.lastIndex;
  }
  expect(stack).toEqual([]);
}

/** Number of drawn marks: paths, rects, lines and texts inside mark groups. */
function markCount(svg: string): number {
  return (svg.match(/<(path|rect|line|text|circle)\b[^>]*role="graphics-symbol"/g) ?? []).length;
}

/** Customers drawn on the map: the points of its first layer (they carry no ARIA labels, on purpose). */
function mapPointCount(svg: string): number {
  const group = /<g class="mark-symbol role-mark layer_0_marks"[^>]*>(.*?)<\/g>/.exec(svg);
  return group ? (group[1].match(/<path /g) ?? []).length : 0;
}

describe('report of a complete run', () => {
  let run: FakeRun;
  let input: ReportInput;
  let charts: ReportCharts;
  let html: string;

  beforeAll(async () => {
    run = await createFakeRun({ dir: await tempDir() });
    input = await loadReportInput(run.dir);
    charts = await renderCharts(input);
    html = await buildReport(run.dir);
  });

  it('reads the aggregates from customers.parquet', () => {
    expect(input.customers.source).toBe(join(run.dir, 'customers.parquet'));
    expect(input.customers.customers).toBe(400);
    // Every customer is in exactly one RFM cell and one lifecycle stage.
    expect(input.customers.rfmGrid.reduce((sum, c) => sum + c.customers, 0)).toBe(400);
    for (const cell of input.customers.rfmGrid) {
      expect(cell.r).toBeGreaterThanOrEqual(1);
      expect(cell.f).toBeLessThanOrEqual(5);
    }
    for (const segment of run.segments.segments) {
      const lifecycle = input.customers.lifecycle.filter((c) => c.segment_id === segment.id);
      expect(Object.fromEntries(lifecycle.map((c) => [c.stage, c.customers]))).toEqual(segment.lifecycle);
    }
    expect(input.customers.mapSample).toHaveLength(400);
    expect(new Set(input.customers.mapSample.map((p) => p.segment_id))).toEqual(new Set([0, 1, 2, 3]));
  });

  it('renders every chart as well-formed SVG with marks', () => {
    for (const [name, svg] of Object.entries(charts)) {
      expect(svg, name).not.toBeNull();
      assertWellFormedSvg(svg!);
      expect(markCount(svg!), name).toBeGreaterThan(0);
      expect(svg).toMatch(new RegExp(`data-chart="${name === 'kScan' ? 'kscan' : name}"`, 'i'));
    }
    // One point per sampled customer on the map, one cell per RFM combination.
    expect(mapPointCount(charts.map!)).toBe(400);
    expect(charts.rfm!.match(/aria-roledescription="rect mark"/g)).toHaveLength(input.customers.rfmGrid.length);
  });

  it('keeps SVG ids unique across the page and every reference resolved', () => {
    const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const m of html.matchAll(/url\(#([^)]+)\)/g)) expect(ids).toContain(m[1]);
  });

  it('gives each segment the same colour in every chart and in the tables', () => {
    const styles = segmentStyles(input.segments.segments);
    expect(styles.map((s) => s.color)).toEqual(SEGMENT_PALETTE.slice(0, 4));
    for (const style of styles) {
      for (const chart of [charts.sizes!, charts.map!, charts.stability!]) expect(chart).toContain(`fill="${style.color}"`);
      expect(html).toContain(`<article class="card" id="segment-${style.id}" style="--seg:${style.color}">`);
    }
  });

  it('has every section, figure and segment', () => {
    for (const id of ['summary', 'data-quality', 'segments', 'profiles', 'charts']) expect(html).toContain(`<section id="${id}">`);
    expect(html.match(/<figure class="chart"/g)).toHaveLength(7);
    expect(html.match(/How to read this:/g)).toHaveLength(7);
    expect(html).not.toContain('Not available for this run');
    for (const name of DEFAULT_NAMES) expect(html).toContain(`${escapeHtml(name)}</h3>`);
    expect(html).toContain('541,909'); // rows read
    expect(html).toContain('Missing customer id');
    expect(html).toContain('United Kingdom');
    expect(html).toContain('best silhouette among k with stability ≥ 0.75');
    expect(html).toContain('Unstable · 0.55');
    expect(html.match(/class="badge badge-warn"/g)).toHaveLength(1);
    expect(html).toContain('Generated 2024-05-02 09:14 UTC');
  });

  it('is self-contained: no script, no external resource', () => {
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|@font-face/i);
    expect(html).not.toMatch(/(?:src|href)="(?!#)/);
    expect(html).not.toMatch(/url\((?!#)/);
    expect(html).toContain('@media print');
    expect(html).toMatch(/\.card[^{]*\{[^}]*break-inside: avoid/);
  });

  it('is deterministic; only the generated-at time follows finished_at', async () => {
    expect(await buildReport(run.dir)).toBe(html);
    const later = await createFakeRun({ dir: await tempDir(), finishedAt: '2025-01-31T23:59:00Z' });
    const other = await buildReport(later.dir);
    expect(other).toContain('Generated 2025-01-31 23:59 UTC');
    expect(other.replaceAll('2025-01-31 23:59 UTC', '2024-05-02 09:14 UTC')).toBe(html);
  });

  it('is the same page when its charts were prepared before the manifest was written', async () => {
    const dir = await tempDir();
    const manifest = await readFile(join(run.dir, 'manifest.json'), 'utf8');
    for (const file of await readdir(run.dir)) if (file !== 'manifest.json') await writeFile(join(dir, file), await readFile(join(run.dir, file)));
    const prepared = await prepareReport(dir, run.manifest.seed);
    await writeFile(join(dir, 'manifest.json'), manifest);
    expect(await buildReport(dir, prepared)).toBe(html.replaceAll(run.dir, dir));
  });
});

describe('loading a run', () => {
  it('samples at most MAP_SAMPLE_LIMIT customers, the same ones every time, from every segment', async () => {
    const run = await createFakeRun({ dir: await tempDir(), customers: MAP_SAMPLE_LIMIT + 500 });
    const first = await loadReportInput(run.dir);
    const second = await loadReportInput(run.dir);
    expect(first.customers.customers).toBe(MAP_SAMPLE_LIMIT + 500);
    expect(first.customers.mapSample).toHaveLength(MAP_SAMPLE_LIMIT);
    expect(second.customers.mapSample).toEqual(first.customers.mapSample);
    // A hash order, not the file's first rows: every segment keeps roughly its share.
    const perSegment = [0, 1, 2, 3].map((id) => first.customers.mapSample.filter((p) => p.segment_id === id).length / MAP_SAMPLE_LIMIT);
    expect(perSegment[0]).toBeGreaterThan(0.25);
    expect(perSegment[3]).toBeGreaterThan(0.15);
    const html = await buildReport(run.dir);
    expect(html).toContain(`a seeded sample of 3,000 of the 3,500 customers`);
  });

  it('passes the path as a parameter, so quotes in the directory name are harmless', async () => {
    const parent = await tempDir();
    const dir = join(parent, `it's a "run"; DROP TABLE x; --`);
    await mkdir(dir);
    await createFakeRun({ dir });
    const input = await loadReportInput(dir);
    expect(input.customers.customers).toBe(400);
  });

  it('falls back to customers.csv when there is no parquet file', async () => {
    const run = await createFakeRun({ dir: await tempDir() });
    const fromParquet = await loadReportInput(run.dir);
    await rm(join(run.dir, 'customers.parquet'));
    const fromCsv = await loadReportInput(run.dir);
    expect(fromCsv.customers.source).toBe(join(run.dir, 'customers.csv'));
    expect(fromCsv.customers.rfmGrid).toEqual(fromParquet.customers.rfmGrid);
    expect(fromCsv.customers.lifecycle).toEqual(fromParquet.customers.lifecycle);
    expect(fromCsv.customers.mapSample).toHaveLength(400);
  });

  it('renders from the JSON documents alone when there is no customer table', async () => {
    const run = await createFakeRun({ dir: await tempDir() });
    await rm(join(run.dir, 'customers.parquet'));
    await rm(join(run.dir, 'customers.csv'));
    const input = await loadReportInput(run.dir);
    expect(input.customers).toEqual({ source: null, customers: 0, rfmGrid: [], lifecycle: [], mapSample: [] });
    const charts = await renderCharts(input);
    expect(charts.map).toBeNull();
    expect(charts.rfm).toBeNull();
    // Lifecycle falls back to the per-segment counts of segments.json.
    expect(charts.lifecycle).not.toBeNull();
  });

  it('rejects a run without segments.json, with unusable JSON, or without segments', async () => {
    const dir = await tempDir();
    await expect(loadReportInput(dir)).rejects.toThrow(InputError);
    await expect(loadReportInput(dir)).rejects.toThrow(/segments\.json/);
    await writeFile(join(dir, 'segments.json'), '{ not json');
    await expect(loadReportInput(dir)).rejects.toThrow(/not valid JSON/);
    await writeFile(join(dir, 'segments.json'), JSON.stringify({ segments: [] }));
    await writeFile(join(dir, 'manifest.json'), '{}');
    await expect(loadReportInput(dir)).rejects.toThrow(/"segments" is empty/);
    await writeFile(join(dir, 'segments.json'), JSON.stringify({ segments: [{ id: 0, name: 'A' }] }));
    await expect(loadReportInput(dir)).rejects.toThrow(/segments\[0\] needs/);
    await writeFile(join(dir, 'segments.json'), JSON.stringify({ segments: [{ id: 0, name: 'A', size: 1 }, { id: 0, name: 'B', size: 2 }] }));
    await expect(loadReportInput(dir)).rejects.toThrow(/segment id 0 appears more than once/);
  });
});

describe('an older run without the optional fields', () => {
  it('renders what is there and says what is not', async () => {
    const run = await createFakeRun({ dir: await tempDir(), legacy: true });
    const input = await loadReportInput(run.dir);
    expect(input.customers.rfmGrid).toEqual([]);
    expect(input.customers.mapSample).toEqual([]);
    const html = await buildReport(run.dir);
    for (const name of DEFAULT_NAMES) expect(html).toContain(escapeHtml(name));
    expect(html.match(/Not available for this run/g)).toHaveLength(6); // all but sizes
    expect(html).toContain('<svg role="img" aria-label="Share of customers and share of revenue per segment"');
    expect(html).toContain('This run did not record cleaning figures.');
    expect(html).not.toContain('class="badge');
    expect(html).not.toContain('undefined');
    expect(html).not.toContain('NaN');
  });

  it('ignores optional fields of the wrong shape instead of crashing', async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, 'segments.json'),
      JSON.stringify({ k_scan: 'none', features: 7, segments: [{ id: 0, name: 'A', size: 3, actions: 'call them', z: null, pc: 'x', lifecycle: null }] }),
    );
    await writeFile(join(dir, 'manifest.json'), JSON.stringify({ input: { sha256: 5 }, data_quality: { currencies: 'GBP', countries: null } }));
    const html = await buildReport(dir);
    expect(html).toContain('>A</h3>');
    expect(html).not.toContain('undefined');
  });

  it('survives a bare minimum: only id, name and size, and an empty manifest', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'segments.json'), JSON.stringify({ segments: [{ id: 1, name: 'B', size: 5 }, { id: 0, name: 'A', size: 15 }] }));
    await writeFile(join(dir, 'manifest.json'), '{}');
    const html = await buildReport(dir);
    expect(html).toContain('25.0%'); // B's share, computed from the sizes
    expect(html.indexOf('>A</h3>')).toBeLessThan(html.indexOf('>B</h3>')); // id order
    expect(html).toContain('Generated —');
    expect(html).not.toContain('undefined');
    expect(html).not.toContain('NaN');
  });
});

describe('charts with nothing to draw', () => {
  const segments = [
    { id: 0, name: 'A', size: 10 },
    { id: 1, name: 'B', size: 30 },
  ];
  it('return null instead of empty axes', async () => {
    expect(await pcaMap(segments, [])).toBeNull();
    expect(await rfmGridChart([])).toBeNull();
    expect(await lifecycleChart(segments, [])).toBeNull();
    expect(await profileHeatmap(segments, ['revenue'])).toBeNull();
    expect(await stabilityChart(segments)).toBeNull();
    expect(await kScanChart(undefined, 2)).toBeNull();
    expect(await kScanChart([{ k: 2, silhouette: 0.5, calinski_harabasz: 1, davies_bouldin: 1, inertia: 1, stability: 1 }], 2)).toBeNull();
  });

  it('draw with only the required fields', async () => {
    const svg = await sizeShareChart(segments);
    assertWellFormedSvg(svg!);
    expect(svg).toContain('75.0%');
  });

  it('draw the map without centroids when segments have no pc', async () => {
    const svg = await pcaMap(segments, [
      { pc1: 0, pc2: 1, segment_id: 0 },
      { pc1: 1, pc2: 0, segment_id: 1 },
      { pc1: 9, pc2: 9, segment_id: 7 }, // unknown segment: left out
    ]);
    assertWellFormedSvg(svg!);
    expect(mapPointCount(svg!)).toBe(2);
    expect(svg).not.toContain('diamond');
  });

  it('draw the k scan with a missing metric and mark the chosen k', async () => {
    const svg = await kScanChart(
      [
        { k: 2, silhouette: 0.4, inertia: 10 },
        { k: 3, silhouette: 0.5, inertia: 6 },
      ],
      3,
    );
    assertWellFormedSvg(svg!);
    expect(svg).toContain('Silhouette ↑');
    expect(svg).not.toContain('Davies-Bouldin');
    expect(svg).toContain('stroke="#D55E00"'); // the chosen-k rule
  });

  it('keep two segments with the same name apart', () => {
    const styles = segmentStyles([
      { id: 0, name: 'Same', size: 1 },
      { id: 1, name: 'Same', size: 1 },
    ]);
    expect(styles.map((s) => s.label)).toEqual(['Same (#0)', 'Same (#1)']);
  });
});

describe('escaping', () => {
  it('escapeHtml escapes the five special characters and tolerates non-strings', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(escapeHtml(null)).toBe('');
    expect(escapeHtml(undefined)).toBe('');
    expect(escapeHtml(42)).toBe('42');
  });

  it('escapes every string from data in the page and in the charts', async () => {
    const hostile = `<script>alert("x")</script> & 'quoted'`;
    const run = await createFakeRun({ dir: await tempDir(), names: [hostile, 'Plain', `"><img src=x onerror=alert(1)>`] });
    const segments = JSON.parse(await readFile(join(run.dir, 'segments.json'), 'utf8'));
    segments.segments[1].description = '</p><script>steal()</script>';
    segments.segments[1].actions = ['<b>bold</b> move'];
    segments.k_choice.rule = '<i>rule</i>';
    await writeFile(join(run.dir, 'segments.json'), JSON.stringify(segments));
    const manifest = JSON.parse(await readFile(join(run.dir, 'manifest.json'), 'utf8'));
    manifest.input.path = 'data/<evil>.csv';
    manifest.command = 'segmenta discover --input "<x>"';
    manifest.rows.rejected_by_reason = { '<bad_reason>': 3 };
    manifest.data_quality.countries = { '"><svg onload=alert(1)>': 5 };
    manifest.data_quality.date_range = { first: '<d>', last: null };
    await writeFile(join(run.dir, 'manifest.json'), JSON.stringify(manifest));

    const html = await buildReport(run.dir);
    expect(html).not.toMatch(/<script|<img|<evil|<bad|<b>|<i>|<x>|<d>|<svg onload/i);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&lt;/p&gt;&lt;script&gt;steal()&lt;/script&gt;');
    expect(html).toContain('&lt;b&gt;bold&lt;/b&gt; move');
    expect(html).toContain('data/&lt;evil&gt;.csv');
    expect(html).toContain('&lt;bad reason&gt;');
    expect(html).toContain('&quot;&gt;&lt;svg onload=alert(1)&gt;');
    // The hostile name is still shown, as text, in the charts too.
    const charts = await renderCharts(await loadReportInput(run.dir));
    assertWellFormedSvg(charts.sizes!);
    expect(charts.sizes).toContain('&lt;script&gt;');
  });
});

describe('writeReport', () => {
  it('writes report.html atomically, replacing an older one and leaving no temp file', async () => {
    const run = await createFakeRun({ dir: await tempDir() });
    await writeFile(join(run.dir, 'report.html'), 'old');
    const path = await writeReport(run.dir);
    expect(path).toBe(join(run.dir, 'report.html'));
    const written = await readFile(path, 'utf8');
    expect(written).toBe(await buildReport(run.dir));
    expect((await readdir(run.dir)).filter((f) => f.includes('tmp'))).toEqual([]);
  });

  it('writes elsewhere on request and keeps the old file when the build fails', async () => {
    const run = await createFakeRun({ dir: await tempDir() });
    const out = join(await tempDir(), 'custom.html');
    expect(await writeReport(run.dir, out)).toBe(out);
    expect(await readFile(out, 'utf8')).toMatch(/^<!DOCTYPE html>/);
    await writeFile(join(run.dir, 'segments.json'), 'broken');
    await expect(writeReport(run.dir, out)).rejects.toThrow(InputError);
    expect(await readFile(out, 'utf8')).toMatch(/^<!DOCTYPE html>/);
  });
});
