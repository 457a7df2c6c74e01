/**
 * The report's customer-value part: a chart of each segment's share of CLV
 * against its share of customers, and the section around it — value per
 * segment, the "valuable but fading" callout (high CLV, P(alive) falling),
 * the fitted models and what to distrust about them.
 *
 * Everything comes from segments.json (`segments[].value`) and
 * manifest.json (`value`); runs without them get no section.
 */
import { escapeHtml as esc } from './escape.ts';
import { renderSvg, segmentStyles, type SegmentStyle } from './charts.ts';
import type { ReportInput, ReportSegment } from './loadRun.ts';

const DASH = '—';

function isNum(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function fmtNum(value: unknown, digits: number): string {
  return isNum(value) ? new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value) : DASH;
}

function fmtPct(value: unknown, digits = 1): string {
  return isNum(value) ? `${(value * 100).toFixed(digits)}%` : DASH;
}

const MODEL_NAMES: Record<string, string> = { bgnbd: 'BG/NBD', mbgnbd: 'MBG/NBD' };

/**
 * Segment value vs size: one point per segment at (share of customers, share
 * of CLV), sized by CLV per customer, with the diagonal where both shares are
 * equal. Segments above it are worth more per customer than the average.
 * Null when no segment has value figures.
 */
export async function valueVsSizeChart(segments: readonly ReportSegment[]): Promise<string | null> {
  const styles = segmentStyles(segments);
  const byId = new Map(segments.map((s) => [s.id, s]));
  const total = segments.reduce((sum, s) => sum + (isNum(s.size) ? s.size : 0), 0);
  const rows = styles.flatMap((style) => {
    const s = byId.get(style.id)!;
    const value = s.value;
    if (!value || !isNum(value.clv_share)) return [];
    const share = isNum(s.share) ? s.share : total > 0 ? s.size / total : null;
    return share === null ? [] : [{ segment: style.label, customers: share, clv: value.clv_share, perCustomer: value.clv_mean }];
  });
  if (rows.length === 0) return null;
  const max = Math.min(1, Math.max(0.05, ...rows.map((r) => Math.max(r.customers, r.clv))) * 1.15);
  const x = { field: 'customers', type: 'quantitative' as const, title: 'Share of customers', scale: { domain: [0, max] }, axis: { format: '.0%', tickCount: 5 } };
  const y = { field: 'clv', type: 'quantitative' as const, title: 'Share of customer lifetime value', scale: { domain: [0, max] }, axis: { format: '.0%', tickCount: 5 } };
  const color = {
    field: 'segment',
    type: 'nominal' as const,
    title: 'Segment',
    scale: { domain: styles.map((s) => s.label), range: styles.map((s) => s.color) },
    legend: null,
  };
  return renderSvg('value', 'Share of customer lifetime value against share of customers, per segment', {
    width: 420,
    height: 420,
    layer: [
      {
        data: { values: [{ customers: 0, clv: 0 }, { customers: max, clv: max }] },
        mark: { type: 'line', strokeDash: [5, 4], color: '#9a9a9a', strokeWidth: 1 },
        encoding: { x, y },
      },
      {
        data: { values: rows },
        mark: { type: 'circle', opacity: 0.9, stroke: 'white', strokeWidth: 1 },
        encoding: {
          x,
          y,
          color,
          size: { field: 'perCustomer', type: 'quantitative', title: 'CLV per customer', scale: { range: [80, 900] }, legend: null },
        },
      },
      {
        data: { values: rows },
        mark: { type: 'text', align: 'left', dx: 12, fontWeight: 600, fontSize: 12 },
        encoding: { x, y, text: { field: 'segment' } },
      },
    ],
  });
}

