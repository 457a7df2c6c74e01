/**
 * `segmenta export` end to end through the real CLI (subprocesses of the bin
 * script): a `discover` run of a small purchase file with hostile customer
 * ids, and a run of the embedded Online Retail data, exported the way
 * marketing would, and the profile sheet printed in headless Chromium.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDatabase } from '../../src/db/database.ts';
import { queryRows } from '../../src/db/query.ts';
import { archetypeOfName, localizedName } from '../../src/export/profileSheet.ts';
import { browserTestsSkipped, launchChromium } from '../helpers/chromium.ts';
import { ROOT, runCli, type CliResult } from '../helpers/cli.ts';
import { RETAIL_HEADER } from '../helpers/files.ts';
import { readCsvRows, readManifest, temporaryFiles } from './run.ts';

const KEY = 'e2e-key-0123456789abcdef0123456789abcdef';
const HYPERLINK = '=HYPERLINK("http://evil.example","click")';
/** Customer ids a spreadsheet would misread, each with what a safe CSV cell looks like. */
const HOSTILE_IDS: ReadonlyArray<[id: string, cell: string]> = [
  [HYPERLINK, `'${HYPERLINK}`],
  ['+1', "'+1"],
  ['-2', '-2'],
  ['@x', "'@x"],
];

function expectOk(result: CliResult): void {
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
}

