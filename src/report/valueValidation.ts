/**
 * The chart and page of `segmenta validate-value`: actual against predicted
 * repeat purchases per customer in the holdout, by the number of repeat
 * purchases in the calibration period (FHL 2005's conditional-expectations
 * plot), as one self-contained HTML file with an inline SVG.
 */
import { escapeHtml as esc } from './escape.ts';
import { FONT_STACK, renderSvg } from './charts.ts';
import type { HoldoutValidation } from '../value/validate.ts';

const ACTUAL = 'Actual';
const PREDICTED = 'Predicted';

/** Grouped bars: mean holdout repeat purchases per customer, actual and predicted, per calibration frequency. */
export async function holdoutChart(v: HoldoutValidation): Promise<string> {
  const rows = v.by_frequency.flatMap((g) => [
    { group: g.frequency, series: ACTUAL, value: g.actual_mean, customers: g.customers },
    { group: g.frequency, series: PREDICTED, value: g.predicted_mean, customers: g.customers },
  ]);
  return renderSvg('holdout', 'Actual and predicted repeat purchases per customer in the holdout, by repeat purchases in calibration', {
    data: { values: rows },
    width: { step: 48 },
    height: 320,
    encoding: {
      x: { field: 'group', type: 'ordinal', sort: v.by_frequency.map((g) => g.frequency), title: 'Repeat purchases in the calibration period', axis: { labelAngle: 0 } },
      xOffset: { field: 'series', type: 'nominal', sort: [ACTUAL, PREDICTED] },
      y: { field: 'value', type: 'quantitative', title: 'Repeat purchases per customer in the holdout' },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        sort: [ACTUAL, PREDICTED],
        scale: { domain: [ACTUAL, PREDICTED], range: ['#0072B2', '#E69F00'] },
        legend: { orient: 'top' },
      },
    },
    mark: { type: 'bar', cornerRadiusEnd: 2 },
  });
}

/** The validation page: the figures, the table and the chart. */
export function holdoutPage(v: HoldoutValidation, svg: string): string {
  const name = v.model === 'mbgnbd' ? 'MBG/NBD' : 'BG/NBD';
  const pct = (x: number | null) => (x === null ? '—' : `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)}%`);
  const num = (x: number, d: number) => x.toFixed(d);
  const rows = v.by_frequency
    .map(
      (g) =>
        `<tr><td>${esc(g.frequency)}</td><td>${g.customers}</td><td>${g.actual}</td><td>${num(g.predicted, 1)}</td><td>${num(g.actual_mean, 3)}</td><td>${num(g.predicted_mean, 3)}</td><td>${g.actual > 0 ? pct(g.predicted / g.actual - 1) : '—'}</td></tr>`,
    )
    .join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="segmenta">
<title>${esc(name)} holdout validation</title>
<style>
body { font-family: ${FONT_STACK}; color: #1d2330; max-width: 900px; margin: 24px auto; padding: 0 16px; line-height: 1.5; }
table { border-collapse: collapse; margin: 12px 0; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 10px; border-bottom: 1px solid #e2e5ea; text-align: right; }
th:first-child, td:first-child { text-align: left; }
tfoot td { font-weight: 600; }
.how { color: #5b6472; font-size: 14px; }
svg { max-width: 100%; height: auto; }
</style>
</head>
<body>
<h1>${esc(name)} holdout validation</h1>
<p>Calibration ${esc(v.calibration_start)} … ${esc(v.calibration_end)}, holdout to ${esc(v.holdout_end)} (${num(v.holdout_length, 2)} ${esc(v.time_unit)}).
${v.customers} customers, ${v.repeat_customers} of them with a repeat purchase in calibration.
Parameters r = ${num(v.params.r, 4)}, α = ${num(v.params.alpha, 4)}, a = ${num(v.params.a, 4)}, b = ${num(v.params.b, 4)}.</p>
<p><strong>Repeat purchase days in the holdout: actual ${v.total.actual}, predicted ${num(v.total.predicted, 1)} (${pct(v.total.relative_error)}).</strong></p>
<table>
<thead><tr><th>Repeat purchases in calibration</th><th>Customers</th><th>Actual</th><th>Predicted</th><th>Actual per customer</th><th>Predicted per customer</th><th>Error</th></tr></thead>
<tbody>${rows}</tbody>
<tfoot><tr><td>Total</td><td>${v.customers}</td><td>${v.total.actual}</td><td>${num(v.total.predicted, 1)}</td><td></td><td></td><td>${pct(v.total.relative_error)}</td></tr></tfoot>
</table>
${svg}
<p class="how">Each pair of bars is one group of customers by their repeat purchases in the calibration period: what they bought in the holdout on average (blue) and what the model fitted on the calibration period predicted (orange). A model that tracks the data keeps the pairs level in every group.</p>
</body>
</html>
`;
}
