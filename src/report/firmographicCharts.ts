/**
 * The report's firmographic part, for runs with a customer master: who the
 * segments are (industries, sizes, regions, share with master data), an
 * industry × segment heatmap, the size classes of each segment and a table
 * of customers and revenue by federal state.
 *
 * Everything comes from segments.json (`segments[].firmographics`,
 * `segment_on`), so the section needs no second read of the customer table;
 * runs without a master get no section. The panels are plain HTML and one
 * hand-built SVG (no script, nothing fetched), like the rest of the report,
 * and every string from data goes through {@link esc}.
 */
import { WZ_SECTIONS, type WzSection } from '../firmographics/wz2008.ts';
import { shortTitle } from '../segments/describeFirmographics.ts';
import type { SegmentFirmographics } from '../segments/types.ts';
import type { SegmentStyle } from './charts.ts';
import { escapeHtml as esc } from './escape.ts';
import type { ReportInput, ReportSegment } from './loadRun.ts';

const DASH = '—';

/** Size classes in size order, with the colours of the size chart (a sequential blue scale; unknown grey). */
export const SIZE_CLASS_STYLE: ReadonlyArray<{ sizeClass: string; label: string; color: string }> = [
  { sizeClass: 'micro', label: 'Micro (< 10)', color: '#c6dbef' },
  { sizeClass: 'small', label: 'Small (< 50)', color: '#6baed6' },
  { sizeClass: 'medium', label: 'Medium (< 250)', color: '#2171b5' },
  { sizeClass: 'large', label: 'Large', color: '#08306b' },
  { sizeClass: 'unknown', label: 'Unknown', color: '#bdbdbd' },
];

function isNum(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** A share as a percentage; a share that is not zero never reads "0%". */
function pct(value: number, digits = 0): string {
  if (!isNum(value)) return DASH;
  const smallest = 10 ** -(digits + 2);
  if (value > 0 && value < smallest / 2) return `<${(smallest * 100).toFixed(digits)}%`;
  return `${(value * 100).toFixed(digits)}%`;
}

const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function int(value: unknown): string {
  return isNum(value) ? INTEGER.format(value) : DASH;
}

/** True when any segment of the run carries firmographics. */
export function hasFirmographics(input: ReportInput): boolean {
  return input.segments.segments.some((s) => s.firmographics !== undefined && s.firmographics !== null);
}

type WithFirmographics = ReportSegment & { firmographics: SegmentFirmographics };

function ordered(input: ReportInput, styles: readonly SegmentStyle[]): Array<{ segment: WithFirmographics; style: SegmentStyle }> {
  const byId = new Map(input.segments.segments.map((s) => [s.id, s]));
  return styles
    .map((style) => ({ segment: byId.get(style.id) as WithFirmographics, style }))
    .filter(({ segment }) => segment?.firmographics !== undefined && segment.firmographics !== null);
}

function swatchName(style: SegmentStyle): string {
  return `<a class="seg-name" href="#segment-${esc(style.id)}"><span class="swatch" style="background:${esc(style.color)}"></span>${esc(style.label)}</a>`;
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const v of values) if (isNum(v)) total += v;
  return total;
}

