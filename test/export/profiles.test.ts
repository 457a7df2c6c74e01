import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/files.ts';
import { FIXTURE_CUSTOMERS, FIXTURE_INPUT_SHA, writeFixtureRun } from './fixtureRun.ts';
import { readManifest, runMain, temporaryFiles } from './run.ts';

let root: string;
let run: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'segmenta-profiles-'));
  run = await writeFixtureRun(join(root, 'run'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function sheet(lang: 'en' | 'de', out = tempDir()): Promise<{ md: string; html: string; dir: string; stdout: string }> {
  const result = await runMain(['export', '--run', run, '--profiles', '--lang', lang, '--out', out]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return { md: readFileSync(join(out, 'profiles.md'), 'utf8'), html: readFileSync(join(out, 'profiles.html'), 'utf8'), dir: out, stdout: result.stdout };
}

/** Unescaped pipes in a Markdown line (the table cell separators). */
function cellSeparators(line: string): number {
  return (line.match(/(?<!\\)\|/g) ?? []).length;
}

describe('segment profile sheet', () => {
  it('has every segment with its figures, description, traits and actions, in English', async () => {
    const { md, stdout, dir } = await sheet('en');
    expect(stdout).toContain(`profile sheet (en, 3 segments): ${join(dir, 'profiles.md')}`);
    expect(md).toMatch(/^# Segment profiles\n\n14 customers in 3 segments, as of 2011-12-09\.\n/);
    expect(md).toContain('## 0 · Loyal regulars\n');
    expect(md).toContain('| 5 | 36% | 82% |');
    expect(md).toContain('**Key traits**');
    expect(md).toContain('- **high revenue** — Net revenue: 3,760 (all customers: 1,639)');
    expect(md).toContain('**Recommended actions**\n\n1. ');
    // Regenerated, not copied: the fixture's placeholder texts do not appear.
    expect(md).not.toContain('written by the fixture');
    expect(md).not.toContain('fixture action');
    expect(md.match(/^## \d+ · /gm)).toHaveLength(3);
  });

  it('in German: German headings, numbers and archetype names; other names stay as the run has them', async () => {
    const { md, html } = await sheet('de');
    expect(md).toMatch(/^# Segmentprofile\n\n14 Kunden in 3 Segmenten, Stichtag 2011-12-09\.\n/);
    expect(md).toContain('## 0 · Treue Stammkunden\n');
    expect(md).toContain('| 5 | 36\u00a0% | 82\u00a0% |');
    expect(md).toContain('**Empfohlene Maßnahmen**');
    expect(md).toContain('5 Kunden (36\u00a0% aller Kunden)');
    expect(html).toContain('<html lang="de">');
    expect(html).toContain('Treue Stammkunden');
  });

  it('escapes names in Markdown (tables keep their columns) and in HTML (no markup from data)', async () => {
    const { md, html } = await sheet('en');
    for (const line of md.split('\n').filter((l) => l.startsWith('|'))) {
      expect([4, 5], line).toContain(cellSeparators(line));
    }
    expect(md).toContain('=cmd\\|\' /C calc\'!A0');
    expect(md).toContain("Bob's \"best\" \\<b\\>\\*deals\\*\\</b\\>; DROP TABLE export\\_customers; --");
    expect(html).not.toContain('<b>*deals*</b>');
    expect(html).toContain('Bob&#39;s &quot;best&quot; &lt;b&gt;*deals*&lt;/b&gt;');
    expect(html).toContain(`=cmd|&#39; /C calc&#39;!A0`);
    expect(html).not.toMatch(/<script|<link|https?:\/\//);
  });

  it('flags the segment the run marked unstable', async () => {
    const { md, html } = await sheet('en');
    const section = md.slice(md.indexOf('## 2 · '));
    expect(section).toContain('> Unstable: this segment changes noticeably');
    expect(md.match(/> Unstable/g)).toHaveLength(1);
    expect(html.match(/class="note"/g)).toHaveLength(1);
  });

  it('writes beside a .md name, with a manifest of both files', async () => {
    const dir = tempDir();
    const result = await runMain(['export', '--run', run, '--profiles', '--out', join(dir, 'marketing.md')]);
    expect(result.code).toBe(0);
    const manifest = readManifest(join(dir, 'marketing.manifest.json'));
    expect(manifest).toMatchObject({
      format: 'segmenta.export-manifest/v1',
      kind: 'profiles',
      lang: 'en',
      segments: 3,
      source: { run, input_sha256: FIXTURE_INPUT_SHA, customers: FIXTURE_CUSTOMERS.length },
    });
    for (const [file, entry] of [['marketing.md', manifest.files[0]], ['marketing.html', manifest.files[1]]]) {
      const bytes = readFileSync(join(dir, file));
      expect(entry).toEqual({ path: join(dir, file), sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length });
    }
    expect(temporaryFiles(dir)).toEqual([]);
  });
});
