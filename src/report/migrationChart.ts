/**
 * The report's refresh part: who moved between the previous run and this
 * one (a previous × new segment heatmap), how every segment grew over the
 * runs of this output (from the warehouse, via history.csv), how far the
 * data drifted from the model's training (PSI per feature, centroid shift),
 * how segments carried over, and the publish checks.
 *
 * Everything comes from the run directory — manifest.json (`refresh`),
 * migration.csv and history.csv — so `segmenta report --run DIR` rebuilds it
 * without the warehouse. Runs of `discover` have no `refresh` block and get
 * no section.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { InputError, show } from '../errors.ts';
import type { FirmographicDrift, RefreshManifest, RetrainDecision } from '../refresh/types.ts';
import { escapeHtml as esc } from './escape.ts';
import { SEGMENT_PALETTE, featureLabel, renderSvg, type SegmentStyle } from './charts.ts';
import type { ReportInput } from './loadRun.ts';

const DASH = '—';

/** One row of migration.csv. */
export interface MigrationRow {
  previous_segment_id: number | null;
  previous_segment: string | null;
  segment_id: number | null;
  segment: string | null;
  customers: number;
  revenue: number;
}

/** One row of history.csv. */
export interface HistoryRow {
  as_of: string;
  segment_id: number;
  segment: string;
  customers: number;
  revenue: number;
}

/** What the refresh section shows: the manifest block, the two tables, and their charts. */
export interface RefreshReport {
  refresh: RefreshManifest;
  migration: MigrationRow[];
  history: HistoryRow[];
  charts: { migration: string | null; growth: string | null; drift: string | null };
}

/** Label of the heatmap row of customers new since the previous run. */
export const NEW_CUSTOMERS_LABEL = 'New customers';
/** Label of the heatmap column of customers no longer in the window. */
export const GONE_CUSTOMERS_LABEL = 'No longer in the window';

/**
 * Reads the refresh part of a run directory and renders its charts; null for
 * a run that is not a refresh.
 *
 * @throws InputError when migration.csv or history.csv is there but unreadable.
 */
export async function loadRefreshReport(input: ReportInput, styles: readonly SegmentStyle[]): Promise<RefreshReport | null> {
  const refresh = input.manifest.refresh;
  if (!refresh) return null;
  const migration = await readCsv<MigrationRow>(
    join(input.runDir, 'migration.csv'),
    `SELECT previous_segment_id::INTEGER AS previous_segment_id, previous_segment::VARCHAR AS previous_segment,
            segment_id::INTEGER AS segment_id, segment::VARCHAR AS segment,
            customers::INTEGER AS customers, revenue::DOUBLE AS revenue
     FROM read_csv($path, header = true, all_varchar = true)`,
  );
  const history = await readCsv<HistoryRow>(
    join(input.runDir, 'history.csv'),
    `SELECT as_of::VARCHAR AS as_of, segment_id::INTEGER AS segment_id, segment::VARCHAR AS segment,
            customers::INTEGER AS customers, revenue::DOUBLE AS revenue
     FROM read_csv($path, header = true, all_varchar = true)
     ORDER BY as_of, segment_id`,
  );
  return {
    refresh,
    migration,
    history,
    charts: {
      migration: await migrationHeatmap(migration, styles),
      growth: await segmentGrowthChart(history, styles),
      drift: await psiChart(refresh),
    },
  };
}