/** The segments' who-is-it table: master coverage, top industries, size mix, top states and the one-line summary. */
export function whoTable(rows: ReadonlyArray<{ segment: WithFirmographics; style: SegmentStyle }>): string {
  const body = rows
    .map(({ segment, style }) => {
      const f = segment.firmographics;
      const industries = (f.top_industries ?? []).map((t) => `${esc(t.name)} (WZ ${esc(t.division)}) ${esc(pct(t.share))}`).join('<br>');
      const sizeTotal = sum(Object.entries(f.size_classes ?? {}).filter(([c]) => c !== 'unknown').map(([, n]) => n));
      const sizes = SIZE_CLASS_STYLE.filter((s) => s.sizeClass !== 'unknown' && (f.size_classes?.[s.sizeClass] ?? 0) > 0)
        .map((s) => `${esc(s.sizeClass)} ${esc(pct((f.size_classes[s.sizeClass] ?? 0) / sizeTotal))}`)
        .join(', ');
      const stateTotal = sum((f.states ?? []).map((s) => s.customers));
      const states = (f.states ?? []).slice(0, 3).map((s) => `${esc(s.name)} ${esc(pct(s.customers / stateTotal))}`).join('<br>');
      return `<tr><td>${swatchName(style)}<div class="who-summary">${esc(f.summary)}</div></td><td class="num">${esc(int(f.customers_with_master))}<br><span class="muted">${esc(pct(f.master_share))}</span></td><td>${industries || DASH}</td><td>${sizes || DASH}</td><td>${states || DASH}</td></tr>`;
    })
    .join('');
  return `<div class="table-wrap"><table class="data who"><thead><tr><th>Segment</th><th class="num">With master data</th><th>Top industries (WZ 2008 division)</th><th>Company size (EU SME classes)</th><th>Top federal states</th></tr></thead><tbody>${body}</tbody></table></div>`;
}

/**
 * Industry × segment heatmap: one row per WZ section present, one column per
 * segment plus all customers; a cell is the share of the segment's customers
 * with a known industry that are in the section, shaded from white (0) to
 * dark blue (the largest share on the map).
 */
export function industryHeatmap(rows: ReadonlyArray<{ segment: WithFirmographics; style: SegmentStyle }>): string {
  const totals = new Map<string, number>();
  for (const { segment } of rows) for (const [section, n] of Object.entries(segment.firmographics.sections ?? {})) totals.set(section, (totals.get(section) ?? 0) + n);
  const sections = [...totals].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([section]) => section);
  if (sections.length === 0) return '<p class="na">No customer has a known industry.</p>';
  const known = rows.map(({ segment }) => sum(Object.values(segment.firmographics.sections ?? {})));
  const all = sum(totals.values());
  const shares = rows.map(({ segment }, i) => sections.map((section) => (known[i]! > 0 ? (segment.firmographics.sections[section] ?? 0) / known[i]! : 0)));
  const max = Math.max(0.0001, ...shares.flat());
  const cell = (share: number) => {
    const alpha = Math.min(1, share / max);
    const ink = alpha > 0.55 ? '#fff' : 'var(--ink)';
    return `<td class="num heat" style="background:rgba(8,81,156,${alpha.toFixed(3)});color:${ink}">${esc(share > 0 ? pct(share) : '·')}</td>`;
  };
  const head = rows.map(({ style }) => `<th class="num"><span class="swatch" style="background:${esc(style.color)}"></span> ${esc(style.label)}</th>`).join('');
  const body = sections
    .map((section, r) => {
      const name = WZ_SECTIONS[section as WzSection] ? shortTitle(WZ_SECTIONS[section as WzSection].name.en) : section;
      return `<tr><th scope="row">${esc(section)} · ${esc(name)}</th>${rows.map((_, i) => cell(shares[i]![r]!)).join('')}<td class="num">${esc(pct((totals.get(section) ?? 0) / all))}</td></tr>`;
    })
    .join('');
  return `<div class="table-wrap"><table class="data heatmap"><thead><tr><th>WZ 2008 section</th>${head}<th class="num">All</th></tr></thead><tbody>${body}</tbody><tfoot><tr><th>Customers with a known industry</th>${known.map((n) => `<td class="num">${esc(int(n))}</td>`).join('')}<td class="num">${esc(int(all))}</td></tr></tfoot></table></div>`;
}

