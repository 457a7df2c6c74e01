import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/report/index.ts';
import { industryHeatmap, stateTable } from '../../src/report/firmographicCharts.ts';
import type { SegmentFirmographics } from '../../src/segments/types.ts';
import { createFakeRun } from './fakeRun.ts';

function firmographics(size: number, sections: Record<string, number>, states: SegmentFirmographics['states'], summary: string): SegmentFirmographics {
  return {
    customers: size,
    customers_with_master: size - 1,
    master_share: (size - 1) / size,
    sections,
    divisions: {},
    top_industries: [{ division: '46', section: 'G', name: 'Wholesale trade', customers: 3, share: 0.75 }],
    size_classes: { micro: 1, small: 2, medium: 1, unknown: size - 5 },
    states,
    summary,
  };
}

describe('firmographic panels of the report', () => {
  it('appear for a run with a customer master: who table, industry heatmap, size bars, state table, all escaped', async () => {
    const run = await createFakeRun({ names: ['<b>Key</b> accounts', 'Regular', 'New', 'Lapsed'] });
    const path = join(run.dir, 'segments.json');
    const doc = JSON.parse(await readFile(path, 'utf8'));
    doc.segments.forEach((s: { size: number; firmographics?: SegmentFirmographics }, i: number) => {
      s.firmographics = firmographics(
        s.size,
        i === 0 ? { G: 3, C: 1 } : { C: 2, I: 2 },
        [
          { state: 'BY', name: 'Bavaria', customers: 2, revenue: 100 * (i + 1) },
          { state: 'HH', name: '<i>Hamburg</i>', customers: 1, revenue: 50 },
        ],
        i === 0 ? 'Mostly wholesale trade (WZ 46) <script>alert(1)</script>' : 'Mostly manufacturing (section C).',
      );
    });
    doc.segment_on = { mode: 'both', method: 'k-prototypes', numeric: ['pc1', 'log_employees'], categorical: ['wz_section'], gamma: 0.5 };
    await writeFile(path, JSON.stringify(doc));
    const html = await buildReport(run.dir);
    expect(html).toContain('<a href="#firmographics">Firmographics</a>');
    expect(html).toContain('<section id="firmographics">');
    expect(html).toContain('buying behaviour and firmographics together with k-prototypes');
    expect(html).toContain('Mostly wholesale trade (WZ 46) &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&lt;i&gt;Hamburg&lt;/i&gt;');
    expect(html).toContain('&lt;b&gt;Key&lt;/b&gt; accounts');
    // Heatmap: segment 0 has 3 of its 4 known industries in G.
    expect(html).toContain('G · Wholesale and retail trade');
    expect(html).toMatch(/>75%<\/td>/);
    expect(html).toContain('aria-label="Company size classes per segment"');
    expect(html).toContain('Customers and revenue by federal state');
    // Sections keep their order: profiles, then firmographics, then charts.
    expect(html.indexOf('id="profiles"')).toBeLessThan(html.indexOf('id="firmographics"'));
    expect(html.indexOf('id="firmographics"')).toBeLessThan(html.indexOf('id="charts"'));
  });

  it('are left out for a run without one', async () => {
    const run = await createFakeRun();
    const html = await buildReport(run.dir);
    expect(html).not.toContain('id="firmographics"');
    expect(html).not.toContain('#firmographics');
  });

  it('sum states over segments and name the segment with most of a state', () => {
    const style = (id: number) => ({ id, label: `S${id}`, color: '#000' });
    const rows = [0, 1].map((id) => ({
      segment: { id, name: `S${id}`, size: 10, firmographics: firmographics(10, { G: id + 1 }, [{ state: 'BY', name: 'Bavaria', customers: 2 + id * 3, revenue: 10 }], '') },
      style: style(id),
    }));
    const table = stateTable(rows, (v) => `€${v}`);
    expect(table).toContain('<td>Bavaria</td><td>DE-BY</td><td class="num">7</td><td class="num">100.0%</td><td class="num">€20</td>');
    expect(table).toMatch(/S1<\/a> <span class="muted">71%<\/span>/);
    const heat = industryHeatmap(rows);
    expect(heat).toContain('<td class="num">3</td></tr></tfoot>');
  });
});