/** A CSV field, quoted when it needs to be. */
function field(value: string | number): string {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Sixty customers in three kinds (big regular buyers, occasional ones and
 * lapsed one-timers), four of them with hostile ids, in the Online Retail
 * layout.
 */
function writePurchases(path: string): void {
  const lines = [RETAIL_HEADER.join(',')];
  let invoice = 500000;
  for (let i = 0; i < 60; i += 1) {
    const id = i < HOSTILE_IDS.length ? HOSTILE_IDS[i][0] : `C${String(i).padStart(3, '0')}`;
    const kind = i % 3;
    const orders = kind === 0 ? 8 + (i % 5) : kind === 1 ? 2 + (i % 3) : 1;
    for (let o = 0; o < orders; o += 1) {
      invoice += 1;
      const day = kind === 2 ? 10 + (i % 40) : 300 - o * 25 - (i % 9);
      const date = new Date(Date.UTC(2011, 0, 1) + day * 86_400_000).toISOString().slice(0, 10);
      const lineCount = kind === 0 ? 3 : 1;
      for (let l = 0; l < lineCount; l += 1) {
        const quantity = kind === 0 ? 12 + ((i + l) % 10) : 1 + (i % 4);
        const price = kind === 0 ? 4.5 + l : 2.1 + (i % 3);
        lines.push([invoice, `P${(i + l) % 17}`, 'ITEM', quantity, `${date} 10:00`, price, id, 'United Kingdom'].map(field).join(','));
      }
    }
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

async function csvColumn(path: string, column: string, where = 'true'): Promise<string[]> {
  return withDatabase({}, async ({ connection }) =>
    (
      await queryRows<{ v: string }>(
        connection,
        `SELECT "${column}" AS v FROM read_csv($path, header = true, all_varchar = true) WHERE ${where} ORDER BY 1`,
        { path },
      )
    ).map((r) => r.v),
  );
}

describe('export of a discover run (real CLI)', () => {
  let dir: string;
  let run: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'segmenta-export-e2e-'));
    writePurchases(join(dir, 'purchases.csv'));
    run = join(dir, 'run');
    expectOk(await runCli(['discover', '--input', join(dir, 'purchases.csv'), '--out', run, '--k', '3', '--stability-resamples', '0', '--no-report']));
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes an audience CSV whose hostile ids are neutralised, with a manifest that traces it to the run', async () => {
    const out = join(dir, 'exports', 'all.csv');
    const result = await runCli(['export', '--run', run, '--out', out]);
    expectOk(result);
    expect(result.stdout).toContain(`audience file: ${out} (60 customers, csv)`);
    const ids = (await readCsvRows(out)).map((r) => r.customer_id);
    expect(ids).toHaveLength(60);
    for (const [, cell] of HOSTILE_IDS) expect(ids).toContain(cell);
    const manifest = readManifest(`${out}.manifest.json`);
    const runManifest = readManifest(join(run, 'manifest.json'));
    expect(manifest.source).toMatchObject({ run, input_sha256: runManifest.input.sha256, customers: 60 });
    expect(temporaryFiles(join(dir, 'exports'))).toEqual([]);
  });

  it('pseudonymises with the key from the environment, and refuses without it', async () => {
    const out = join(dir, 'exports', 'pseudo.csv');
    expectOk(await runCli(['export', '--run', run, '--pseudonymize', '--out', out], { env: { SEGMENTA_PSEUDONYM_KEY: KEY } }));
    const ids = await csvColumn(out, 'customer_id');
    expect(ids).toContain(createHmac('sha256', KEY).update(HYPERLINK).digest('hex'));
    expect(ids).toContain(createHmac('sha256', KEY).update('C010').digest('hex'));
    const refused = await runCli(['export', '--run', run, '--pseudonymize', '--out', join(dir, 'exports', 'nokey.csv')], { env: { SEGMENTA_PSEUDONYM_KEY: '' } });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe('segmenta: --pseudonymize needs a secret key in the environment variable SEGMENTA_PSEUDONYM_KEY; it is not set\n');
  });

  it('writes the German profile sheet with German names, descriptions and actions', async () => {
    const out = join(dir, 'sheet-de');
    expectOk(await runCli(['export', '--run', run, '--profiles', '--lang', 'de', '--out', out]));
    const md = readFileSync(join(out, 'profiles.md'), 'utf8');
    const segments = readManifest(join(run, 'segments.json')).segments as Array<{ name: string; size: number }>;
    expect(md).toMatch(/^# Segmentprofile\n\n60 Kunden in 3 Segmenten, Stichtag \d{4}-\d{2}-\d{2}\.\n/);
    expect(md).toContain('**Empfohlene Maßnahmen**');
    // discover names every segment after an archetype; the sheet gives its German name.
    for (const segment of segments) {
      const known = archetypeOfName(segment.name);
      expect(known, segment.name).toBeDefined();
      expect(md).toContain(`## ${segments.indexOf(segment)} · ${localizedName(known!, 'de')}\n`);
    }
    expect(md).toMatch(/\d+ Kunden \(/);
  });
});

describe('export of the Online Retail run (real CLI)', () => {
  const RETAIL = join(ROOT, 'data', 'online_retail.csv.gz');
  let dir: string;
  let run: string;
  let discover: CliResult;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'segmenta-export-retail-'));
    run = join(dir, 'run');
    discover = await runCli(['discover', '--input', RETAIL, '--out', run, '--k', '4', '--stability-resamples', '0', '--no-report']);
  }, 600_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the reactivation audience is exactly the inactive customers, and opens as a clean CSV', async () => {
    expectOk(discover);
    const out = join(dir, 'reactivation.csv');
    expectOk(await runCli(['export', '--run', run, '--lifecycle', 'inactive', '--out', out, '--bom']));
    const want = await csvColumn(join(run, 'customers.csv'), 'customer_id', "lifecycle_stage = 'inactive'");
    expect(want.length).toBeGreaterThan(500);
    expect(await csvColumn(out, 'customer_id')).toEqual(want);
    const text = readFileSync(out, 'utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const lines = text.slice(1).trimEnd().split('\n');
    expect(lines[0]).toBe('customer_id,segment_id,segment_name');
    expect(lines.length - 1).toBe(want.length);
    for (const line of lines) expect(line.split(',')).toHaveLength(3);
  });

  it('two audiences with suppression: every customer once, counts that add up', async () => {
    const suppress = join(dir, 'optout.csv');
    const atRisk = await csvColumn(join(run, 'customers.csv'), 'customer_id', `rfm_segment = 'At Risk'`);
    writeFileSync(suppress, `email;customer_id\n${atRisk.slice(0, 25).map((id) => `x@example.com;${id}`).join('\n')}\nnobody@example.com;00000\n`);
    const out = join(dir, 'winback.parquet');
    const result = await runCli(['export', '--run', run, '--rfm-segment', 'At Risk', "Can't Lose Them", '--lifecycle', 'inactive', '--priority', 'rfm,lifecycle', '--suppress', suppress, '--out', out]);
    expectOk(result);
    const manifest = readManifest(`${out}.manifest.json`);
    const { rows } = manifest;
    expect(rows.suppressed).toBe(25);
    expect(rows.exported).toBe(rows.matched - 25);
    expect(Object.values(rows.by_audience as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(rows.exported);
    expect(rows.by_audience['rfm:At Risk']).toBe(atRisk.length - 25);
    expect(manifest.suppression).toMatchObject({ shape: 'csv', ids: 26, ids_not_in_run: 1 });
    const counts = await withDatabase({}, ({ connection }) =>
      queryRows<{ n: number; ids: number }>(connection, 'SELECT count(*)::INTEGER AS n, count(DISTINCT customer_id)::INTEGER AS ids FROM read_parquet($p)', { p: out }),
    );
    expect(counts[0]).toEqual({ n: rows.exported, ids: rows.exported });
    expect(result.stdout).toContain('suppressed: 25 customers on the suppression list (26 ids on it, 1 not in this run)');
  });

  it('the English profile sheet repeats the run’s own descriptions and actions; the German one translates them', async () => {
    const en = join(dir, 'sheet-en');
    const de = join(dir, 'sheet-de', 'segmente.html');
    expectOk(await runCli(['export', '--run', run, '--profiles', '--out', en]));
    expectOk(await runCli(['export', '--run', run, '--profiles', '--lang', 'de', '--out', de]));
    const segments = readManifest(join(run, 'segments.json')).segments as Array<{ name: string; description: string; actions: string[] }>;
    const md = readFileSync(join(en, 'profiles.md'), 'utf8');
    for (const segment of segments) {
      expect(md).toContain(`· ${segment.name}`);
      // Markdown escapes * _ [ ] < > | ~ # ` and \ only; the run's texts have none of them.
      expect(md).toContain(segment.description);
      for (const action of segment.actions) expect(md).toContain(action);
    }
    const html = readFileSync(de, 'utf8');
    expect(html).toContain('<html lang="de">');
    expect(html).toContain('Empfohlene Maßnahmen');
    expect(html).not.toMatch(/<script|https?:\/\//);
    const manifest = readManifest(join(dir, 'sheet-de', 'segmente.manifest.json'));
    expect(manifest).toMatchObject({ kind: 'profiles', lang: 'de', segments: 4 });
    expect(manifest.files.map((f: { path: string }) => f.path)).toEqual([join(dir, 'sheet-de', 'segmente.md'), de]);
  });

  describe.skipIf(browserTestsSkipped())('printed in headless Chromium', () => {
    it('loads offline without errors and prints the overview plus one page per segment', async () => {
      const out = join(dir, 'print');
      expectOk(await runCli(['export', '--run', run, '--profiles', '--out', out]));
      const session = await launchChromium();
      try {
        const page = await session.context.newPage();
        const requests: string[] = [];
        const errors: string[] = [];
        page.on('request', (r) => requests.push(r.url()));
        page.on('pageerror', (e) => errors.push(e.message));
        const url = pathToFileURL(join(out, 'profiles.html')).href;
        await page.goto(url, { waitUntil: 'load' });
        expect(errors).toEqual([]);
        expect(requests).toEqual([url]);
        expect(await page.locator('section.segment').count()).toBe(4);
        const pdf = await page.pdf({ format: 'A4' });
        const pages = pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? [];
        expect(pages.length).toBeGreaterThanOrEqual(5);
      } finally {
        await session.close();
      }
    });
  });
});