/** Value per segment, the valuable-but-fading callout, the chart and the models; '' for runs without value figures. */
export function valueSection(input: ReportInput, chart: string | null | undefined, styles: readonly SegmentStyle[], money: (value: unknown) => string): string {
  const manifest = input.manifest.value;
  const segments = input.segments.segments;
  const withValue = segments.filter((s) => s.value);
  if (!manifest && withValue.length === 0) return '';
  if (withValue.length === 0) {
    const why = manifest?.reason ? `: ${manifest.reason}` : '';
    return `<section id="value">
<h2>Customer value</h2>
<p class="na">Customer lifetime value was not computed for this run (${esc(manifest?.status ?? 'not recorded')}${esc(why)}).</p>
</section>`;
  }
  const byId = new Map(segments.map((s) => [s.id, s]));
  const months = manifest?.clv?.months ?? 12;
  const totalClv = withValue.reduce((sum, s) => sum + s.value!.clv_sum, 0);
  const customers = withValue.reduce((sum, s) => sum + s.size, 0);
  const expected = withValue.reduce((sum, s) => sum + s.value!.expected_purchases_90d_sum, 0);
  const pAlive = customers > 0 ? withValue.reduce((sum, s) => sum + s.value!.p_alive_mean * s.size, 0) / customers : NaN;
  const fadingCustomers = withValue.reduce((sum, s) => sum + s.value!.fading_customers, 0);
  const fadingClv = withValue.reduce((sum, s) => sum + s.value!.fading_clv, 0);

  const tiles = [
    { label: `Customer lifetime value, next ${months} months`, value: money(totalClv), note: `${money(customers > 0 ? totalClv / customers : NaN)} per customer` },
    { label: 'Expected purchases, next 90 days', value: fmtNum(expected, 0), note: 'purchase days' },
    { label: 'Mean P(alive)', value: fmtPct(pAlive), note: `churn risk ${fmtPct(1 - pAlive)}` },
    { label: 'Valuable but fading', value: fmtNum(fadingCustomers, 0), note: `${money(fadingClv)} of CLV` },
  ];
  const tileHtml = `<div class="tiles">${tiles
    .map((t) => `<div class="tile"><div class="tile-value">${esc(t.value)}</div><div class="tile-label">${esc(t.label)}</div><div class="tile-note">${esc(t.note)}</div></div>`)
    .join('')}</div>`;

  const rows = styles
    .map((style) => byId.get(style.id)!)
    .filter((s) => s.value)
    .map((s) => {
      const v = s.value!;
      return `<tr><td><a class="seg-name" href="#segment-${esc(s.id)}"><span class="swatch" style="background:${esc(styles.find((t) => t.id === s.id)!.color)}"></span>${esc(s.name)}</a></td><td class="num">${esc(fmtNum(s.size, 0))}</td><td class="num">${esc(fmtPct(s.share))}</td><td class="num">${esc(money(v.clv_sum))}</td><td class="num">${esc(fmtPct(v.clv_share))}</td><td class="num">${esc(fmtNum(v.clv_mean, 2))}</td><td class="num">${esc(fmtPct(v.p_alive_mean))}</td><td class="num">${esc(fmtPct(v.churn_risk_mean))}</td><td class="num">${esc(fmtNum(v.expected_purchases_90d_sum, 1))}</td><td class="num">${esc(fmtNum(v.fading_customers, 0))}</td></tr>`;
    })
    .join('');
  const table = `<div class="table-wrap"><table class="data segments"><thead><tr><th>Segment</th><th class="num">Customers</th><th class="num">Share</th><th class="num">CLV</th><th class="num">CLV share</th><th class="num">CLV / customer</th><th class="num">P(alive)</th><th class="num">Churn risk</th><th class="num">Purchases, 90 days</th><th class="num">Fading</th></tr></thead><tbody>${rows}</tbody></table></div>`;

  // The models' warnings come first: they say how far the figures below can be trusted.
  const warnings = (manifest?.warnings ?? []).map((w) => `<p class="callout">${esc(`${w.charAt(0).toUpperCase()}${w.slice(1)}.`)}</p>`).join('\n');
  return `<section id="value">
<h2>Customer value</h2>
${warnings}
${tileHtml}
${fadingCallout(withValue, styles, money, manifest?.fading ?? null, fadingClv, totalClv)}
${table}
<figure class="chart" id="chart-value">
<h3>Segment value vs size</h3>
${chart ? `<div class="svg-wrap">${chart}</div>\n<figcaption class="how"><strong>How to read this:</strong> ${esc('Each point is a segment at its share of customers (across) and its share of customer lifetime value (up); bigger points mean more CLV per customer. Segments above the dashed diagonal are worth more per customer than the average customer, those below less.')}</figcaption>` : '<p class="na">Not available for this run.</p>'}
</figure>
${modelNote(input, months)}
</section>`;
}