/** Size classes per segment: one 100 % bar per segment (SVG), micro to large, unknown last. */
export function sizeChart(rows: ReadonlyArray<{ segment: WithFirmographics; style: SegmentStyle }>): string {
  const labelWidth = 220;
  const barWidth = 520;
  const rowHeight = 26;
  const top = 8;
  const height = top + rows.length * rowHeight + 40;
  const width = labelWidth + barWidth + 60;
  const bars = rows
    .map(({ segment, style }, r) => {
      const counts = segment.firmographics.size_classes ?? {};
      const total = sum(SIZE_CLASS_STYLE.map((s) => counts[s.sizeClass] ?? 0));
      const y = top + r * rowHeight;
      let x = labelWidth;
      const parts = SIZE_CLASS_STYLE.map((s) => {
        const n = counts[s.sizeClass] ?? 0;
        if (total === 0 || n === 0) return '';
        const w = (n / total) * barWidth;
        const rect = `<rect x="${x.toFixed(2)}" y="${y}" width="${w.toFixed(2)}" height="${rowHeight - 8}" fill="${s.color}"><title>${esc(`${style.label}: ${s.label} ${n} (${pct(n / total)})`)}</title></rect>`;
        const text = w >= 34 ? `<text x="${(x + w / 2).toFixed(2)}" y="${y + rowHeight / 2 + 1}" text-anchor="middle" fill="${s.sizeClass === 'micro' || s.sizeClass === 'unknown' ? '#1d2330' : '#fff'}">${esc(pct(n / total))}</text>` : '';
        x += w;
        return rect + text;
      }).join('');
      return `<text x="${labelWidth - 8}" y="${y + rowHeight / 2 + 1}" text-anchor="end" fill="#1d2330">${esc(style.label.length > 30 ? `${style.label.slice(0, 29)}…` : style.label)}</text>${parts}`;
    })
    .join('');
  const legendY = top + rows.length * rowHeight + 18;
  const legend = SIZE_CLASS_STYLE.map((s, i) => {
    const x = labelWidth + i * 110;
    return `<rect x="${x}" y="${legendY - 10}" width="12" height="12" fill="${s.color}"/><text x="${x + 16}" y="${legendY}" fill="#1d2330">${esc(s.label)}</text>`;
  }).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Company size classes per segment" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-size="12" dominant-baseline="middle">${bars}${legend}</svg>`;
}

/**
 * Customers and revenue by federal state, summed over the segments, with the
 * segment that has most of the state's customers. Customers without a state
 * (no master row, no postcode) are left out; companies abroad are one row.
 */
export function stateTable(rows: ReadonlyArray<{ segment: WithFirmographics; style: SegmentStyle }>, money: (value: number) => string): string {
  const states = new Map<string, { name: string; customers: number; revenue: number; bySegment: Map<number, number> }>();
  for (const { segment } of rows) {
    for (const s of segment.firmographics.states ?? []) {
      const entry = states.get(s.state) ?? { name: s.name, customers: 0, revenue: 0, bySegment: new Map<number, number>() };
      entry.customers += s.customers;
      entry.revenue += isNum(s.revenue) ? s.revenue : 0;
      entry.bySegment.set(segment.id, (entry.bySegment.get(segment.id) ?? 0) + s.customers);
      states.set(s.state, entry);
    }
  }
  if (states.size === 0) return '<p class="na">No customer has a German postcode in the master.</p>';
  const customers = sum([...states.values()].map((s) => s.customers));
  const revenue = sum([...states.values()].map((s) => s.revenue));
  const labels = new Map(rows.map(({ style }) => [style.id, style]));
  const body = [...states]
    .sort((a, b) => b[1].customers - a[1].customers || a[0].localeCompare(b[0]))
    .map(([code, s]) => {
      const [topId, topN] = [...s.bySegment].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]!;
      const top = labels.get(topId);
      return `<tr><td>${esc(s.name)}</td><td>${esc(code === 'abroad' ? '' : `DE-${code}`)}</td><td class="num">${esc(int(s.customers))}</td><td class="num">${esc(pct(s.customers / customers, 1))}</td><td class="num">${esc(money(s.revenue))}</td><td class="num">${esc(revenue !== 0 ? pct(s.revenue / revenue, 1) : DASH)}</td><td>${top ? `${swatchName(top)} <span class="muted">${esc(pct(topN / s.customers))}</span>` : DASH}</td></tr>`;
    })
    .join('');
  return `<div class="table-wrap"><table class="data states"><thead><tr><th>Federal state</th><th>ISO 3166-2</th><th class="num">Customers</th><th class="num">Share</th><th class="num">Net revenue</th><th class="num">Revenue share</th><th>Largest segment there</th></tr></thead><tbody>${body}</tbody><tfoot><tr><th>With a state</th><td></td><td class="num">${esc(int(customers))}</td><td></td><td class="num">${esc(money(revenue))}</td><td></td><td></td></tr></tfoot></table></div>`;
}