/** Rows of a CSV of the run, through a fixed query; [] when the file is not there. */
async function readCsv<T>(path: string, sql: string): Promise<T[]> {
  if (!existsSync(path)) return [];
  const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'true' });
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql, { path })).getRowObjectsJS() as T[];
  } catch (error) {
    throw new InputError(`cannot read ${show(path)}: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * Colours for segment names across runs: this run's segments keep their
 * report colour; names only earlier runs had take the remaining palette
 * colours, so a vanished segment's line is still told apart.
 */
function nameColors(names: readonly string[], styles: readonly SegmentStyle[]): { domain: string[]; range: string[] } {
  const domain = styles.map((s) => s.label);
  const range = styles.map((s) => s.color);
  let next = styles.length;
  for (const name of names) {
    if (domain.includes(name)) continue;
    domain.push(name);
    range.push(SEGMENT_PALETTE[next % SEGMENT_PALETTE.length]);
    next += 1;
  }
  return { domain, range };
}

/**
 * Previous segment (rows) × segment of this run (columns): the count of
 * customers in each cell, shaded by the share of the row's customers — a
 * dark diagonal means customers stayed, dark cells off it are where they
 * went. New customers form the last row; customers no longer in the window
 * the last column.
 */
export async function migrationHeatmap(rows: readonly MigrationRow[], styles: readonly SegmentStyle[]): Promise<string | null> {
  if (rows.length === 0) return null;
  const label = (id: number | null, name: string | null, missing: string) =>
    id === null ? missing : (styles.find((s) => s.id === id)?.label ?? name ?? `segment ${id}`);
  const rowTotals = new Map<string, number>();
  const cells = rows.map((r) => {
    const from = r.previous_segment_id === null ? NEW_CUSTOMERS_LABEL : (r.previous_segment ?? `segment ${r.previous_segment_id}`);
    const to = label(r.segment_id, r.segment, GONE_CUSTOMERS_LABEL);
    rowTotals.set(from, (rowTotals.get(from) ?? 0) + r.customers);
    return { from, to, customers: r.customers };
  });
  const data = cells.map((c) => ({ ...c, share: (rowTotals.get(c.from) ?? 0) > 0 ? c.customers / rowTotals.get(c.from)! : 0 }));
  const fromOrder = [...new Set(rows.filter((r) => r.previous_segment_id !== null).sort((a, b) => a.previous_segment_id! - b.previous_segment_id!).map((r) => r.previous_segment ?? `segment ${r.previous_segment_id}`))];
  if (rows.some((r) => r.previous_segment_id === null)) fromOrder.push(NEW_CUSTOMERS_LABEL);
  const toOrder = [...new Set(rows.filter((r) => r.segment_id !== null).sort((a, b) => a.segment_id! - b.segment_id!).map((r) => label(r.segment_id, r.segment, GONE_CUSTOMERS_LABEL)))];
  if (rows.some((r) => r.segment_id === null)) toOrder.push(GONE_CUSTOMERS_LABEL);
  const x = { field: 'to', type: 'nominal' as const, sort: toOrder, title: 'This run', axis: { labelAngle: 0, labelLimit: 150 } };
  const y = { field: 'from', type: 'nominal' as const, sort: fromOrder, title: 'Previous run' };
  return renderSvg('migration', 'Customers by segment in the previous run and in this run', {
    data: { values: data },
    width: Math.max(240, toOrder.length * 155),
    height: fromOrder.length * 40,
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 2 },
        encoding: {
          x,
          y,
          color: { field: 'share', type: 'quantitative', title: 'Share of the row', scale: { scheme: 'blues', domain: [0, 1] }, legend: { format: '.0%' } },
        },
      },
      {
        mark: { type: 'text', fontSize: 12 },
        encoding: {
          x,
          y,
          text: { field: 'customers', type: 'quantitative', format: ',' },
          color: { condition: { test: 'datum.share > 0.55', value: 'white' }, value: '#222' },
        },
      },
    ],
  });
}

/**
 * Customers and revenue of every segment at every run of this output, one
 * line per segment name: names carry over between runs, so a line is one
 * segment's story. Null with fewer than two runs.
 */
export async function segmentGrowthChart(rows: readonly HistoryRow[], styles: readonly SegmentStyle[]): Promise<string | null> {
  if (new Set(rows.map((r) => r.as_of)).size < 2) return null;
  const colors = nameColors([...new Set(rows.map((r) => r.segment))], styles);
  const dates = [...new Set(rows.map((r) => r.as_of))];
  // A tick per run while they fit; beyond that the time axis picks its own.
  const ticks = dates.length <= 12 ? { values: dates.map((d) => Date.parse(`${d}T00:00:00Z`)), labelOverlap: false, labelAngle: -40 } : {};
  const data = rows.flatMap((r) => [
    { as_of: r.as_of, segment: r.segment, measure: 'Customers', value: r.customers },
    { as_of: r.as_of, segment: r.segment, measure: 'Revenue', value: r.revenue },
  ]);
  return renderSvg('growth', 'Customers and revenue of every segment at every run', {
    data: { values: data },
    facet: { row: { field: 'measure', type: 'nominal', title: null, sort: ['Customers', 'Revenue'] } },
    spec: {
      width: 560,
      height: 180,
      mark: { type: 'line', point: { size: 50 }, strokeWidth: 2 },
      encoding: {
        x: { field: 'as_of', type: 'temporal', title: 'As of', axis: { format: '%Y-%m-%d', labelAngle: -20, ...ticks } },
        y: { field: 'value', type: 'quantitative', title: null, axis: { format: '~s' } },
        color: { field: 'segment', type: 'nominal', title: 'Segment', scale: colors, legend: { orient: 'right' } },
      },
    },
    resolve: { scale: { y: 'independent' } },
  });
}

/**
 * Population stability index per clustering feature, with the lines at 0.1
 * (moderate shift) and the retrain threshold. Null without a training
 * reference.
 */
export async function psiChart(refresh: RefreshManifest): Promise<string | null> {
  const psi = refresh.drift?.psi ?? [];
  if (psi.length === 0) return null;
  const threshold = refresh.drift.thresholds.psi;
  const data = psi.map((p) => ({ feature: featureLabel(p.feature), psi: p.psi, level: p.level }));
  const max = Math.max(threshold * 1.3, ...data.map((d) => d.psi * 1.15));
  return renderSvg('drift', 'Population stability index of every clustering feature', {
    width: 420,
    height: Math.max(1, data.length) * 26,
    layer: [
      {
        data: { values: data },
        mark: { type: 'bar', height: { band: 0.7 } },
        encoding: {
          y: { field: 'feature', type: 'nominal', title: null, sort: data.map((d) => d.feature) },
          x: { field: 'psi', type: 'quantitative', title: 'Population stability index', scale: { domain: [0, max] } },
          color: {
            field: 'level',
            type: 'nominal',
            title: 'Shift',
            scale: { domain: ['stable', 'moderate', 'significant'], range: ['#009E73', '#E69F00', '#D55E00'] },
          },
        },
      },
      {
        data: { values: [{ x: 0.1 }, { x: threshold }] },
        mark: { type: 'rule', strokeDash: [4, 3], color: '#555' },
        encoding: { x: { field: 'x', type: 'quantitative' } },
      },
    ],
  });
}

function isNum(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function fmt(value: unknown, digits: number): string {
  return isNum(value) ? value.toFixed(digits) : DASH;
}

function fmtPct(value: unknown): string {
  return isNum(value) ? `${(value * 100).toFixed(1)}%` : DASH;
}

function fmtInt(value: unknown): string {
  return isNum(value) ? new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 }).format(value) : DASH;
}

/** Labels of the firmographic inputs of a k-prototypes model (the numbers after ln(1 + x)). */
const FIRMOGRAPHIC_INPUT_LABELS: Record<string, string> = {
  log_employees: 'Employees (log)',
  log_annual_revenue: 'Annual turnover (log)',
  wz_section: 'Industry (WZ section)',
  size_class: 'Size class',
  state: 'Federal state',
};

function firmographicInputLabel(input: string): string {
  return FIRMOGRAPHIC_INPUT_LABELS[input] ?? featureLabel(input);
}

/**
 * Whether a firmographic figure that reached the threshold made the refresh
 * retrain: only `--retrain auto` decides on drift; under `never` or `always`
 * the figure is reported with the mode that overrode it.
 */
function firmographicRetrainCell(reached: boolean, retrain: RetrainDecision): string {
  if (!reached) return '<td>no</td>';
  if (retrain.mode === 'auto') return `<td class="warn">${retrain.retrained ? 'yes' : 'threshold reached'}</td>`;
  return `<td class="warn">${esc(`threshold reached (--retrain ${retrain.mode})`)}</td>`;
}

/**
 * The firmographic drift of a model found on firmographics
 * (`drift.firmographics`): per numeric input the shift of its mean and the
 * share of customers with a value, and per segment the shift of its saved
 * prototype; '' for a behaviour-only model.
 */
export function firmographicDriftBlock(drift: FirmographicDrift | undefined, retrain: RetrainDecision): string {
  if (!drift) return '';
  const threshold = fmt(drift.threshold, 2);
  const reached = (shift: number | null, magnitude: (x: number) => number) => isNum(shift) && magnitude(shift) >= drift.threshold;
  const inputRows = (drift.numeric ?? [])
    .map((n) => {
      const hit = reached(n.shift, Math.abs);
      const shift = isNum(n.shift) ? `${n.shift > 0 ? '+' : ''}${n.shift.toFixed(3)}` : DASH;
      return `<tr><td>${esc(firmographicInputLabel(n.input))}</td><td class="num${hit ? ' warn' : ''}">${esc(shift)}</td><td class="num">${esc(fmtPct(n.known_share))}</td><td class="num">${esc(threshold)}</td>${firmographicRetrainCell(hit, retrain)}</tr>`;
    })
    .join('');
  const prototypeRows = (drift.prototype_shift ?? [])
    .map((p) => {
      const hit = reached(p.shift, (x) => x);
      return `<tr><td>${esc(p.segment)}</td><td class="num">${esc(fmtInt(p.customers))}</td><td class="num${hit ? ' warn' : ''}">${esc(fmt(p.shift, 3))}</td>${firmographicRetrainCell(hit, retrain)}</tr>`;
    })
    .join('');
  const notMeasured = (drift.not_measured ?? []).length > 0
    ? ` Not measured: ${drift.not_measured.map(firmographicInputLabel).join(', ')} (categories; model.json keeps no training distribution of them).`
    : '';
  const behaviour =
    drift.segment_on === 'firmographics'
      ? ' The model segments on firmographics only: the behavioural drift above is reported but does not decide a retrain.'
      : ' The model segments on firmographics and behaviour: either drift can decide a retrain.';
  return `<div class="two-col" id="firmographic-drift">
<div><h3>Firmographic drift</h3><table class="data firmographic-drift"><thead><tr><th>Feature</th><th class="num">Mean shift (sd)</th><th class="num">With a value</th><th class="num">Threshold (sd)</th><th>Triggered retrain</th></tr></thead><tbody>${inputRows}</tbody></table>
<p class="how">${esc(`How far the mean of each firmographic number (after ln(1 + x), over the customers with a value) moved from its training mean, in training standard deviations; --retrain auto refits when its size reaches ${threshold}.${notMeasured}${behaviour}`)}</p></div>
<div><h3>Firmographic prototype shift</h3><table class="data firmographic-prototypes"><thead><tr><th>Segment of the saved model</th><th class="num">Customers now</th><th class="num">Shift (sd)</th><th>Triggered retrain</th></tr></thead><tbody>${prototypeRows}</tbody></table>
<p class="how">${esc(`How far each segment’s saved prototype is from its customers’ mean now on the firmographic numbers (unknown values count as the training mean), in training standard deviations; --retrain auto refits from ${threshold}.`)}</p></div>
</div>`;
}

function figure(id: string, title: string, svg: string | null, how: string, missing: string): string {
  return `<figure class="chart" id="chart-${esc(id)}">
<h3>${esc(title)}</h3>
${svg ? `<div class="svg-wrap">${svg}</div>\n<figcaption class="how"><strong>How to read this:</strong> ${esc(how)}</figcaption>` : `<p class="na">Not available for this run: ${esc(missing)}</p>`}
</figure>`;
}

/**
 * The `Refresh` section of the report ('' for runs that are not refreshes):
 * what the refresh decided, the migration, growth and drift charts, the
 * continuity, centroid-shift and publish-check tables, and for a model found
 * on firmographics the firmographic drift tables.
 */
export function refreshSection(report: RefreshReport | null | undefined): string {
  if (!report) return '';
  const { refresh: r, charts } = report;
  const m = r.migration;
  const decision = r.retrain.retrained
    ? `The model was <strong>retrained</strong> on this run’s customers: ${esc(r.retrain.reason)}.`
    : `The saved model (trained as of ${esc(r.model.as_of)}) was <strong>kept</strong>: ${esc(r.retrain.reason)}.`;
  const facts = [
    ['Previous run', `${r.previous.as_of} (${r.previous.command}, ${fmtInt(r.previous.customers)} customers)`],
    ['Customers in both runs', fmtInt(m.in_both)],
    ['Stayed in their segment', fmtInt(m.stayed)],
    ['Moved to another segment', fmtInt(m.moved)],
    ['New customers', fmtInt(m.new_customers)],
    ['No longer in the window', fmtInt(m.gone_customers)],
  ];
  const changes: string[] = [];
  if (r.continuity.new.length > 0) changes.push(`New segments: ${r.continuity.new.map((s) => `<strong>${esc(s.name)}</strong>`).join(', ')}.`);
  if (r.continuity.vanished.length > 0) {
    changes.push(`Vanished segments: ${r.continuity.vanished.map((s) => `<strong>${esc(s.name)}</strong> (${esc(fmtInt(s.customers))} customers before)`).join(', ')}.`);
  }
  const continuityRows = r.continuity.matches
    .map(
      (c) =>
        `<tr><td>${esc(c.segment)}</td><td>${esc(c.previous_segment ?? DASH)}</td><td class="num">${esc(fmt(c.distance, 3))}</td><td>${esc(c.status)}</td></tr>`,
    )
    .join('');
  const shiftRows = r.drift.centroid_shift
    .map(
      (c) =>
        `<tr><td>${esc(c.segment)}</td><td class="num">${esc(fmtInt(c.customers))}</td><td class="num${isNum(c.shift) && c.shift >= r.drift.thresholds.centroid_shift ? ' warn' : ''}">${esc(fmt(c.shift, 3))}</td></tr>`,
    )
    .join('');
  const checkRows = r.checks
    .map((c) => `<tr><td>${esc(c.name)}</td><td class="${c.passed ? '' : 'warn'}">${c.passed ? '✓ passed' : '✗ failed'}</td><td>${esc(c.detail)}</td></tr>`)
    .join('');
  const firmographic = firmographicDriftBlock(r.drift.firmographics, r.retrain);
  return `<section id="refresh">
<h2>Refresh</h2>
<p class="lead">${decision}${r.rerun ? ' This run repeated an as-of date already published, from the same starting point.' : ''}</p>
${changes.length > 0 ? `<p class="callout">${changes.join(' ')}</p>` : ''}
<div class="two-col">
<div><h3>Customers since the previous run</h3><dl class="facts">${facts.map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${esc(v)}</dd></div>`).join('')}</dl></div>
<div><h3>Segments carried over</h3><table class="data"><thead><tr><th>Segment</th><th>Previous segment</th><th class="num">Centre distance (sd)</th><th>Status</th></tr></thead><tbody>${continuityRows}</tbody></table>
<p class="how">${esc(r.continuity.method)}; a match farther than ${esc(String(r.continuity.max_distance))} sd is a new segment.</p></div>
</div>
${figure(
  'migration',
  'Where the previous run’s customers went',
  charts.migration,
  'Each row is a segment of the previous run, each column a segment of this run, and the number is how many customers made that move; the shading is the share of the row, so a dark diagonal means segments kept their customers.',
  'migration.csv is missing.',
)}
${figure(
  'growth',
  'Segment growth over the runs',
  charts.growth,
  'One line per segment: its customers (top) and revenue (bottom) at every published run of this output, from the history warehouse.',
  'the history has fewer than two runs.',
)}
${figure(
  'drift',
  'Drift against the model’s training data',
  charts.drift,
  `The population stability index compares each feature’s distribution now with its training deciles: below 0.1 (first dashed line) is stable, from ${r.drift.thresholds.psi} (second line) the shift is significant and --retrain auto refits the model.`,
  'the model has no training deciles (written before refresh existed).',
)}
<div class="two-col">
<div><h3>Centroid shift</h3><table class="data"><thead><tr><th>Segment of the saved model</th><th class="num">Customers now</th><th class="num">Shift (sd)</th></tr></thead><tbody>${shiftRows}</tbody></table>
<p class="how">How far each segment’s centre moved from where it was at training, in training standard deviations; --retrain auto refits from ${esc(String(r.drift.thresholds.centroid_shift))}.</p></div>
<div><h3>Publish checks</h3><table class="data"><thead><tr><th>Check</th><th>Result</th><th>Detail</th></tr></thead><tbody>${checkRows}</tbody></table></div>
</div>${firmographic ? `\n${firmographic}` : ''}
</section>`;
}