/** The "valuable but fading" callout: how many such customers, their CLV, and the segments that hold most of it. */
function fadingCallout(
  segments: readonly ReportSegment[],
  styles: readonly SegmentStyle[],
  money: (value: unknown) => string,
  fading: { clv_threshold: number; p_alive_drop: number } | null,
  fadingClv: number,
  totalClv: number,
): string {
  const holders = segments
    .filter((s) => s.value!.fading_customers > 0)
    .sort((a, b) => b.value!.fading_clv - a.value!.fading_clv || a.id - b.id)
    .slice(0, 3);
  const rule = fading
    ? `a CLV of at least ${money(fading.clv_threshold)} (the top fifth) and a P(alive) that has fallen by ${fmtNum(fading.p_alive_drop, 2)} or more since their last order`
    : 'a top-fifth CLV and a P(alive) that has fallen by a quarter or more since their last order';
  if (holders.length === 0) {
    return `<p class="lead">No customer is valuable but fading: none has ${esc(rule)}.</p>`;
  }
  const count = segments.reduce((sum, s) => sum + s.value!.fading_customers, 0);
  const list = holders
    .map((s) => {
      const color = styles.find((t) => t.id === s.id)?.color ?? '#888';
      return `<a href="#segment-${esc(s.id)}"><span class="swatch" style="background:${esc(color)}"></span> ${esc(s.name)}</a> (${esc(fmtNum(s.value!.fading_customers, 0))} customers, ${esc(money(s.value!.fading_clv))})`;
    })
    .join(', ');
  return `<p class="callout"><strong>Valuable but fading:</strong> ${esc(fmtNum(count, 0))} customers with ${esc(rule)} hold ${esc(money(fadingClv))} (${esc(fmtPct(totalClv > 0 ? fadingClv / totalClv : NaN))} of all CLV). Most of it sits in ${list}. They are worth a personal contact before they are gone.</p>`;
}

/** The fitted models in one paragraph, their warnings, and what the model cannot see. */
function modelNote(input: ReportInput, months: number): string {
  const m = input.manifest.value;
  if (!m) return '';
  const name = MODEL_NAMES[m.model] ?? m.model;
  const t = m.transaction?.params ?? {};
  const g = m.spend?.params ?? {};
  const parts: string[] = [
    `${name} (purchase days; time unit ${m.time_unit}) fitted on ${fmtNum(m.customers, 0)} customers, ${fmtNum(m.repeat_customers, 0)} of them with a repeat purchase day: r = ${fmtNum(t.r, 3)}, α = ${fmtNum(t.alpha, 3)}, a = ${fmtNum(t.a, 3)}, b = ${fmtNum(t.b, 3)}.`,
    `Gamma-Gamma spend model: p = ${fmtNum(g.p, 2)}, q = ${fmtNum(g.q, 2)}, γ = ${fmtNum(g.gamma, 2)}; correlation of frequency and spend ρ = ${fmtNum(m.frequency_spend_correlation, 2)} (the model assumes none).`,
    `CLV is the expected spend over the next ${months} months, discounted by ${fmtPct(m.clv?.discount_rate ?? 0.01, 1)} a month.`,
  ];
  if (isNum(m.zero_price_lines) && m.zero_price_lines > 0) {
    parts.push(`${fmtNum(m.zero_price_lines, 0)} zero-price lines count as purchase days (a free order is still a visit).`);
  }
  const weakness =
    m.model === 'bgnbd'
      ? '<p class="how">BG/NBD gives every customer without a repeat purchase P(alive) = 1 (churn risk 0): one-time buyers look alive however long ago they bought. <code>--value-model mbgnbd</code> removes this weakness.</p>'
      : '';
  return `<h3>The model</h3><p class="how">${esc(parts.join(' '))} See docs/value.md for its assumptions and when not to trust it.</p>${weakness}`;
}
