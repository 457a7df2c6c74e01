/**
 * The analyst report as one self-contained HTML file: inline CSS, charts as
 * inline SVG, no script, no font or image from anywhere else, so it can be
 * mailed, archived or opened offline and always looks the same.
 *
 * Every string that comes from data goes through {@link escapeHtml}; the only
 * unescaped fragments are the chart SVGs (Vega escapes their text itself) and
 * the HTML this module builds from escaped parts.
 */
import { escapeHtml as esc } from './escape.ts';
import { FONT_STACK, STABILITY_THRESHOLD, featureLabel, segmentStyles, type ReportCharts, type SegmentStyle } from './charts.ts';
import type { ReportInput, ReportManifest, ReportSegment } from './loadRun.ts';
import { manifestCurrency } from '../publish/manifest.ts';
import { valueSection } from './valueChart.ts';
import { firmographicSection } from './firmographicCharts.ts';
import { refreshSection } from './migrationChart.ts';

const DASH = '—';

function isNum(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

// Fixed locale: the report must read the same whatever machine builds it.
const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function fmtInt(value: unknown): string {
  return isNum(value) ? INTEGER.format(value) : DASH;
}

function fmtNum(value: unknown, digits: number): string {
  return isNum(value) ? new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value) : DASH;
}

function fmtPct(value: unknown, digits = 1): string {
  return isNum(value) ? `${(value * 100).toFixed(digits)}%` : DASH;
}

/** Money in the run's currency (the manifest's, else the input's single one), otherwise a plain number. */
function moneyFormatter(manifest: ReportManifest): (value: unknown) => string {
  const currency = manifestCurrency(manifest);
  if (currency) {
    try {
      const format = new Intl.NumberFormat('en-US', { style: 'currency', currency, maximumFractionDigits: 0 });
      return (value) => (isNum(value) ? format.format(value) : DASH);
    } catch {
      // Not an ISO 4217 code: fall through to plain numbers.
    }
  }
  return fmtInt;
}