const FIRMOGRAPHIC_CSS = `
#firmographics .who td { vertical-align: top; font-size: 14px; }
#firmographics .who-summary { color: var(--muted); font-size: 13px; margin-top: 4px; max-width: 46ch; }
#firmographics .muted { color: var(--muted); font-size: 12px; }
#firmographics table.heatmap td.heat { -webkit-print-color-adjust: exact; print-color-adjust: exact; min-width: 72px; }
#firmographics table.heatmap th[scope=row] { font-weight: 500; white-space: nowrap; }
#firmographics svg text { font-family: inherit; }
#firmographics svg rect { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
`;

function modeLine(input: ReportInput): string {
  const on = input.segments.segment_on;
  if (!on) return 'Segments were found on buying behaviour (k-means); the customer master describes who is in them.';
  const what = on.mode === 'both' ? 'buying behaviour and firmographics together' : 'firmographics';
  return `Segments were found on ${what} with k-prototypes (numbers: ${on.numeric.join(', ')}; categories: ${on.categorical.join(', ')}; γ = ${on.gamma}).`;
}

/**
 * The firmographics section of the report, or '' for a run without a
 * customer master.
 *
 * @param money - formats an amount in the run's currency.
 */
export function firmographicSection(input: ReportInput, styles: readonly SegmentStyle[], money: (value: unknown) => string): string {
  if (!hasFirmographics(input)) return '';
  const rows = ordered(input, styles);
  const master = input.manifest.customer_master;
  const coverage = master
    ? `Customer master <code>${esc(master.path)}</code>: ${esc(int(master.rows?.read))} rows read, ${esc(int(master.rows?.used))} used, ${esc(int(master.rows?.rejected))} rejected (customers_rejects.csv); ${esc(int(master.customers?.with_master))} of the run’s customers have master data, ${esc(int(master.customers?.without_master))} do not, and ${esc(int(master.customers?.master_without_transactions))} master customers bought nothing in the window.`
    : '';
  return `<section id="firmographics">
<style>${FIRMOGRAPHIC_CSS}</style>
<h2>Firmographics: who the segments are</h2>
<p class="lead">${esc(modeLine(input))}</p>
${coverage ? `<p class="how">${coverage}</p>` : ''}
<h3>Industries, sizes and regions per segment</h3>
${whoTable(rows)}
<figure class="chart" id="chart-industry-heatmap">
<h3>Industry × segment</h3>
<div class="svg-wrap">${industryHeatmap(rows)}</div>
<figcaption class="how"><strong>How to read this:</strong> each column is one segment; a cell is the share of its customers (with a known industry) in a WZ 2008 section, darker for larger shares. Compare a column with “All” to see which industries a segment over-represents.</figcaption>
</figure>
<figure class="chart" id="chart-size-classes">
<h3>Company size classes per segment</h3>
<div class="svg-wrap">${sizeChart(rows)}</div>
<figcaption class="how"><strong>How to read this:</strong> each bar splits one segment’s customers with master data into the EU SME size classes (Recommendation 2003/361/EC: employees and annual turnover), micro on the left, large on the right.</figcaption>
</figure>
<figure class="chart" id="chart-states">
<h3>Customers and revenue by federal state</h3>
${stateTable(rows, (value) => money(value))}
<figcaption class="how"><strong>How to read this:</strong> customers placed by the postcode in the master (docs/b2b.md explains the postcode ranges and the border decisions); revenue is their net revenue in the window. A state whose revenue share is above its customer share buys more per customer than average.</figcaption>
</figure>
</section>`;
}