/** `2024-05-02T09:14:08.250Z` → `2024-05-02 09:14 UTC`; anything unparsable is shown as written. */
function fmtTimestamp(value: unknown): string {
  if (typeof value !== 'string' || value === '') return DASH;
  const time = Date.parse(value);
  if (Number.isNaN(time)) return value;
  return `${new Date(time).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `missing_customer_id` → `Missing customer id`. */
function humanize(code: string): string {
  const spaced = code.replace(/_/g, ' ').trim();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

/** One of the per-customer figures shown for each segment. */
interface KeyFigure {
  feature: string;
  label: string;
  format(value: number): string;
}

function keyFigures(money: (value: unknown) => string): KeyFigure[] {
  return [
    { feature: 'recency_days', label: 'Last order', format: (v) => `${fmtInt(v)} days ago` },
    { feature: 'frequency', label: 'Orders', format: (v) => fmtNum(v, v >= 10 ? 0 : 1) },
    { feature: 'revenue', label: 'Revenue / customer', format: money },
    { feature: 'avg_order_value', label: 'Avg order value', format: money },
    { feature: 'tenure_days', label: 'Customer for', format: (v) => `${fmtInt(v)} days` },
  ];
}

/** The typical value of a feature in a segment: the median when written, else the mean. */
function typical(segment: ReportSegment, feature: string): { value: number; kind: 'median' | 'mean' } | null {
  const median = segment.median?.[feature];
  if (isNum(median)) return { value: median, kind: 'median' };
  const mean = segment.profile?.[feature];
  if (isNum(mean)) return { value: mean, kind: 'mean' };
  return null;
}

interface Figure {
  label: string;
  value: string;
  note?: string;
}

function tiles(figures: readonly Figure[]): string {
  return `<div class="tiles">${figures
    .map(
      (f) =>
        `<div class="tile"><div class="tile-value">${esc(f.value)}</div><div class="tile-label">${esc(f.label)}</div>${
          f.note ? `<div class="tile-note">${esc(f.note)}</div>` : ''
        }</div>`,
    )
    .join('')}</div>`;
}

function definitionList(figures: readonly Figure[], className = 'facts'): string {
  return `<dl class="${className}">${figures.map((f) => `<div><dt>${esc(f.label)}</dt><dd>${esc(f.value)}</dd></div>`).join('')}</dl>`;
}

function stabilityBadge(segment: ReportSegment): string {
  if (!isNum(segment.stability)) return '';
  const unstable = segment.unstable ?? segment.stability < STABILITY_THRESHOLD;
  return unstable
    ? `<span class="badge badge-warn" title="Stability below ${STABILITY_THRESHOLD}: the segment does not reliably reappear on resampled data">Unstable · ${esc(fmtNum(segment.stability, 2))}</span>`
    : `<span class="badge badge-ok" title="Bootstrap stability (1 = always reappears)">Stable · ${esc(fmtNum(segment.stability, 2))}</span>`;
}

// ---------------------------------------------------------------- sections

function summarySection(input: ReportInput, money: (value: unknown) => string): string {
  const { segments: doc, manifest } = input;
  const rows = manifest.rows ?? {};
  const quality = doc.quality ?? {};
  const customers = isNum(manifest.customers) ? manifest.customers : doc.segments.reduce((sum, s) => sum + (isNum(s.size) ? s.size : 0), 0);
  const k = isNum(doc.k) ? doc.k : doc.segments.length;
  const revenue = doc.segments.reduce((sum, s) => sum + (isNum(s.revenue) ? s.revenue : 0), 0);
  const hasRevenue = doc.segments.some((s) => isNum(s.revenue));

  const headline: Figure[] = [
    { label: 'Customers', value: fmtInt(customers) },
    { label: 'Segments', value: fmtInt(k) },
  ];
  if (hasRevenue) headline.push({ label: 'Net revenue', value: money(revenue) });
  if (isNum(rows.read)) {
    headline.push({ label: 'Rows used', value: fmtInt(rows.used), note: `of ${fmtInt(rows.read)} read (${fmtPct(isNum(rows.used) && rows.read > 0 ? rows.used / rows.read : null)})` });
  }
  if (isNum(quality.silhouette)) headline.push({ label: 'Silhouette', value: fmtNum(quality.silhouette, 2), note: '−1 to 1, higher is better' });
  if (isNum(quality.stability)) headline.push({ label: 'Stability', value: fmtNum(quality.stability, 2), note: '0 to 1, higher is better' });

  const choice = doc.k_choice ?? {};
  const chosen = isNum(choice.chosen) ? choice.chosen : k;
  const howChosen = [
    `<strong>${esc(fmtInt(chosen))} segments</strong>`,
    choice.rule ? ` chosen by the rule <em>${esc(choice.rule)}</em>` : '',
    choice.requested ? ` (requested: ${esc(choice.requested)})` : '',
    Array.isArray(doc.k_scan) && doc.k_scan.length > 0
      ? `, after trying k = ${esc(doc.k_scan.map((e) => e.k).filter(isNum).join(', '))}`
      : '',
    '.',
  ].join('');

  const run: Figure[] = [
    { label: 'Input', value: manifest.input?.path ?? DASH },
    { label: 'As of', value: doc.as_of ?? manifest.as_of ?? DASH },
    { label: 'Rows read', value: fmtInt(rows.read) },
    { label: 'Rows used', value: fmtInt(rows.used) },
    { label: 'Rows rejected', value: fmtInt(rows.rejected) },
  ];
  if (isNum(rows.out_of_window)) run.push({ label: 'Rows outside the window', value: fmtInt(rows.out_of_window) });

  const qualityFigures: Figure[] = [];
  if (isNum(quality.silhouette)) qualityFigures.push({ label: 'Silhouette', value: fmtNum(quality.silhouette, 3) });
  if (isNum(quality.calinski_harabasz)) qualityFigures.push({ label: 'Calinski-Harabasz', value: fmtNum(quality.calinski_harabasz, 1) });
  if (isNum(quality.davies_bouldin)) qualityFigures.push({ label: 'Davies-Bouldin', value: fmtNum(quality.davies_bouldin, 3) });
  if (isNum(quality.inertia)) qualityFigures.push({ label: 'Inertia', value: fmtNum(quality.inertia, 1) });
  if (isNum(quality.stability)) qualityFigures.push({ label: 'Stability', value: fmtNum(quality.stability, 3) });

  const unstable = doc.segments.filter((s) => s.unstable ?? (isNum(s.stability) && s.stability < STABILITY_THRESHOLD));
  const warning =
    unstable.length > 0
      ? `<p class="callout">${unstable.length === 1 ? 'One segment is' : `${unstable.length} segments are`} unstable (stability below ${STABILITY_THRESHOLD}): ${unstable
          .map((s) => `<a href="#segment-${esc(s.id)}">${esc(s.name)}</a>`)
          .join(', ')}. Treat ${unstable.length === 1 ? 'it' : 'them'} as tentative.</p>`
      : '';

  return `<section id="summary">
<h2>Summary</h2>
${tiles(headline)}
<p class="lead">${howChosen}</p>
${warning}
<div class="two-col">
<div><h3>Run</h3>${definitionList(run)}</div>
<div><h3>Clustering quality</h3>${qualityFigures.length > 0 ? definitionList(qualityFigures) : '<p class="na">Not recorded for this run.</p>'}</div>
</div>
</section>`;
}

function dataQualitySection(input: ReportInput): string {
  const { manifest } = input;
  const rows = manifest.rows ?? {};
  const dq = manifest.data_quality;
  const reasons = Object.entries(rows.rejected_by_reason ?? {})
    .filter(([, n]) => isNum(n))
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const read = isNum(rows.read) && rows.read > 0 ? rows.read : null;

  const reasonTable =
    reasons.length > 0
      ? `<table class="data"><thead><tr><th>Reject reason</th><th class="num">Rows</th><th class="num">Share of rows read</th></tr></thead><tbody>${reasons
          .map(([reason, n]) => `<tr><td>${esc(humanize(reason))}</td><td class="num">${esc(fmtInt(n))}</td><td class="num">${esc(read ? fmtPct(n / read, 2) : DASH)}</td></tr>`)
          .join('')}</tbody>${
          isNum(rows.rejected) ? `<tfoot><tr><th>All rejected rows</th><td class="num">${esc(fmtInt(rows.rejected))}</td><td class="num">${esc(read ? fmtPct(rows.rejected / read, 2) : DASH)}</td></tr></tfoot>` : ''
        }</table>`
      : '<p class="na">No rows were rejected, or this run did not record why.</p>';

  if (!dq) {
    return `<section id="data-quality"><h2>Data quality</h2><h3>Rejected rows</h3>${reasonTable}<p class="na">This run did not record cleaning figures.</p></section>`;
  }

  const cleaning: Figure[] = [];
  if (isNum(dq.duplicates_removed)) cleaning.push({ label: 'Duplicate lines removed', value: fmtInt(dq.duplicates_removed) });
  if (isNum(dq.return_lines)) cleaning.push({ label: 'Return lines (netted)', value: fmtInt(dq.return_lines) });
  if (isNum(dq.returns_value_share)) cleaning.push({ label: 'Returns, share of purchase value', value: fmtPct(dq.returns_value_share, 1) });
  if (dq.date_range) cleaning.push({ label: 'Order dates', value: `${dq.date_range.first ?? DASH} – ${dq.date_range.last ?? DASH}` });
  if (isNum(dq.orders)) cleaning.push({ label: 'Orders', value: fmtInt(dq.orders) });
  if (isNum(dq.customers_only_returns)) cleaning.push({ label: 'Customers with only returns (left out)', value: fmtInt(dq.customers_only_returns) });
  if (Array.isArray(dq.currencies) && dq.currencies.length > 0) cleaning.push({ label: 'Currencies', value: dq.currencies.join(', ') });

  const countries = Object.entries(dq.countries ?? {})
    .filter(([, n]) => isNum(n))
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const TOP = 10;
  const totalCountry = countries.reduce((sum, [, n]) => sum + n, 0);
  const rest = countries.slice(TOP);
  const countryTable =
    countries.length > 0
      ? `<table class="data"><thead><tr><th>Country</th><th class="num">Customers</th><th class="num">Share</th></tr></thead><tbody>${countries
          .slice(0, TOP)
          .map(([country, n]) => `<tr><td>${esc(country)}</td><td class="num">${esc(fmtInt(n))}</td><td class="num">${esc(fmtPct(totalCountry > 0 ? n / totalCountry : null))}</td></tr>`)
          .join('')}${
          rest.length > 0
            ? `<tr class="muted"><td>${esc(`${rest.length} other ${rest.length === 1 ? 'country' : 'countries'}`)}</td><td class="num">${esc(
                fmtInt(rest.reduce((sum, [, n]) => sum + n, 0)),
              )}</td><td class="num">${esc(fmtPct(totalCountry > 0 ? rest.reduce((sum, [, n]) => sum + n, 0) / totalCountry : null))}</td></tr>`
            : ''
        }</tbody></table>`
      : '<p class="na">No country recorded.</p>';

  return `<section id="data-quality">
<h2>Data quality</h2>
<div class="two-col">
<div><h3>Rejected rows</h3>${reasonTable}<h3>Cleaning</h3>${cleaning.length > 0 ? definitionList(cleaning) : '<p class="na">Not recorded for this run.</p>'}</div>
<div><h3>Customers by country</h3>${countryTable}</div>
</div>
</section>`;
}

function segmentTableSection(input: ReportInput, styles: readonly SegmentStyle[], money: (value: unknown) => string): string {
  const byId = new Map(input.segments.segments.map((s) => [s.id, s]));
  // Tenure stays on the cards: the table is kept narrow enough not to scroll on a laptop.
  const figures = keyFigures(money).filter((f) => f.feature !== 'tenure_days' && input.segments.segments.some((s) => typical(s, f.feature)));
  const kinds = new Set(input.segments.segments.flatMap((s) => figures.map((f) => typical(s, f.feature)?.kind).filter(Boolean)));
  const kindNote = kinds.has('mean') ? (kinds.has('median') ? 'median, or mean where no median was recorded' : 'mean') : 'median';
  const showStability = input.segments.segments.some((s) => isNum(s.stability));
  const head = [
    '<th>Segment</th>',
    '<th class="num">Customers</th>',
    '<th class="num">Share</th>',
    '<th class="num">Revenue</th>',
    '<th class="num">Revenue share</th>',
    ...figures.map((f) => `<th class="num">${esc(f.label)}</th>`),
    showStability ? '<th class="num">Stability</th>' : '',
  ].join('');
  const body = styles
    .map((style) => {
      const s = byId.get(style.id)!;
      const unstable = s.unstable ?? (isNum(s.stability) && s.stability < STABILITY_THRESHOLD);
      return `<tr><td><a class="seg-name" href="#segment-${esc(s.id)}"><span class="swatch" style="background:${esc(style.color)}"></span>${esc(s.name)}</a></td><td class="num">${esc(fmtInt(s.size))}</td><td class="num">${esc(fmtPct(s.share))}</td><td class="num">${esc(money(s.revenue))}</td><td class="num">${esc(fmtPct(s.revenue_share))}</td>${figures
        .map((f) => {
          const t = typical(s, f.feature);
          return `<td class="num">${esc(t ? f.format(t.value) : DASH)}</td>`;
        })
        .join('')}${showStability ? `<td class="num${unstable ? ' warn' : ''}">${esc(fmtNum(s.stability, 2))}${unstable ? ' <span class="flag">unstable</span>' : ''}</td>` : ''}</tr>`;
    })
    .join('');
  return `<section id="segments">
<h2>Segments</h2>
<div class="table-wrap"><table class="data segments"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>
${figures.length > 0 ? `<p class="how">Per-customer figures are the segment’s ${esc(kindNote)}. Segments are ordered by revenue.</p>` : ''}
</section>`;
}

function traitChips(segment: ReportSegment): string {
  const z = Object.entries(segment.z ?? {})
    .filter(([, v]) => isNum(v) && Math.abs(v) >= 0.5)
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]) || a[0].localeCompare(b[0]))
    .slice(0, 4);
  if (z.length === 0) return '';
  return `<div class="traits" aria-label="Stands out on">${z
    .map(
      ([feature, v]) =>
        `<span class="chip ${v > 0 ? 'up' : 'down'}">${esc(featureLabel(feature))} ${v > 0 ? '▲' : '▼'} ${esc(`${v > 0 ? '+' : '−'}${Math.abs(v).toFixed(1)} sd`)}</span>`,
    )
    .join('')}</div>`;
}

function segmentCard(segment: ReportSegment, style: SegmentStyle, money: (value: unknown) => string): string {
  const figures: Figure[] = [
    { label: 'Customers', value: `${fmtInt(segment.size)}${isNum(segment.share) ? ` (${fmtPct(segment.share)})` : ''}` },
  ];
  if (isNum(segment.revenue)) figures.push({ label: 'Revenue', value: `${money(segment.revenue)}${isNum(segment.revenue_share) ? ` (${fmtPct(segment.revenue_share)})` : ''}` });
  for (const f of keyFigures(money)) {
    const t = typical(segment, f.feature);
    if (t) figures.push({ label: f.label, value: f.format(t.value) });
  }
  const actions = (Array.isArray(segment.actions) ? segment.actions : []).filter((a) => typeof a === 'string' && a.trim() !== '');
  const stabilityNote =
    isNum(segment.stability) && (segment.unstable ?? segment.stability < STABILITY_THRESHOLD)
      ? `<p class="callout small">Unstable: on resampled data this segment reappears with a mean Jaccard of only ${esc(fmtNum(segment.stability, 2))} (below ${STABILITY_THRESHOLD}). Check it before acting on it.</p>`
      : '';
  return `<article class="card" id="segment-${esc(segment.id)}" style="--seg:${esc(style.color)}">
<header><h3><span class="swatch" style="background:${esc(style.color)}"></span>${esc(segment.name)}</h3>${stabilityBadge(segment)}</header>
${segment.description ? `<p class="desc">${esc(segment.description)}</p>` : ''}
${definitionList(figures, 'figures')}
${traitChips(segment)}
${stabilityNote}
${actions.length > 0 ? `<h4>Recommended actions</h4><ul class="actions">${actions.map((a) => `<li>${esc(a)}</li>`).join('')}</ul>` : ''}
</article>`;
}

function cardsSection(input: ReportInput, styles: readonly SegmentStyle[], money: (value: unknown) => string): string {
  const byId = new Map(input.segments.segments.map((s) => [s.id, s]));
  return `<section id="profiles">
<h2>Segment profiles</h2>
<div class="cards">${styles.map((style) => segmentCard(byId.get(style.id)!, style, money)).join('\n')}</div>
</section>`;
}

/** The charts in page order, each with its title, how to read it, and why it may be missing. */
function chartDefinitions(input: ReportInput): Array<{ key: keyof ReportCharts; title: string; how: string; missing: string }> {
  const sampled = input.customers.mapSample.length;
  const total = input.customers.customers;
  const sampleNote =
    total > sampled ? `a seeded sample of ${fmtInt(sampled)} of the ${fmtInt(total)} customers` : `all ${fmtInt(sampled)} customers`;
  return [
    {
      key: 'sizes',
      title: 'Segment size and revenue',
      how: 'Each bar is a segment’s share of all customers (left) and of all net revenue (right): a segment whose revenue bar is longer than its customer bar is worth more per customer than the average.',
      missing: 'segments.json has no sizes or revenue.',
    },
    {
      key: 'profile',
      title: 'What makes each segment different',
      how: 'Each cell is how far the segment’s average lies from the average customer, in standard deviations: orange is above average, blue below, and the colour stops darkening at ±2 (the number shows the true value).',
      missing: 'segments.json has no z-scores (written by newer versions).',
    },
    {
      key: 'map',
      title: 'Customer map',
      how: `Each dot is a customer (${sampleNote}) placed by the first two principal components of the features, so customers who behave alike sit close together; diamonds mark the segment centres.`,
      missing: 'the customer table has no pc1/pc2 columns (written by newer versions).',
    },
    {
      key: 'rfm',
      title: 'Recency × frequency',
      how: 'Rows are recency scores (5 = bought most recently), columns frequency scores (5 = most orders), and darker cells hold more customers: the top right are the best customers, the bottom left the lapsed ones.',
      missing: 'the customer table has no rfm_r/rfm_f columns.',
    },
    {
      key: 'lifecycle',
      title: 'Lifecycle stages per segment',
      how: 'Each bar splits one segment’s customers into lifecycle stages, so segments of any size compare directly: look for segments with a large at-risk or inactive part.',
      missing: 'neither the customer table nor segments.json has lifecycle stages.',
    },
    {
      key: 'kScan',
      title: 'How the number of segments was chosen',
      how: 'Each panel is one quality measure for every k tried, and the dashed line marks the chosen k: silhouette, Calinski-Harabasz and stability are better when higher (↑), Davies-Bouldin when lower (↓), and inertia always falls, so look for where it stops falling fast.',
      missing: 'fewer than two values of k were tried.',
    },
    {
      key: 'stability',
      title: 'Segment stability',
      how: `How reliably each segment reappears when the customers are resampled (1 = every time): segments left of the dashed ${STABILITY_THRESHOLD} line are unstable and best treated as tentative.`,
      missing: 'segments.json has no per-segment stability.',
    },
  ];
}

function chartsSection(input: ReportInput, charts: ReportCharts): string {
  const figures = chartDefinitions(input).map(({ key, title, how, missing }) => {
    const svg = charts[key];
    return `<figure class="chart" id="chart-${esc(key)}">
<h3>${esc(title)}</h3>
${svg ? `<div class="svg-wrap">${svg}</div>\n<figcaption class="how"><strong>How to read this:</strong> ${esc(how)}</figcaption>` : `<p class="na">Not available for this run: ${esc(missing)}</p>`}
</figure>`;
  });
  return `<section id="charts">
<h2>Charts</h2>
${figures.join('\n')}
</section>`;
}

function footer(input: ReportInput): string {
  const m = input.manifest;
  const parts: string[] = [];
  if (m.versions?.segmenta) parts.push(`segmenta ${m.versions.segmenta}`);
  if (m.versions?.duckdb) parts.push(`DuckDB ${m.versions.duckdb}`);
  if (m.versions?.node) parts.push(`Node ${m.versions.node}`);
  if (isNum(m.seed)) parts.push(`seed ${m.seed}`);
  if (typeof m.input?.sha256 === 'string' && m.input.sha256) parts.push(`input sha256 ${m.input.sha256.slice(0, 12)}…`);
  const total = Object.values(m.timings_ms ?? {}).filter(isNum).reduce((a, b) => a + b, 0);
  if (total > 0) parts.push(`run took ${(total / 1000).toFixed(1)} s`);
  return `<footer>${m.command ? `<p><code>${esc(m.command)}</code></p>` : ''}<p>${parts.map(esc).join(' · ')}</p><p>Generated ${esc(fmtTimestamp(m.finished_at))}.</p></footer>`;
}

const CSS = `
:root { --ink: #1d2330; --muted: #5b6472; --line: #e2e5ea; --bg: #f4f5f7; --card: #fff; --accent: #0072B2; --warn: #b34700; --warn-bg: #fff4e5; --ok: #1b7a4f; --ok-bg: #e8f6ef; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font-family: ${FONT_STACK}; font-size: 15px; line-height: 1.5; color: var(--ink); background: var(--bg); }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.85em; word-break: break-all; }
.page { max-width: 1160px; margin: 0 auto; padding: 0 24px 48px; }
.hero { background: #14213d; color: #fff; padding: 32px 0 28px; }
.hero .page { padding-bottom: 0; }
.eyebrow { text-transform: uppercase; letter-spacing: 0.08em; font-size: 12px; color: #9fb3d9; margin: 0 0 6px; }
.hero h1 { margin: 0 0 8px; font-size: 30px; line-height: 1.2; }
.hero .meta { margin: 0; color: #d5deef; }
.hero .meta span + span::before { content: "·"; margin: 0 8px; color: #7f93bb; }
nav.toc { position: sticky; top: 0; z-index: 1; background: rgba(255,255,255,0.96); border-bottom: 1px solid var(--line); }
nav.toc .page { padding-top: 10px; padding-bottom: 10px; display: flex; gap: 20px; flex-wrap: wrap; font-size: 14px; }
section { margin-top: 36px; }
h2 { font-size: 22px; margin: 0 0 16px; padding-bottom: 6px; border-bottom: 2px solid var(--line); }
h3 { font-size: 16px; margin: 20px 0 10px; }
h4 { font-size: 13px; text-transform: uppercase; letter-spacing: 0.05em; color: var(--muted); margin: 16px 0 6px; }
.lead { font-size: 16px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; }
.tile { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px; }
.tile-value { font-size: 26px; font-weight: 650; line-height: 1.15; font-variant-numeric: tabular-nums; }
.tile-label { color: var(--muted); font-size: 13px; margin-top: 2px; }
.tile-note { color: var(--muted); font-size: 12px; }
.two-col { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 8px 32px; }
dl.facts { margin: 0; display: grid; grid-template-columns: 1fr; }
dl.facts > div { display: flex; justify-content: space-between; gap: 16px; padding: 6px 0; border-bottom: 1px solid var(--line); }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; text-align: right; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
table.data { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); border-radius: 8px; font-variant-numeric: tabular-nums; }
table.data th, table.data td { padding: 8px 12px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
table.data thead th { font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); background: #fafbfc; }
table.data tfoot th, table.data tfoot td { font-weight: 600; border-bottom: none; }
table.data td.num { text-align: right; white-space: nowrap; }
table.data th.num { text-align: right; }
table.segments { font-size: 14px; }
table.segments td:first-child { min-width: 220px; }
table.data tr.muted td { color: var(--muted); }
.table-wrap { overflow-x: auto; }
.seg-name { display: inline-flex; align-items: center; gap: 8px; color: var(--ink); font-weight: 600; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 3px; flex: none; }
td.warn { color: var(--warn); }
.flag { display: inline-block; font-size: 11px; font-weight: 600; text-transform: uppercase; letter-spacing: 0.04em; color: var(--warn); background: var(--warn-bg); border-radius: 4px; padding: 0 5px; margin-left: 4px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(440px, 100%), 1fr)); gap: 16px; }
.card { background: var(--card); border: 1px solid var(--line); border-top: 5px solid var(--seg, var(--accent)); border-radius: 10px; padding: 16px 20px 18px; }
.card header { display: flex; justify-content: space-between; align-items: flex-start; gap: 12px; }
.card h3 { margin: 0; font-size: 18px; display: flex; align-items: center; gap: 8px; overflow-wrap: anywhere; }
.card .desc { margin: 10px 0 12px; color: #333b48; }
dl.figures { margin: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(120px, 1fr)); gap: 8px 16px; }
dl.figures dt { font-size: 12px; color: var(--muted); }
dl.figures dd { margin: 0; font-weight: 600; font-variant-numeric: tabular-nums; }
.badge { font-size: 12px; font-weight: 600; border-radius: 999px; padding: 2px 10px; white-space: nowrap; }
.badge-ok { color: var(--ok); background: var(--ok-bg); }
.badge-warn { color: var(--warn); background: var(--warn-bg); border: 1px solid #f3c58f; }
.traits { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 12px; }
.chip { font-size: 12px; border-radius: 999px; padding: 2px 9px; }
.chip.up { background: #fdebd3; color: #8a4b00; }
.chip.down { background: #deebf7; color: #0b4f85; }
ul.actions { margin: 0; padding-left: 20px; }
ul.actions li { margin: 2px 0; }
.callout { background: var(--warn-bg); border-left: 4px solid #e69f00; padding: 8px 12px; border-radius: 4px; }
.callout.small { font-size: 13px; margin: 12px 0 0; }
figure.chart { margin: 0 0 20px; background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 4px 20px 16px; }
figure.chart h3 { margin-top: 16px; }
.svg-wrap { overflow-x: auto; }
.svg-wrap svg { display: block; max-width: 100%; height: auto; }
.how { color: var(--muted); font-size: 14px; margin: 10px 0 0; max-width: 80ch; }
.na { color: var(--muted); font-style: italic; }
footer { margin-top: 40px; padding-top: 16px; border-top: 1px solid var(--line); color: var(--muted); font-size: 13px; }
footer p { margin: 4px 0; }
@media print {
  body { background: #fff; font-size: 11pt; }
  nav.toc { display: none; }
  .hero { background: #fff; color: var(--ink); padding: 0 0 12px; border-bottom: 2px solid var(--ink); }
  .hero .eyebrow, .hero .meta { color: var(--muted); }
  .page { max-width: none; padding: 0; }
  section { margin-top: 20px; }
  .card, figure.chart, .tile, table.data, dl.facts > div, tr { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  .cards { display: block; }
  .card { margin-bottom: 12px; }
  a { color: inherit; }
  .table-wrap, .svg-wrap { overflow: visible; }
}
`;

/**
 * Renders the report page. The output depends only on `input` and `charts`
 * (the generated-at time is the manifest's `finished_at`, not the clock), so
 * the same run always gives the same bytes.
 *
 * @param input - the run, as read by {@link loadReportInput}.
 * @param charts - the chart SVGs, as rendered by {@link renderCharts} from the same input.
 */
export function renderReport(input: ReportInput, charts: ReportCharts): string {
  const { segments: doc, manifest } = input;
  const styles = segmentStyles(doc.segments);
  const money = moneyFormatter(manifest);
  // ---- customer value (issue 9): begin. The section is built in valueChart.ts; '' for runs without value figures.
  const value = valueSection(input, charts.value, styles, money);
  const valueLink = value ? '<a href="#value">Value</a>' : '';
  // ---- customer value: end
  // ---- firmographics (issue 10): begin. The section is built in firmographicCharts.ts; '' for runs without a customer master.
  const firmographics = firmographicSection(input, styles, money);
  const firmographicsLink = firmographics ? '<a href="#firmographics">Firmographics</a>' : '';
  // ---- firmographics: end
  // ---- refresh (issue 7): begin. The section is built in migrationChart.ts; '' for runs that are not refreshes.
  const refresh = refreshSection(charts.refresh);
  const refreshLink = refresh ? '<a href="#refresh">Refresh</a>' : '';
  // ---- refresh: end
  const meta = [
    manifest.input?.path ? `Input <code>${esc(manifest.input.path)}</code>` : '',
    doc.as_of ?? manifest.as_of ? `As of ${esc(doc.as_of ?? manifest.as_of)}` : '',
    `Generated ${esc(fmtTimestamp(manifest.finished_at))}`,
  ].filter(Boolean);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="segmenta">
<title>Customer segments${doc.as_of ? ` · ${esc(doc.as_of)}` : ''}</title>
<style>${CSS}</style>
</head>
<body>
<header class="hero"><div class="page">
<p class="eyebrow">segmenta · customer segmentation report</p>
<h1>Customer segments</h1>
<p class="meta">${meta.map((m) => `<span>${m}</span>`).join('')}</p>
</div></header>
<nav class="toc" aria-label="Sections"><div class="page"><a href="#summary">Summary</a><a href="#data-quality">Data quality</a><a href="#segments">Segments</a><a href="#profiles">Profiles</a>${firmographicsLink}${valueLink}${refreshLink}<a href="#charts">Charts</a></div></nav>
<main class="page">
${summarySection(input, money)}
${dataQualitySection(input)}
${segmentTableSection(input, styles, money)}
${cardsSection(input, styles, money)}
${firmographics}
${value}
${refresh}
${chartsSection(input, charts)}
${footer(input)}
</main>
</body>
</html>
`;
}
